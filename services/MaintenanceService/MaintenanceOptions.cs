using System.ComponentModel.DataAnnotations;

namespace Bus.MaintenanceService;

/// <summary>MaintenanceService's settings, bound from <c>Maintenance</c>.</summary>
public sealed class MaintenanceOptions
{
    public const string Section = "Maintenance";

    public RetentionOptions Retention { get; set; } = new();

    /// <summary>Name → a storage root whose files <c>cleanup</c> deletes once older than its <see cref="FileRootOptions.MaxAge"/>.</summary>
    public Dictionary<string, FileRootOptions> Files { get; set; } = [];

    /// <summary>Name → a table whose expired rows <c>clean-table</c> deletes (<c>clean-verification-tokens</c> is <c>verification-tokens</c>).</summary>
    public Dictionary<string, DeclaredTableOptions> Tables { get; set; } = [];

    public ReportOptions Report { get; set; } = new();

    /// <summary>The longest one statement (one batch) may run before it is cancelled and the attempt fails.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Maintenance:StatementTimeout must be between 00:00:01 and 01:00:00")]
    public TimeSpan StatementTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>How long finished task records are kept (from when they finished), by status; <see cref="Types"/> overrides per task type.</summary>
public sealed class RetentionOptions
{
    public TimeSpan Completed { get; set; } = TimeSpan.FromHours(1);
    public TimeSpan Failed { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Kept as long as failed tasks: a cancelled task can be retried, and someone may want to know why it was cancelled.</summary>
    public TimeSpan Cancelled { get; set; } = TimeSpan.FromHours(24);

    public Dictionary<string, TypeRetention> Types { get; set; } = [];

    /// <summary>Rows deleted per statement: each batch is its own short transaction.</summary>
    [Range(1, 10_000, ErrorMessage = "Maintenance:Retention:BatchSize must be between 1 and 10000")]
    public int BatchSize { get; set; } = 500;

    /// <summary>How long the slim record of a deleted task (type, status, times) is kept for the daily report.</summary>
    public TimeSpan HistoryRetention { get; set; } = TimeSpan.FromDays(7);
}

/// <summary>One task type's retention; a status left out uses the default.</summary>
public sealed class TypeRetention
{
    public TimeSpan? Completed { get; set; }
    public TimeSpan? Failed { get; set; }
    public TimeSpan? Cancelled { get; set; }
}

public sealed class FileRootOptions
{
    /// <summary>The storage root (e.g. MediaService's <c>Media:StorageRoot</c>); never the file system's root.</summary>
    public string Path { get; set; } = "";

    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(7);
}

public sealed class DeclaredTableOptions
{
    /// <summary><c>schema.table</c> or <c>table</c> (schema <c>public</c>), as the database catalog names it.</summary>
    public string Table { get; set; } = "";

    /// <summary>A <c>timestamptz</c>, <c>timestamp</c> or <c>date</c> column: rows older than <see cref="MaxAge"/> by it are deleted.</summary>
    public string TimestampColumn { get; set; } = "";

    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(1);

    public int BatchSize { get; set; } = 1000;
}

public sealed class ReportOptions
{
    /// <summary>Who gets the daily report by e-mail; none: the report is only the task's result.</summary>
    public string[] Recipients { get; set; } = [];

    [Required(ErrorMessage = "Maintenance:Report:Subject is required")]
    public string Subject { get; set; } = "Bus daily report";

    /// <summary>Also submit a <c>slack_alert</c> task with the report's summary.</summary>
    public bool Slack { get; set; }
}
