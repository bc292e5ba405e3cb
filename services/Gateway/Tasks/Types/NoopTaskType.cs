using System.Text.Json;
using Bus.Contracts.Noop;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Noop;

namespace Bus.Gateway.Tasks.Types;

/// <summary><c>noop</c>: the benchmark's task, accepted only with <c>Tasks:EnableNoop</c>. Every field is optional.</summary>
public sealed class NoopTaskType : ITaskType
{
    private static readonly HashSet<string> Fields = ["sleepMs", "failRate", "payloadBytes"];

    public TaskRoute Route => TaskRoutes.Noop;

    public IReadOnlyList<string> SensitiveFields { get; } = [];

    public JsonElement Example { get; } = JsonSerializer.SerializeToElement(new { sleepMs = 10, failRate = 0.0, payloadBytes = 100 });

    public TaskCommandResult CreateCommand(Guid taskId, JsonElement data)
    {
        var reader = new JsonFieldReader("data");
        if (!reader.RequireObject(data, Fields))
            return TaskCommandResult.Invalid(reader.Errors);

        var sleepMs = reader.ReadInt(data, "sleepMs", 0, NoopTasks.MaxSleepMs) ?? 0;
        var payloadBytes = reader.ReadInt(data, "payloadBytes", 0, NoopTasks.MaxPayloadBytes) ?? 0;
        var failRate = 0.0;
        if (data.TryGetProperty("failRate", out var rate) && rate.ValueKind != JsonValueKind.Null)
        {
            if (rate.ValueKind == JsonValueKind.Number && rate.TryGetDouble(out var value) && value is >= 0 and <= 1)
                failRate = value;
            else
                reader.AddError(reader.PathOf("failRate"), "must be a number from 0 to 1");
        }

        return reader.HasErrors
            ? TaskCommandResult.Invalid(reader.Errors)
            : TaskCommandResult.Valid(new RunNoop(taskId, sleepMs, failRate, payloadBytes));
    }
}
