using System.Text.Json;

namespace Bus.Gateway.Tasks.Types;

/// <summary>
/// Reads fields of an untrusted JSON object, collecting one error per bad field under its path,
/// so a caller learns everything wrong with a request in one answer.
/// </summary>
public sealed class JsonFieldReader(string path)
{
    private readonly Dictionary<string, List<string>> _errors = [];

    public bool HasErrors => _errors.Count > 0;

    public IReadOnlyDictionary<string, string[]> Errors => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());

    public string PathOf(string field) => path.Length == 0 ? field : $"{path}.{field}";

    public void AddError(string fieldPath, string message)
    {
        if (!_errors.TryGetValue(fieldPath, out var messages))
            _errors[fieldPath] = messages = [];
        messages.Add(message);
    }

    /// <summary>True when <paramref name="element"/> is an object whose fields all belong to <paramref name="knownFields"/>.</summary>
    public bool RequireObject(JsonElement element, IReadOnlySet<string> knownFields)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            AddError(path, "must be a JSON object");
            return false;
        }
        foreach (var property in element.EnumerateObject().Where(p => !knownFields.Contains(p.Name)))
            AddError(PathOf(property.Name), $"is not a known field; expected one of: {string.Join(", ", knownFields)}");
        return true;
    }

    public string? ReadString(JsonElement obj, string field, bool required, int maxLength)
    {
        if (!obj.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
                AddError(PathOf(field), "is required");
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            AddError(PathOf(field), "must be a string");
            return null;
        }
        var text = value.GetString()!;
        if (required && string.IsNullOrWhiteSpace(text))
        {
            AddError(PathOf(field), "must not be empty");
            return null;
        }
        if (text.Length > maxLength)
        {
            AddError(PathOf(field), $"must be at most {maxLength} characters");
            return null;
        }
        return text;
    }

    public int? ReadInt(JsonElement obj, string field, int min, int max)
    {
        if (!obj.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number) || number < min || number > max)
        {
            AddError(PathOf(field), $"must be a whole number from {min} to {max}");
            return null;
        }
        return number;
    }

    /// <summary>An ISO 8601 instant that names its offset (<c>Z</c> or <c>±hh:mm</c>): a local time would be ambiguous.</summary>
    public DateTimeOffset? ReadInstant(JsonElement obj, string field, bool required)
    {
        var text = ReadString(obj, field, required, 40);
        if (text is null)
            return null;
        if (DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var instant)
            && (text.EndsWith('Z') || text.Contains('+') || text.LastIndexOf('-') > 9))
            return instant;
        AddError(PathOf(field), "must be an ISO 8601 instant with an offset (e.g. 2026-11-01T00:00:00Z)");
        return null;
    }

    public bool? ReadBool(JsonElement obj, string field)
    {
        if (!obj.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            AddError(PathOf(field), "must be true or false");
            return null;
        }
        return value.GetBoolean();
    }

    /// <summary>A string or an array of strings (the systems we replace accept both for recipients).</summary>
    public IReadOnlyList<string>? ReadStringList(JsonElement obj, string field, bool required, int maxItems, int maxLength)
    {
        if (!obj.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
                AddError(PathOf(field), "is required");
            return null;
        }
        if (value.ValueKind == JsonValueKind.String)
            value = JsonSerializer.SerializeToElement(new[] { value.GetString() });
        if (value.ValueKind != JsonValueKind.Array)
        {
            AddError(PathOf(field), "must be a string or an array of strings");
            return null;
        }
        var length = value.GetArrayLength();
        if (length == 0 && required)
        {
            AddError(PathOf(field), "must have at least one entry");
            return null;
        }
        if (length > maxItems)
        {
            AddError(PathOf(field), $"must have at most {maxItems} entries");
            return null;
        }
        var items = new List<string>(length);
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var itemPath = $"{PathOf(field)}[{index++}]";
            if (item.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(item.GetString()))
                AddError(itemPath, "must be a non-empty string");
            else if (item.GetString()!.Length > maxLength)
                AddError(itemPath, $"must be at most {maxLength} characters");
            else
                items.Add(item.GetString()!);
        }
        return items;
    }

    public IReadOnlyDictionary<string, string>? ReadStringMap(JsonElement obj, string field, int maxEntries, int maxLength)
    {
        if (!obj.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.Object)
        {
            AddError(PathOf(field), "must be an object of string values");
            return null;
        }
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            var entryPath = $"{PathOf(field)}.{property.Name}";
            if (map.Count >= maxEntries)
            {
                AddError(PathOf(field), $"must have at most {maxEntries} entries");
                break;
            }
            if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                AddError(entryPath, "must be a string, number or boolean");
            else if (property.Value.ToString() is var text && text.Length > maxLength)
                AddError(entryPath, $"must be at most {maxLength} characters");
            else
                map[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
        }
        return map;
    }
}
