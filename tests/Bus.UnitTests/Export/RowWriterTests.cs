extern alias export;
using System.Text;
using export::Bus.ExportService;

namespace Bus.UnitTests.Export;

public sealed class RowWriterTests
{
    private static readonly string[] Columns = ["id", "name", "seen", "tags"];

    private static readonly Cell[][] Rows =
    [
        [new(1), new("Ada, \"the first\""), new(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc)), new("{\"a\": [1, 2]}", IsJson: true)],
        [new(2L), new("Line\nbreak"), new(null), new(null, IsJson: true)],
    ];

    [Fact]
    public async Task Csv_follows_rfc_4180_quoting_and_writes_null_as_an_empty_field()
    {
        var text = await WriteAsync("csv");

        Assert.Equal(
            "id,name,seen,tags\r\n" +
            "1,\"Ada, \"\"the first\"\"\",2026-01-02T03:04:05Z,\"{\"\"a\"\": [1, 2]}\"\r\n" +
            "2,\"Line\nbreak\",,\r\n",
            text);
    }

    [Fact]
    public async Task Json_lines_keep_numbers_nulls_and_embedded_json()
    {
        var lines = (await WriteAsync("jsonl")).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("{\"id\":1,\"name\":\"Ada, \\u0022the first\\u0022\",\"seen\":\"2026-01-02T03:04:05Z\",\"tags\":{\"a\": [1, 2]}}", lines[0]);
        Assert.Equal("{\"id\":2,\"name\":\"Line\\nbreak\",\"seen\":null,\"tags\":null}", lines[1]);
    }

    [Fact]
    public async Task Json_is_one_array_and_repeated_column_names_are_made_unique()
    {
        using var stream = new MemoryStream();
        await using (var writer = RowWriter.Create("json", stream, ["a", "a"]))
            await writer.WriteRowAsync([new(1), new(2)], CancellationToken.None);

        Assert.Equal("[{\"a\":1,\"a_2\":2}]", Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static async Task<string> WriteAsync(string format)
    {
        using var stream = new MemoryStream();
        await using (var writer = RowWriter.Create(format, stream, Columns))
        {
            foreach (var row in Rows)
                await writer.WriteRowAsync(row, CancellationToken.None);
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
