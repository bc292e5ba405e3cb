using Bus.Scheduler;
using Bus.Scheduler.Persistence;
using Bus.ServiceDefaults;
using Bus.ServiceDefaults.Persistence;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddScheduler();

var app = builder.Build();
app.MapDefaultEndpoints();
await app.RunOrMigrateAsync(args, SchedulerSchema.MigrateAsync);
