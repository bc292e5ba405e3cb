using Bus.Gateway;
using Bus.Gateway.Admin;
using Bus.Gateway.Api;
using Bus.Gateway.Dashboard;
using Bus.Gateway.Live;
using Bus.Gateway.OpenApi;
using Bus.Gateway.Security;
using Bus.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddGateway();
builder.AddGatewaySecurity();
builder.AddDashboard();
builder.AddApiDocumentation();

var app = builder.Build();
app.UseGateway();
app.UseDashboard();
app.UseGatewaySecurity();
app.MapDefaultEndpoints();
app.MapTaskEndpoints();
app.MapScheduleEndpoints();
app.MapStatsEndpoints();
app.MapLiveEvents();
app.MapAdminEndpoints();
app.MapDemoEndpoints();
app.MapDashboard();
app.MapApiDocumentation();
await app.RunOrExecuteCommandAsync(args);

public partial class Program;
