using System.Text.Json;
using Bus.Gateway.Tasks.Types;

namespace Bus.Gateway.Api;

/// <summary>The body of <c>POST /tasks</c>, read by hand so every bad field is named in the 400.</summary>
public sealed record SubmitTaskRequest(string Type, int Priority, JsonElement Data, string? IdempotencyKey)
{
    public const int MaxPriority = 10;
    private const int MaxDepth = 64;

    private static readonly HashSet<string> Fields = ["type", "priority", "data", "idempotencyKey"];

    /// <summary>Parses the raw body; either a request or the errors by field, never an exception.</summary>
    public static (SubmitTaskRequest? Request, IReadOnlyDictionary<string, string[]> Errors) Parse(ReadOnlyMemory<byte> body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException exception)
        {
            return (null, new Dictionary<string, string[]>
            {
                ["body"] = [$"is not valid JSON: {exception.Message}"],
            });
        }

        using (document)
        {
            var root = document.RootElement;
            var reader = new JsonFieldReader("");
            if (!reader.RequireObject(root, Fields))
                return (null, reader.Errors);

            var type = reader.ReadString(root, "type", required: true, maxLength: 100);
            var priority = reader.ReadInt(root, "priority", 0, MaxPriority) ?? 0;
            var idempotencyKey = reader.ReadString(root, "idempotencyKey", required: false, maxLength: 255);
            if (!root.TryGetProperty("data", out var data) || data.ValueKind == JsonValueKind.Null)
                reader.AddError("data", "is required");

            return reader.HasErrors
                ? (null, reader.Errors)
                : (new SubmitTaskRequest(type!, priority, data.Clone(), idempotencyKey), reader.Errors);
        }
    }
}
