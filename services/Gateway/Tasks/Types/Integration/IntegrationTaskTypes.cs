namespace Bus.Gateway.Tasks.Types.Integration;

public static class IntegrationTaskTypes
{
    /// <summary>The task types of queue <c>integration</c>.</summary>
    public static IServiceCollection AddIntegrationTaskTypes(this IServiceCollection services)
    {
        services.AddSingleton<ITaskType, ApiIntegrationTaskType>();
        services.AddSingleton<ITaskType, SlackAlertTaskType>();
        services.AddSingleton<ITaskType, SmsNotificationTaskType>();
        return services;
    }
}
