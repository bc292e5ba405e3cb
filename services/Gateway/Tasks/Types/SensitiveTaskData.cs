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

    /// <summary>A path segment matching any number of levels (none included): <c>payload.**.password</c>.</summary>
    public const string AnyDepth = "**";

    /// <summary>A path segment matching every field whose name says it holds a credential (<see cref="NamesCredential"/>).</summary>
    public const string CredentialName = "{credential}";

    private static readonly string[] CredentialWords =
        ["auth", "token", "password", "passwd", "secret", "apikey", "cookie", "credential", "signature", "session"];

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
        // Zero levels here; one more level below, where the same segment applies again.
        var descends = segment == AnyDepth;
        if (descends)
            changed |= ProtectAt(node, path, depth + 1);
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    if (descends)
                        changed |= ProtectAt(child, path, depth);
                    else if (Matches(segment, name))
                        changed |= ProtectAt(child, path, depth + 1);
                }
                break;
            case JsonArray array when segment is "*" or AnyDepth:
                foreach (var child in array.ToList())
                    changed |= ProtectAt(child, path, descends ? depth : depth + 1);
                break;
        }
        return changed;
    }

    private static bool Matches(string segment, string name) => segment switch
    {
        "*" => true,
        CredentialName => NamesCredential(name),
        _ => string.Equals(name, segment, StringComparison.OrdinalIgnoreCase),
    };

    /// <summary>
    /// Whether a field or header name says it holds a credential: Authorization, X-Api-Key, access_token, password,
    /// client-secret, Cookie, a subscription key... Generous on purpose: a look-alike field protected costs nothing.
    /// </summary>
    public static bool NamesCredential(string name)
    {
        var plain = new string([.. name.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant)]);
        return plain.EndsWith("key", StringComparison.Ordinal) || CredentialWords.Any(word => plain.Contains(word, StringComparison.Ordinal));
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
