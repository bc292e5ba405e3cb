using Bus.ExportService;
using Bus.ServiceDefaults;
using Bus.ServiceDefaults.Persistence;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddExportService();

var app = builder.Build();
app.MapDefaultEndpoints();
await app.RunOrMigrateAsync(args, ExportSchema.MigrateAsync);
