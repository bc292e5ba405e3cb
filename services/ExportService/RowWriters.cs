using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Bus.Contracts.Export;
using CsvHelper;

namespace Bus.ExportService;

/// <summary>One cell: a database value (or a parsed file's), and whether it already is JSON text (json/jsonb columns).</summary>
public readonly record struct Cell(object? Value, bool IsJson = false);

/// <summary>Writes rows to a stream as they come: nothing but the current row is held.</summary>
public abstract class RowWriter : IAsyncDisposable
{
    public static RowWriter Create(string format, Stream stream, IReadOnlyList<string> columns) => format switch
    {
        ExportFormats.Csv => new CsvRowWriter(stream, columns),
        ExportFormats.Json => new JsonRowWriter(stream, columns, lines: false),
        ExportFormats.Jsonl => new JsonRowWriter(stream, columns, lines: true),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "not an export format"),
    };

    public abstract Task WriteRowAsync(IReadOnlyList<Cell> row, CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    /// <summary>Column names as JSON keys: unique (a repeated name gets <c>_2</c>, <c>_3</c>…).</summary>
    protected static string[] UniqueNames(IReadOnlyList<string> columns)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var names = new string[columns.Count];
        for (var i = 0; i < columns.Count; i++)
        {
            var name = string.IsNullOrEmpty(columns[i]) ? $"column{i + 1}" : columns[i];
            for (var n = 2; !seen.Add(name); n++)
                name = $"{columns[i]}_{n}";
            names[i] = name;
        }
        return names;
    }

    /// <summary>Invariant text of a value: ISO 8601 times, base64 bytes, JSON arrays.</summary>
    public static string? Text(Cell cell) => cell.Value switch
    {
        null or DBNull => null,
        string s => s,
        bool b => b ? "true" : "false",
        DateTime { Kind: DateTimeKind.Utc } t => t.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.ToString("O", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        TimeOnly t => t.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        byte[] bytes => Convert.ToBase64String(bytes),
        JsonElement element => element.ValueKind == JsonValueKind.String ? element.GetString() : element.GetRawText(),
        IEnumerable and not string => JsonSerializer.Serialize(cell.Value),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var other => other.ToString(),
    };
}

/// <summary>RFC 4180: a header line, then one record per row (CsvHelper quotes where needed); NULL is an empty field.</summary>
public sealed class CsvRowWriter : RowWriter
{
    private readonly CsvWriter _csv;

    public CsvRowWriter(Stream stream, IReadOnlyList<string> columns)
    {
        _csv = CsvWriter.Create(stream, new CsvWriterOptions { Mode = CsvMode.Rfc4180, NewLine = "\r\n" }, leaveOpen: true);
        foreach (var column in columns)
            _csv.WriteField(column);
        _csv.EndRecord();
    }

    public override async Task WriteRowAsync(IReadOnlyList<Cell> row, CancellationToken cancellationToken)
    {
        foreach (var cell in row)
            _csv.WriteField(Text(cell));
        await _csv.EndRecordAsync(cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        await _csv.FlushAsync();
        await _csv.DisposeAsync();
    }
}

/// <summary><c>json</c>: one array of objects; <c>jsonl</c>: one object per line. Numbers and booleans stay typed.</summary>
public sealed class JsonRowWriter : RowWriter
{
    private const int FlushThreshold = 64 * 1024;
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    private readonly Stream _stream;
    private readonly Utf8JsonWriter _json;
    private readonly JsonEncodedText[] _names;
    private readonly bool _lines;

    public JsonRowWriter(Stream stream, IReadOnlyList<string> columns, bool lines)
    {
        _stream = stream;
        _lines = lines;
        _names = [.. UniqueNames(columns).Select(n => JsonEncodedText.Encode(n))];
        _json = new Utf8JsonWriter(stream, new JsonWriterOptions { SkipValidation = lines });
        if (!lines)
            _json.WriteStartArray();
    }

    public override async Task WriteRowAsync(IReadOnlyList<Cell> row, CancellationToken cancellationToken)
    {
        _json.WriteStartObject();
        for (var i = 0; i < row.Count; i++)
        {
            _json.WritePropertyName(_names[i]);
            WriteValue(row[i]);
        }
        _json.WriteEndObject();
        if (_lines)
        {
            await _json.FlushAsync(cancellationToken);
            await _stream.WriteAsync(NewLine, cancellationToken);
            _json.Reset(_stream);
        }
        else if (_json.BytesPending > FlushThreshold)
            await _json.FlushAsync(cancellationToken);
    }

    private void WriteValue(Cell cell)
    {
        switch (cell.Value)
        {
            case null or DBNull:
                _json.WriteNullValue();
                break;
            case string json when cell.IsJson:
                _json.WriteRawValue(json, skipInputValidation: false);
                break;
            case JsonElement element:
                element.WriteTo(_json);
                break;
            case bool b:
                _json.WriteBooleanValue(b);
                break;
            case int or long or short or byte or decimal:
                _json.WriteRawValue(Text(cell)!, skipInputValidation: true);
                break;
            case double d when double.IsFinite(d):
                _json.WriteNumberValue(d);
                break;
            case float f when float.IsFinite(f):
                _json.WriteNumberValue(f);
                break;
            case IEnumerable and not string and not byte[]:
                JsonSerializer.Serialize(_json, cell.Value);
                break;
            default:
                _json.WriteStringValue(Text(cell));
                break;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_lines)
            _json.WriteEndArray();
        await _json.FlushAsync();
        await _json.DisposeAsync();
    }
}
