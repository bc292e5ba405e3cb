using System.ComponentModel.DataAnnotations;

namespace Bus.Gateway;

public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    [Range(1024, 64 * 1024 * 1024, ErrorMessage = "Gateway:MaxRequestBodyBytes must be between 1024 and 67108864")]
    public int MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    [Range(1024, 256 * 1024 * 1024, ErrorMessage = "Gateway:MaxBatchBodyBytes must be between 1024 and 268435456")]
    public int MaxBatchBodyBytes { get; set; } = 8 * 1024 * 1024;

    [Range(1, 10_000, ErrorMessage = "Gateway:MaxBatchSize must be between 1 and 10000")]
    public int MaxBatchSize { get; set; } = 500;

    /// <summary>How long <c>POST /tasks</c> waits for the task saga to record a task before answering 503.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = "Gateway:SubmitTimeout must be between 00:00:01 and 00:05:00")]
    public TimeSpan SubmitTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// False: this replica serves HTTP and live events only and takes no messages from <c>task-state</c>,
    /// <c>task-faults</c> or <c>task-events</c> (API replicas scaled apart from message processing).
    /// </summary>
    public bool ProcessMessages { get; set; } = true;

    /// <summary>Maps <c>POST /demo/create-sample-tasks</c>; on in Development only, so a production Gateway has no such route.</summary>
    public bool EnableDemoEndpoints { get; set; }
}
