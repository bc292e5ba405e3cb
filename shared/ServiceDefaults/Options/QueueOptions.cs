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
