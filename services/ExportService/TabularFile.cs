using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Bus.Contracts.Export;
using CsvHelper;

namespace Bus.ExportService;

/// <summary>One data row of a file (1-based <see cref="Number"/>; <see cref="Line"/> where the format has lines), or why it is not one.</summary>
public sealed record ParsedRow(long Number, long? Line, IReadOnlyList<KeyValuePair<string, Cell>>? Fields, string? Error, bool Fatal = false);

/// <summary>
/// Reads a CSV (RFC 4180, header line first), JSON (one array of objects) or JSON Lines file row by row, never holding
/// more than one row: bad rows come back with their error and the reading goes on; a file that cannot be read further
/// ends with a <see cref="ParsedRow.Fatal"/> row.
/// </summary>
public static class TabularFile
{
    /// <summary>A record larger than this is an error, so an unterminated quote cannot pull the whole file into memory.</summary>
    public const int MaxRecordBytes = 1024 * 1024;

    public static async IAsyncEnumerable<ParsedRow> ReadAsync(Stream stream, string format, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var rows = format switch
        {
            ExportFormats.Csv => ReadCsvAsync(stream, cancellationToken),
            ExportFormats.Json => ReadJsonArrayAsync(stream, cancellationToken),
            ExportFormats.Jsonl => ReadJsonLinesAsync(stream, cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "not a file format"),
        };
        await foreach (var row in rows)
            yield return row;
    }

    /// <summary>What the first bytes say the file is: <c>json</c>, <c>jsonl</c>, <c>csv</c> or <c>binary</c>.</summary>
    public static async Task<string> DetectAsync(string path, CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        int read;
        await using (var stream = File.OpenRead(path))
            read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
        var head = buffer.AsSpan(0, read);
        if (head.Contains((byte)0))
            return "binary";
        var text = Encoding.UTF8.GetString(head).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (text.StartsWith('['))
            return ExportFormats.Json;
        if (text.StartsWith('{'))
            return ExportFormats.Jsonl;
        return ExportFormats.Csv;
    }

    private static async IAsyncEnumerable<ParsedRow> ReadCsvAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Malformed records are reported here while ReadAsync moves past them, so they come out in file order.
        var malformed = new Queue<CsvMalformedRecord>();
        var options = new CsvReaderOptions
        {
            Separator = ',',
            HasHeader = true,
            Mode = CsvMode.Rfc4180,
            MaxRecordSize = MaxRecordBytes,
            TrackLineNumbers = true,
            DetectSeparatorHint = false,
            MalformedData = CsvMalformedDataHandling.Skip,
            FieldCountMismatch = CsvFieldCountHandling.Skip,
            OnMalformedRecord = record => malformed.Enqueue(record),
        };
        await using var reader = CsvReader.Create(stream, options, leaveOpen: true);
        long number = 0;
        string[]? header = null;
        while (true)
        {
            bool more;
            string? fatal = null;
            long fatalLine = 0;
            try
            {
                more = await reader.ReadAsync(cancellationToken);
            }
            catch (CsvFormatException exception)
            {
                more = false;
                fatal = exception.Message.Split('\n')[0];
                fatalLine = exception.LineNumber;
            }
            while (malformed.TryDequeue(out var bad))
                yield return new ParsedRow(++number, bad.LineNumber, null, Describe(bad.Reason, header?.Length));
            if (fatal is not null)
            {
                yield return new ParsedRow(number + 1, fatalLine, null, fatal, Fatal: true);
                yield break;
            }
            if (!more)
                yield break;

            header ??= [.. reader.Headers];
            if (header.All(string.IsNullOrWhiteSpace))
            {
                yield return new ParsedRow(0, 1, null, "the header line is empty", Fatal: true);
                yield break;
            }
            var fields = new KeyValuePair<string, Cell>[header.Length];
            for (var i = 0; i < header.Length; i++)
                fields[i] = KeyValuePair.Create(header[i], new Cell(reader.GetString(i)));
            yield return new ParsedRow(++number, reader.LineNumber, fields, null);
        }
    }

    private static string Describe(CsvMalformedReason reason, int? headerFields) => reason switch
    {
        CsvMalformedReason.FieldCountMismatch => $"has a different number of fields than the header ({headerFields})",
        CsvMalformedReason.StrayQuote => "has a quote inside an unquoted field",
        CsvMalformedReason.TextAfterClosingQuote => "has text after a closing quote",
        CsvMalformedReason.UnterminatedQuote => "has a quoted field that is never closed",
        var other => $"is malformed ({other})",
    };

    private static async IAsyncEnumerable<ParsedRow> ReadJsonArrayAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var items = JsonSerializer.DeserializeAsyncEnumerable<JsonElement>(stream, cancellationToken: cancellationToken).GetAsyncEnumerator(cancellationToken);
        long number = 0;
        while (true)
        {
            JsonElement item;
            string? fatal = null;
            long? line = null;
            try
            {
                if (!await items.MoveNextAsync())
                    yield break;
                item = items.Current;
            }
            catch (JsonException exception)
            {
                item = default;
                line = exception.LineNumber + 1;
                fatal = exception.LineNumber is null
                    ? "is not a JSON array of objects"
                    : $"is not valid JSON at line {exception.LineNumber + 1}, byte {exception.BytePositionInLine + 1}";
            }
            if (fatal is not null)
            {
                yield return new ParsedRow(number + 1, line, null, fatal, Fatal: true);
                yield break;
            }
            number++;
            yield return ObjectRow(number, null, item);
        }
    }

    private static async IAsyncEnumerable<ParsedRow> ReadJsonLinesAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var text = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        long line = 0;
        long number = 0;
        while (await text.ReadLineAsync(cancellationToken) is { } content)
        {
            line++;
            if (string.IsNullOrWhiteSpace(content))
                continue;
            number++;
            JsonElement item = default;
            string? error = null;
            try
            {
                using var document = JsonDocument.Parse(content);
                item = document.RootElement.Clone();
            }
            catch (JsonException exception)
            {
                error = $"is not valid JSON (byte {exception.BytePositionInLine + 1})";
            }
            yield return error is null ? ObjectRow(number, line, item) : new ParsedRow(number, line, null, error);
        }
    }

    private static ParsedRow ObjectRow(long number, long? line, JsonElement item) =>
        item.ValueKind == JsonValueKind.Object
            ? new ParsedRow(number, line, [.. item.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, new Cell(p.Value)))], null)
            : new ParsedRow(number, line, null, $"is a JSON {item.ValueKind.ToString().ToLowerInvariant()}, not an object");
}
