using System.Globalization;
using System.Text.Json;

namespace Bus.Cli;

/// <summary>Reading the Gateway's camelCase JSON for tables, where an absent or null field prints as "-".</summary>
public static class JsonText
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string Pretty(string body) =>
        string.IsNullOrWhiteSpace(body) ? "" : JsonSerializer.Serialize(JsonDocument.Parse(body).RootElement, Indented);

    public static string Pretty(JsonElement element) => JsonSerializer.Serialize(element, Indented);

    public static JsonElement Get(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : default;

    public static string? Text(this JsonElement element, string name) => element.Get(name) switch
    {
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        { ValueKind: JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False } value => value.GetRawText(),
        _ => null,
    };

    public static string Cell(this JsonElement element, string name) => element.Text(name) ?? "-";

    public static double? Number(this JsonElement element, string name) =>
        element.Get(name) is { ValueKind: JsonValueKind.Number } value ? value.GetDouble() : null;

    public static bool Flag(this JsonElement element, string name) => element.Get(name).ValueKind == JsonValueKind.True;

    public static IEnumerable<JsonElement> Items(this JsonElement element) =>
        element.ValueKind == JsonValueKind.Array ? element.EnumerateArray() : [];

    /// <summary>An instant as <c>yyyy-MM-dd HH:mm:ss</c> UTC, or "-".</summary>
    public static string Time(this JsonElement element, string name) =>
        element.Get(name) is { ValueKind: JsonValueKind.String } value && value.TryGetDateTimeOffset(out var time)
            ? time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)
            : "-";
}
