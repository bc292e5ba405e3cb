namespace Bus.ServiceDefaults.Persistence;

/// <summary>
/// The Gateway's task table (the task saga's rows), as other services read and trim it: the one home of its names.
/// The Gateway's EF model maps to these, and its migrations own the table; no other service creates or alters it.
/// </summary>
public static class TaskTable
{
    public const string Schema = "bus";
    public const string Name = "tasks";
    public const string QualifiedName = Schema + "." + Name;

    public static class Columns
    {
        public const string Id = "id";
        public const string Status = "status";
        public const string Type = "type";
        public const string Queue = "queue";
        public const string CreatedAt = "created_at";
        public const string StartedAt = "started_at";
        public const string FinishedAt = "finished_at";
        public const string UpdatedAt = "updated_at";
    }

    /// <summary>Values of <see cref="Columns.Status"/>: the task state machine's state names.</summary>
    public static class Statuses
    {
        public const string Scheduled = "Scheduled";
        public const string Queued = "Queued";
        public const string Running = "Running";
        public const string Completed = "Completed";
        public const string Failed = "Failed";
        public const string Cancelled = "Cancelled";
    }
}
