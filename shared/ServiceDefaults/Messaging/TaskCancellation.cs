using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Bus.ServiceDefaults.Messaging;

public static class TaskCancellation
{
    /// <summary>
    /// The registry of running attempts and a temporary (auto-delete) queue of this process's own, bound to
    /// <see cref="Contracts.Tasks.TaskCancellationRequested"/>: a broadcast reaches every replica of every service,
    /// however many run, and the queue goes away with the process.
    /// </summary>
    public static void AddTaskCancellation(this IBusRegistrationConfigurator bus)
    {
        bus.AddSingleton<RunningTaskAttempts>();
        var instance = $"{Environment.MachineName}-{NewId.Next():N}".ToLowerInvariant();
        bus.AddConsumer<TaskCancellationConsumer>().Endpoint(endpoint =>
        {
            endpoint.Name = $"task-cancellation-{instance}";
            endpoint.Temporary = true;
        });
    }
}
