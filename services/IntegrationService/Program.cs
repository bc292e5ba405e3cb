using Bus.IntegrationService;
using Bus.ServiceDefaults;
using Bus.ServiceDefaults.Persistence;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddIntegrationService();

var app = builder.Build();
app.MapDefaultEndpoints();
await app.RunOrMigrateAsync(args, IntegrationSchema.MigrateAsync);
