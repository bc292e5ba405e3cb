using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Bus.ServiceDefaults.Metrics;

namespace Bus.UnitTests.ServiceDefaults;

/// <summary>One ended attempt as <see cref="TaskMetrics"/> recorded it: its labels, and whether its duration was recorded too.</summary>
public sealed record RecordedAttempt(string TaskType, string Queue, string Outcome);

/// <summary>
/// Listens to the <see cref="TaskMetrics"/> instruments of one host's meter factory (other hosts in the same test run
/// have their own), recording every counted attempt and every duration.
/// </summary>
public sealed class RecordedTaskAttempts : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<RecordedAttempt> _counted = new();
    private readonly ConcurrentQueue<(RecordedAttempt Attempt, double Seconds)> _durations = new();

    public RecordedTaskAttempts(IMeterFactory host)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == host && instrument.Meter.Name == TaskMetrics.MeterName)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            for (var i = 0; i < value; i++)
                _counted.Enqueue(From(tags));
        });
        _listener.SetMeasurementEventCallback<double>((_, value, tags, _) => _durations.Enqueue((From(tags), value)));
        _listener.Start();
    }

    public IReadOnlyList<RecordedAttempt> Counted => [.. _counted];

    public IReadOnlyList<(RecordedAttempt Attempt, double Seconds)> Durations => [.. _durations];

    private static RecordedAttempt From(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var byName = new Dictionary<string, string>();
        foreach (var tag in tags)
            byName[tag.Key] = (string)tag.Value!;
        return new RecordedAttempt(byName[TaskMetrics.TaskTypeTag], byName[TaskMetrics.QueueTag], byName[TaskMetrics.OutcomeTag]);
    }

    public void Dispose() => _listener.Dispose();
}
