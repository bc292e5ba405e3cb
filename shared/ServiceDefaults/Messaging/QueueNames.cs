namespace Bus.ServiceDefaults.Messaging;

/// <summary>Stable queue names: other teams, dashboards and KEDA scalers address them, so they never derive from type names.</summary>
public static class QueueNames
{
    public const string TaskState = "task-state";
    public const string TaskFaults = "task-faults";
    public const string TaskEvents = "task-events";
    public const string Email = "email";
    public const string Media = "media";
    public const string Export = "export";
    public const string Integration = "integration";
    public const string Maintenance = "maintenance";
    public const string Noop = "noop";
    public const string Scheduler = "scheduler";
    public const string SchedulerControl = "scheduler-control";
}
