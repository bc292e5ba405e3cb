using System.Text.Json;
using System.Text.Json.Nodes;
using Bus.ServiceDefaults.Secrets;

namespace Bus.Gateway.Tasks.Types;

/// <summary>
/// Protects the fields a task type declares sensitive (<see cref="ITaskType.SensitiveFields"/>) before a task's data
/// leaves the Gateway or is stored, and hides every protected value from API answers.
/// </summary>
public sealed class SensitiveTaskData(SensitiveValueProtector protector)
{
    public const string Redacted = "[redacted]";

    /// <summary>The data with each declared field's string value(s) protected; already protected values are kept.</summary>
    public JsonElement Protect(ITaskType type, JsonElement data)
    {
        if (type.SensitiveFields.Count == 0 || data.ValueKind != JsonValueKind.Object)
            return data;
        var root = JsonNode.Parse(data.GetRawText())!;
        var changed = false;
        foreach (var path in type.SensitiveFields)
            changed |= ProtectAt(root, path.Split('.'), 0);
        return changed ? JsonSerializer.SerializeToElement(root) : data;
    }

    /// <summary>The JSON with every protected value, wherever it is, replaced by <see cref="Redacted"/>.</summary>
    public static JsonElement Redact(JsonElement json)
    {
        if (!json.GetRawText().Contains(SensitiveValueProtector.Prefix, StringComparison.Ordinal))
            return json;
        var root = JsonNode.Parse(json.GetRawText());
        return JsonSerializer.SerializeToElement(RedactNode(root));
    }

    // Field names match case-insensitively: over-protecting a look-alike field is safe, leaking an "Authorization" is not.
    private bool ProtectAt(JsonNode? node, string[] path, int depth)
    {
        if (node is null)
            return false;
        if (depth == path.Length)
        {
            if (node is JsonValue value && value.TryGetValue<string>(out var text) && !SensitiveValueProtector.IsProtected(text))
            {
                node.ReplaceWith(JsonValue.Create(protector.Protect(text)));
                return true;
            }
            return false;
        }

        var segment = path[depth];
        var changed = false;
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    if (segment == "*" || string.Equals(name, segment, StringComparison.OrdinalIgnoreCase))
                        changed |= ProtectAt(child, path, depth + 1);
                }
                break;
            case JsonArray array when segment == "*":
                foreach (var child in array.ToList())
                    changed |= ProtectAt(child, path, depth + 1);
                break;
        }
        return changed;
    }

    private static JsonNode? RedactNode(JsonNode? node)
    {
        if (node is JsonValue value && value.TryGetValue<string>(out var text) && SensitiveValueProtector.IsProtected(text))
            return JsonValue.Create(Redacted);
        if (node is JsonObject obj)
        {
            foreach (var (name, child) in obj.ToList())
            {
                if (RedactNode(child) is var redacted && !ReferenceEquals(redacted, child))
                    obj[name] = redacted;
            }
        }
        else if (node is JsonArray array)
        {
            for (var i = 0; i < array.Count; i++)
            {
                if (RedactNode(array[i]) is var redacted && !ReferenceEquals(redacted, array[i]))
                    array[i] = redacted;
            }
        }
        return node;
    }
}
