using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Bus.Scheduler.Crons;

/// <summary>Reads the <c>Crons</c> section into <see cref="CronOptions"/>.</summary>
public static partial class CronConfiguration
{
    public static void Read(IConfiguration configuration, CronOptions options)
    {
        foreach (var entry in configuration.GetSection(CronOptions.Section).GetChildren())
        {
            var listed = int.TryParse(entry.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _);
            options.Crons.Add(new CronSetting
            {
                Path = entry.Path,
                Name = entry["Name"] ?? (listed ? null : entry.Key),
                Cron = entry["Cron"],
                TimeZone = entry["TimeZone"],
                TaskType = entry["TaskType"],
                Data = ReadData(entry.GetSection("Data")),
                Priority = entry["Priority"],
                Enabled = entry["Enabled"],
            });
        }
    }

    /// <summary>
    /// Data is either a JSON object written as one string (<c>"Data": "{\"days\": 30}"</c>, exact types) or a nested
    /// section. A section loses JSON types, so its leaves are read back as JSON: true/false become booleans and
    /// numbers (JSON's number syntax, so "007" stays text) become numbers; a section keyed 0..n-1 becomes an array.
    /// </summary>
    private static string? ReadData(IConfigurationSection data)
    {
        var children = data.GetChildren().ToList();
        if (children.Count == 0)
            return string.IsNullOrWhiteSpace(data.Value) ? "{}" : data.Value;
        return ToNode(data)!.ToJsonString();
    }

    private static JsonNode? ToNode(IConfigurationSection section)
    {
        var children = section.GetChildren().ToList();
        if (children.Count == 0)
            return Leaf(section.Value);

        var indexes = children.Select(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : -1).ToList();
        if (indexes.Order().SequenceEqual(Enumerable.Range(0, children.Count)))
        {
            var array = new JsonArray();
            foreach (var child in children.OrderBy(c => int.Parse(c.Key, CultureInfo.InvariantCulture)))
                array.Add(ToNode(child));
            return array;
        }

        var obj = new JsonObject();
        foreach (var child in children)
            obj[child.Key] = ToNode(child);
        return obj;
    }

    private static JsonNode? Leaf(string? value) => value switch
    {
        null => null,
        "true" => JsonValue.Create(true),
        "false" => JsonValue.Create(false),
        _ when JsonNumber().IsMatch(value) => JsonNode.Parse(value),
        _ => JsonValue.Create(value),
    };

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$")]
    private static partial Regex JsonNumber();

    /// <summary>Parses <see cref="CronSetting.Data"/>; only a JSON object is a task's data.</summary>
    public static bool TryParseData(string? data, out JsonElement element)
    {
        element = default;
        try
        {
            using var document = JsonDocument.Parse(data ?? "{}");
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                return false;
            element = document.RootElement.Clone();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
