using System.Collections.Concurrent;
using System.Diagnostics;
using MassTransit;

namespace Bus.Benchmarks;

/// <summary>What one benchmark message carries: its own id only, like a task command with nothing to do.</summary>
public sealed record BaselinePing(Guid Id);

/// <summary>
/// The ceiling on this machine: a bare MassTransit publish → no-op consumer loop on the same RabbitMQ, in a virtual
/// host of its own, with the settings of the noop worker's queue (durable, persistent, concurrency 16, prefetch 32),
/// published at the same concurrency as the task scenarios. Every task scenario is also reported as a ratio to it.
/// </summary>
public static class BrokerBaseline
{
    public static async Task<ScenarioResult> RunAsync(int messages, int concurrency, int warmUp, PeakMemory memory, CpuTime cpu)
    {
        var vhost = $"bus-bench-broker-{Guid.NewGuid():N}"[..29];
        await BenchEnvironment.CreateVirtualHostAsync(vhost);
        var latencies = new ConcurrentBag<double>();
        var received = 0;
        var expected = warmUp;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bus = MassTransit.Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.ConnectTo(vhost);
            rabbit.ReceiveEndpoint("baseline", endpoint =>
            {
                endpoint.LikeTheNoopQueue();
                endpoint.Handler<BaselinePing>(context =>
                {
                    if (context.SentTime is { } sent)
                        latencies.Add((DateTime.UtcNow - sent).TotalMilliseconds);
                    if (Interlocked.Increment(ref received) == Volatile.Read(ref expected))
                        done.TrySetResult();
                    return Task.CompletedTask;
                });
            });
        });
        try
        {
            await bus.StartAsync();
            await PublishAsync(bus, warmUp, concurrency);
            await done.Task.WaitAsync(TimeSpan.FromMinutes(2));

            latencies.Clear();
            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref received, 0);
            Volatile.Write(ref expected, messages);
            memory.Reset();
            var cpuAtStart = cpu.Read();
            var clock = Stopwatch.StartNew();
            await PublishAsync(bus, messages, concurrency);
            var finished = await Task.WhenAny(done.Task, Task.Delay(TimeSpan.FromMinutes(5))) == done.Task;
            clock.Stop();
            var consumed = Volatile.Read(ref received);
            return new ScenarioResult("broker baseline", "MassTransit publish → no-op consumer, same RabbitMQ, own vhost",
                messages, finished ? 0 : messages - consumed, Math.Round(clock.Elapsed.TotalSeconds, 2),
                Math.Round(consumed / clock.Elapsed.TotalSeconds, 1), "msgs/s", Latency.Of(latencies), memory.Read(),
                ErrorSamples: finished ? null : [$"{messages - consumed} messages not consumed within 5 minutes"],
                CpuMsPerItem: cpu.PerItemSince(cpuAtStart, consumed));
        }
        finally
        {
            await bus.StopAsync();
            await BenchEnvironment.DeleteVirtualHostAsync(vhost);
        }
    }

    private static Task PublishAsync(IBus bus, int count, int concurrency)
    {
        var next = -1;
        return Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < count)
                await bus.Publish(new BaselinePing(NewId.NextGuid()));
        }));
    }
}
