using System.Text.Json;
using Bus.ServiceDefaults.Messaging;

namespace Bus.Gateway.Tasks.Types;

/// <summary>One task type the Gateway accepts: how its untrusted JSON data becomes the typed command for its queue.</summary>
public interface ITaskType
{
    TaskRoute Route { get; }

    /// <summary>A valid <c>data</c> object for this type: the OpenAPI example and what the demo endpoint submits.</summary>
    JsonElement Example { get; }

    /// <summary>
    /// Dotted paths inside <c>data</c> (<c>*</c> = any field or item, <c>**</c> = any depth, <c>{credential}</c> = any field
    /// whose name says it holds a credential; see <see cref="SensitiveTaskData"/>) whose string values are secrets: encrypted before
    /// the task is sent or stored, and redacted in every answer. The worker reveals them with SensitiveValueProtector.
    /// </summary>
    IReadOnlyList<string> SensitiveFields { get; }

    /// <summary>The command, or the errors keyed by field path (for example <c>data.to[1]</c>).</summary>
    TaskCommandResult CreateCommand(Guid taskId, JsonElement data);
}

public sealed record TaskCommandResult(object? Command, IReadOnlyDictionary<string, string[]> Errors)
{
    public bool IsValid => Command is not null && Errors.Count == 0;

    public static TaskCommandResult Valid(object command) => new(command, new Dictionary<string, string[]>());

    public static TaskCommandResult Invalid(IReadOnlyDictionary<string, string[]> errors) => new(null, errors);
}
