namespace Bus.Scheduler.Crons;

public static class CronScheduleExtensions
{
    /// <summary>Crons declared in configuration, kept in Quartz's clustered store. (Filled in by the crons work.)</summary>
    public static IHostApplicationBuilder AddCronSchedules(this IHostApplicationBuilder builder) => builder;
}
