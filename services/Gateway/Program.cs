using Bus.Gateway;
using Bus.Gateway.Admin;
using Bus.Gateway.Api;
using Bus.Gateway.Persistence;
using Bus.ServiceDefaults;
using Bus.ServiceDefaults.Persistence;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddGateway();

var app = builder.Build();
app.UseGateway();
app.MapDefaultEndpoints();
app.MapTaskEndpoints();
app.MapScheduleEndpoints();
app.MapStatsEndpoints();
app.MapAdminEndpoints();
app.MapDemoEndpoints();
await app.RunOrMigrateAsync<TaskDbContext>(args);

public partial class Program;
