using System.Diagnostics.Metrics;
using Bus.Gateway.Queues;
using Microsoft.Extensions.DependencyInjection;

namespace Bus.UnitTests.Queues;

public sealed class QueueMetricsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().AddSingleton<QueueMetrics>().BuildServiceProvider();
    private readonly MeterListener _listener = new();
    private readonly List<(string Instrument, string Queue, long Value)> _measured = [];

    public QueueMetricsTests()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == factory)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var queue = "";
            foreach (var tag in tags)
                if (tag.Key == QueueMetrics.QueueTag)
                    queue = (string)tag.Value!;
            _measured.Add((instrument.Name, queue, value));
        });
        _listener.Start();
    }

    private IReadOnlyList<(string Instrument, string Queue, long Value)> Scrape()
    {
        _measured.Clear();
        _listener.RecordObservableInstruments();
        return [.. _measured];
    }

    [Fact]
    public void Each_observed_queue_is_reported_with_its_depth_in_flight_consumers_error_queue_and_pause()
    {
        var metrics = _services.GetRequiredService<QueueMetrics>();
        metrics.Observe([
            new QueueObservation("email", new BrokerQueue(true, Ready: 7, Unacknowledged: 2, Consumers: 3, null), new BrokerQueue(true, 4, 0, 0, null), Paused: false),
            new QueueObservation("media", BrokerQueue.NotDeclared, BrokerQueue.NotDeclared, Paused: true),
        ]);

        var scraped = Scrape();

        Assert.Equal(
            [
                ("bus.queue.consumers", "email", 3L), ("bus.queue.consumers", "media", 0L),
                ("bus.queue.error.messages", "email", 4L), ("bus.queue.error.messages", "media", 0L),
                ("bus.queue.messages.ready", "email", 7L), ("bus.queue.messages.ready", "media", 0L),
                ("bus.queue.messages.unacknowledged", "email", 2L), ("bus.queue.messages.unacknowledged", "media", 0L),
                ("bus.queue.paused", "email", 0L), ("bus.queue.paused", "media", 1L),
            ],
            scraped.Order());
    }

    [Fact]
    public void Nothing_is_reported_before_the_first_observation_or_after_a_failed_one()
    {
        var metrics = _services.GetRequiredService<QueueMetrics>();
        Assert.Empty(Scrape());

        metrics.Observe([new QueueObservation("email", new BrokerQueue(true, 1, 0, 1, null), new BrokerQueue(true, 0, 0, 0, null), false)]);
        Assert.NotEmpty(Scrape());

        metrics.Observe([]);
        Assert.Empty(Scrape());
    }

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }
}
