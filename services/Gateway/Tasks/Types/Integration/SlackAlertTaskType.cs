using System.Text.Json;
using Bus.Contracts.Integration;
using Bus.ServiceDefaults.Messaging;

namespace Bus.Gateway.Tasks.Types.Integration;

/// <summary><c>slack_alert</c>: <c>text</c> (what every submitter sends) and optionally Block Kit <c>blocks</c>.</summary>
public sealed class SlackAlertTaskType : ITaskType
{
    /// <summary>Slack truncates longer messages.</summary>
    private const int MaxTextLength = 40_000;
    private const int MaxBlocks = 50;

    private static readonly HashSet<string> Fields = ["text", "blocks"];

    public TaskRoute Route => TaskRoutes.SlackAlert;

    public IReadOnlyList<string> SensitiveFields { get; } = [];

    public JsonElement Example { get; } = JsonSerializer.SerializeToElement(new { text = "Nightly import finished: 1,204 rows" });

    public TaskCommandResult CreateCommand(Guid taskId, JsonElement data)
    {
        var reader = new JsonFieldReader("data");
        if (!reader.RequireObject(data, Fields))
            return TaskCommandResult.Invalid(reader.Errors);

        var text = reader.ReadString(data, "text", required: true, MaxTextLength);
        JsonElement? blocks = null;
        if (data.TryGetProperty("blocks", out var value) && value.ValueKind != JsonValueKind.Null)
        {
            if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() > MaxBlocks || value.EnumerateArray().Any(b => b.ValueKind != JsonValueKind.Object))
                reader.AddError(reader.PathOf("blocks"), $"must be an array of at most {MaxBlocks} Block Kit objects");
            else
                blocks = value.Clone();
        }

        return reader.HasErrors
            ? TaskCommandResult.Invalid(reader.Errors)
            : TaskCommandResult.Valid(new SendSlackAlert(taskId, text!, blocks));
    }
}
