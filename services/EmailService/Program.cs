using Bus.EmailService;
using Bus.ServiceDefaults;
using Bus.ServiceDefaults.Persistence;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddEmailService();

var app = builder.Build();
app.MapDefaultEndpoints();
await app.RunOrMigrateAsync<EmailDbContext>(args);
