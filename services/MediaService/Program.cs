using Bus.MediaService;
using Bus.ServiceDefaults;
using Bus.ServiceDefaults.Persistence;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddMediaService();

var app = builder.Build();
app.MapDefaultEndpoints();
await app.RunOrMigrateAsync<MediaDbContext>(args);
