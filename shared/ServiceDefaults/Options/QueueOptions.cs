using System.ComponentModel.DataAnnotations;

namespace Bus.ServiceDefaults.Options;

/// <summary>How one queue is consumed. Bound per queue from <c>Queues:&lt;name&gt;</c> as named options.</summary>
public sealed class QueueOptions
{
    public const string Section = "Queues";

    [Range(1, 1000, ErrorMessage = "Queues:<name>:ConcurrencyLimit must be between 1 and 1000")]
    public int ConcurrencyLimit { get; set; } = Environment.ProcessorCount;

    [Range(0, 10000, ErrorMessage = "Queues:<name>:PrefetchCount must be between 0 and 10000 (0 = derived from ConcurrencyLimit)")]
    public int PrefetchCount { get; set; }

    /// <summary>
    /// How a task queue exists on RabbitMQ (<see cref="TaskQueueType"/>). The Gateway declares every task queue too, so
    /// it must be given the same value as the queue's workers.
    /// </summary>
    [EnumDataType(typeof(TaskQueueType), ErrorMessage = "Queues:<name>:Type must be Classic or Quorum")]
    public TaskQueueType Type { get; set; } = TaskQueueType.Classic;

    /// <summary>
    /// Waits between in-memory attempts for transient faults (short: the message holds a concurrency slot meanwhile);
    /// permanent faults skip them. Empty here on purpose: the configuration binder appends to a non-empty default
    /// array, so defaults are applied after binding.
    /// </summary>
    public TimeSpan[] RetryIntervals { get; set; } = [];

    /// <summary>
    /// Waits before the message comes back through the Scheduler once the in-memory retries are spent (the slot is
    /// freed and the wait survives restarts); permanent faults skip them. Empty here for the same reason as
    /// <see cref="RetryIntervals"/>; with no default and nothing configured there is no scheduled redelivery.
    /// </summary>
    public TimeSpan[] RedeliveryIntervals { get; set; } = [];
}

/// <summary>The kind of RabbitMQ queue a task queue is: the trade-off between priorities and replication.</summary>
public enum TaskQueueType
{
    /// <summary>Classic with priorities 0–10 (<c>x-max-priority</c>): high-priority tasks overtake, but the queue lives on one node.</summary>
    Classic,

    /// <summary>Quorum (<c>x-queue-type: quorum</c>): replicated across a cluster's nodes, but without priorities before RabbitMQ 4.0.</summary>
    Quorum,
}
