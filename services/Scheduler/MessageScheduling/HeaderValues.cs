using System.Text.Json;

namespace Bus.Scheduler.MessageScheduling;

/// <summary>
/// Headers kept as one JSON object and read back as the primitive values MassTransit and RabbitMQ expect: a header
/// that came back as a JsonElement or a string would not be read by MassTransit as MT-Redelivery-Count, and a message
/// without it is redelivered for ever instead of reaching the error queue.
/// </summary>
public static class HeaderValues
{
    public static string Write(IEnumerable<KeyValuePair<string, object>> headers)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in headers)
            values[key] = value;
        return JsonSerializer.Serialize(values);
    }

    public static IEnumerable<KeyValuePair<string, object>> Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        var values = new List<KeyValuePair<string, object>>();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (ToValue(property.Value) is { } value)
                values.Add(new(property.Name, value));
        }
        return values;
    }

    private static object? ToValue(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number when element.TryGetInt32(out var number) => number,
        JsonValueKind.Number when element.TryGetInt64(out var number) => number,
        JsonValueKind.Number => element.GetDouble(),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        // Objects and arrays travel in the JSON envelope's headers as they came.
        _ => element.Clone(),
    };
}
