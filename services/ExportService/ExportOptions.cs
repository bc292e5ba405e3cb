using System.ComponentModel.DataAnnotations;

namespace Bus.ExportService;

/// <summary>ExportService's settings, bound from <c>Export</c>.</summary>
public sealed class ExportOptions
{
    public const string Section = "Export";

    /// <summary>Every path in a task is relative to this directory; nothing outside it is read or written.</summary>
    [Required(ErrorMessage = "Export:StorageRoot is required")]
    public string StorageRoot { get; set; } = "";

    /// <summary>The login role queries run as: it may read only <see cref="GrantedTables"/>.</summary>
    [Required(ErrorMessage = "Export:ReaderUsername is required")]
    public string ReaderUsername { get; set; } = "bus_export_reader";

    [Required(ErrorMessage = "Export:ReaderPassword is required")]
    public string ReaderPassword { get; set; } = "";

    /// <summary><c>schema.table</c> names the reader role is granted SELECT on by <c>migrate</c>; every other grant is revoked.</summary>
    public string[] GrantedTables { get; set; } = [];

    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00", ErrorMessage = "Export:StatementTimeout must be between 00:00:00.100 and 01:00:00")]
    public TimeSpan StatementTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Named exports (the preferred form): a query written by an operator, with its typed parameters.</summary>
    public Dictionary<string, ExportDataset> Datasets { get; set; } = [];

    /// <summary>How often a running export reports the rows written so far.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00", ErrorMessage = "Export:ProgressInterval must be between 00:00:00.100 and 00:10:00")]
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Files larger than this are refused by <c>file_processing</c> (a task's <c>maxBytes</c> can only lower it).</summary>
    [Range(1, long.MaxValue, ErrorMessage = "Export:MaxInputBytes must be positive")]
    public long MaxInputBytes { get; set; } = 1L << 30;
}

public sealed class ExportDataset
{
    /// <summary>One SELECT; parameters as <c>@name</c>.</summary>
    public string Query { get; set; } = "";

    /// <summary>Parameter name → type: <c>text</c>, <c>integer</c>, <c>bigint</c>, <c>numeric</c>, <c>boolean</c>, <c>date</c>, <c>timestamptz</c>, <c>uuid</c>.</summary>
    public Dictionary<string, string> Parameters { get; set; } = [];
}
