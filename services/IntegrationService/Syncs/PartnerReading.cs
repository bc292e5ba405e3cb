using System.Globalization;
using System.Text.Json;
using Bus.ServiceDefaults.Messaging;

namespace Bus.IntegrationService.Syncs;

/// <summary>
/// One reading as the partners publish it: <c>{"id", "stationId", "measuredAt", "value", "unit"?}</c>. <c>id</c> and
/// <c>stationId</c> are strings or integers, <c>measuredAt</c> an ISO 8601 instant with its offset, <c>value</c> a
/// number; other fields are ignored. A row that breaks this fails the run (permanently: another attempt reads the same row).
/// </summary>
public sealed record PartnerReading(string Id, string StationId, DateTimeOffset MeasuredAt, decimal Value, string? Unit)
{
    public static IReadOnlyList<PartnerReading> ParsePage(JsonElement page, int pageNumber)
    {
        if (page.ValueKind != JsonValueKind.Array)
            throw new PermanentTaskException($"page {pageNumber}: expected a JSON array of readings, got {page.ValueKind}");
        var readings = new List<PartnerReading>(page.GetArrayLength());
        var index = 0;
        foreach (var row in page.EnumerateArray())
        {
            var where = $"page {pageNumber}, row {index++}";
            if (row.ValueKind != JsonValueKind.Object)
                throw new PermanentTaskException($"{where}: expected an object");
            readings.Add(new PartnerReading(
                Key(row, "id", where),
                Key(row, "stationId", where),
                Instant(row, where),
                Number(row, where),
                OptionalUnit(row, where)));
        }
        return readings;
    }

    private static string Key(JsonElement row, string field, string where) =>
        row.TryGetProperty(field, out var value) switch
        {
            true when value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 and <= 200 } text => text,
            true when value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) => number.ToString(CultureInfo.InvariantCulture),
            _ => throw new PermanentTaskException($"{where}: {field} must be a non-empty string (at most 200 characters) or an integer"),
        };

    private static DateTimeOffset Instant(JsonElement row, string where)
    {
        if (row.TryGetProperty("measuredAt", out var value) && value.ValueKind == JsonValueKind.String
            && value.GetString() is { } text
            && (text.EndsWith('Z') || text.Contains('+') || text.LastIndexOf('-') > 9)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant))
            return instant;
        throw new PermanentTaskException($"{where}: measuredAt must be an ISO 8601 instant with an offset");
    }

    private static decimal Number(JsonElement row, string where) =>
        row.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var number)
            ? number
            : throw new PermanentTaskException($"{where}: value must be a number");

    private static string? OptionalUnit(JsonElement row, string where) =>
        !row.TryGetProperty("unit", out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String && value.GetString()!.Length <= 50 ? value.GetString()
        : throw new PermanentTaskException($"{where}: unit must be a string of at most 50 characters");
}
