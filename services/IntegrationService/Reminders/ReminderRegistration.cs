using Bus.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Bus.IntegrationService.Reminders;

public static class ReminderRegistration
{
    /// <summary>The options and scheduler of <c>booking_reminder</c> and <c>payment_reminder</c>; their consumers are registered in AddBus.</summary>
    public static IHostApplicationBuilder AddReminders(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<ReminderOptions>(ReminderOptions.Section);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddScoped<ReminderScheduler>();
        return builder;
    }
}
