using System.Globalization;

namespace Bus.Cli;

/// <summary>Columns padded to their widest cell; numbers right-aligned.</summary>
public static class Table
{
    public static void Write(TextWriter output, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var cells = rows.ToList();
        if (cells.Count == 0)
        {
            output.WriteLine("(none)");
            return;
        }
        var widths = headers.Select((h, i) => Math.Max(h.Length, cells.Max(r => r[i].Length))).ToArray();
        var numeric = headers.Select((header, i) => cells.All(r => r[i] == "-" || double.TryParse(r[i].TrimEnd('%'), NumberStyles.Float, CultureInfo.InvariantCulture, out _))).ToArray();
        output.WriteLine(Line(headers, widths, new bool[headers.Count]));
        foreach (var row in cells)
            output.WriteLine(Line(row, widths, numeric));
    }

    private static string Line(IReadOnlyList<string> cells, int[] widths, bool[] rightAligned) =>
        string.Join("  ", cells.Select((c, i) => rightAligned[i] ? c.PadLeft(widths[i]) : c.PadRight(widths[i]))).TrimEnd();
}
