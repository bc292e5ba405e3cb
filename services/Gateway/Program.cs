using Bus.Gateway;
using Bus.Gateway.Api;
using Bus.Gateway.Live;
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
app.MapLiveEvents();
await app.RunOrMigrateAsync<TaskDbContext>(args);

public partial class Program;
