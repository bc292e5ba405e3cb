using System.Collections.Concurrent;
using System.Diagnostics;
using MassTransit;

namespace Bus.Benchmarks;

/// <summary>The first hop of a floor chain: what <c>SubmitTask</c> is to a task.</summary>
public sealed record FloorSubmit(Guid Id);

/// <summary>The second hop: what the task's command to its worker's queue is.</summary>
public sealed record FloorDispatch(Guid Id);

/// <summary>The third and fourth hops: what the worker's claim and the saga's answer are.</summary>
public sealed record FloorClaim(Guid Id);

public sealed record FloorClaimed(Guid Id);

/// <summary>
/// The latency floor on this machine: the four hops a task crosses between its submission and its completion
/// (submit → saga, saga → worker's queue, the worker's claim → saga, the saga's answer → worker), made on the same
/// RabbitMQ by no-op consumers in this one process, with no database and no work, at the task scenarios' fixed rate.
/// Durable queues, persistent messages and the worker queue's settings (concurrency 16, prefetch 32), as for tasks.
/// No task can finish faster than this chain: its percentiles are what a task scenario's are compared with.
/// </summary>
public static class LatencyFloor
{
    public static async Task<ScenarioResult> RunAsync(int perSecond, TimeSpan duration, int warmUp, PeakMemory memory, CpuTime cpu)
    {
        var vhost = $"bus-bench-floor-{Guid.NewGuid():N}"[..28];
        await BenchEnvironment.CreateVirtualHostAsync(vhost);
        var finished = new ConcurrentDictionary<Guid, TaskCompletionSource<long>>();
        IRequestClient<FloorClaim>? claims = null;
        var bus = MassTransit.Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.ConnectTo(vhost);
            void Endpoint<T>(string queue, Func<ConsumeContext<T>, Task> handle) where T : class =>
                rabbit.ReceiveEndpoint(queue, endpoint =>
                {
                    endpoint.LikeTheNoopQueue();
                    endpoint.Handler(new MessageHandler<T>(handle));
                });
            Endpoint<FloorSubmit>("floor-saga-submit", async context =>
                await (await context.GetSendEndpoint(new Uri("queue:floor-worker"))).Send(new FloorDispatch(context.Message.Id)));
            Endpoint<FloorDispatch>("floor-worker", async context =>
            {
                await claims!.GetResponse<FloorClaimed>(new FloorClaim(context.Message.Id));
                if (finished.TryGetValue(context.Message.Id, out var done))
                    done.TrySetResult(Stopwatch.GetTimestamp());
            });
            Endpoint<FloorClaim>("floor-saga-claim", context => context.RespondAsync(new FloorClaimed(context.Message.Id)));
        });
        claims = bus.CreateRequestClient<FloorClaim>(new Uri("queue:floor-saga-claim"));
        try
        {
            await bus.StartAsync();
            var latencies = new ConcurrentBag<double>();
            var failures = new ConcurrentQueue<string>();
            async Task ChainAsync()
            {
                var id = NewId.NextGuid();
                var done = finished[id] = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                var start = Stopwatch.GetTimestamp();
                try
                {
                    await bus.Publish(new FloorSubmit(id));
                    var end = await done.Task.WaitAsync(TimeSpan.FromSeconds(30));
                    latencies.Add(Stopwatch.GetElapsedTime(start, end).TotalMilliseconds);
                }
                catch (Exception exception)
                {
                    failures.Enqueue(exception.Message);
                }
                finally
                {
                    finished.TryRemove(id, out _);
                }
            }

            await OpenLoop.RunAsync(perSecond, TimeSpan.FromSeconds(Math.Max(1.0, (double)warmUp / perSecond)), ChainAsync);
            latencies.Clear();
            failures.Clear();
            memory.Reset();
            var cpuAtStart = cpu.Read();
            var clock = Stopwatch.StartNew();
            await OpenLoop.RunAsync(perSecond, duration, ChainAsync);
            clock.Stop();
            var items = latencies.Count + failures.Count;
            return new ScenarioResult($"broker floor {perSecond}/s {duration.TotalSeconds}s",
                "a task's four hops (submit, dispatch, claim, claim's answer) between no-op consumers, same RabbitMQ, own vhost",
                items, failures.Count, Math.Round(clock.Elapsed.TotalSeconds, 2), Math.Round(latencies.Count / clock.Elapsed.TotalSeconds, 1),
                "chains/s", Latency.Of(latencies), memory.Read(), ErrorSamples: failures.IsEmpty ? null : [.. failures.Take(5)],
                CpuMsPerItem: cpu.PerItemSince(cpuAtStart, latencies.Count));
        }
        finally
        {
            await bus.StopAsync();
            await BenchEnvironment.DeleteVirtualHostAsync(vhost);
        }
    }
}
