using Bus.MaintenanceService;
using Bus.ServiceDefaults;
using Bus.ServiceDefaults.Persistence;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddMaintenanceService();

var app = builder.Build();
app.MapDefaultEndpoints();
await app.RunOrMigrateAsync(args, MaintenanceSchema.MigrateAsync);
