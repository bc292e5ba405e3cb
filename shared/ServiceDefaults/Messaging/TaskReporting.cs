using System.Text.Json;
using Bus.Contracts.Tasks;
using MassTransit;

namespace Bus.ServiceDefaults.Messaging;

/// <summary>How a consumer tells the task saga about its work.</summary>
public static class TaskReporting
{
    public static Task ReportProgress(this ConsumeContext context, Guid taskId, int percent, string? message = null) =>
        context.Publish(new TaskProgressed(taskId, Math.Clamp(percent, 0, 100), message), context.CancellationToken);

    public static Task ReportCompleted<TResult>(this ConsumeContext context, Guid taskId, TResult result) =>
        context.Publish(new TaskCompleted(taskId, JsonSerializer.SerializeToElement(result, JsonSerializerOptions.Web)), context.CancellationToken);
}
