using System.Collections.Concurrent;
using System.Diagnostics;
using Bus.Tests;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Processing;

namespace Bus.Benchmarks;

/// <summary>
/// 300×300 thumbnails (<c>media_thumbnail</c>, fit cover, JPEG) of a set of generated JPEGs through MediaService,
/// beside the same ImageSharp work (identify, decode, resize, encode, write) in the benchmark process with as many
/// images at a time as MediaService runs (one per core): what the bus and task tracking cost on CPU-bound work.
/// </summary>
public static class MediaBenchmark
{
    private const int Thumbnail = 300;

    public static async Task<IReadOnlyList<ScenarioResult>> RunAsync(BenchSystem system, TaskLoad load, BenchmarkPlan plan)
    {
        var input = Path.Combine(system.MediaRoot, "bench");
        Directory.CreateDirectory(input);
        var image = TestImages.Jpeg(plan.ImageWidth, plan.ImageHeight, quality: 90);
        for (var i = 0; i < plan.Images; i++)
            await File.WriteAllBytesAsync(Path.Combine(input, $"in-{i}.jpg"), image);
        var size = new Dictionary<string, double> { ["width"] = plan.ImageWidth, ["height"] = plan.ImageHeight, ["input KB"] = Math.Round(image.Length / 1024.0) };

        var inProcess = await InProcessAsync(system, input, plan.Images, size);

        var next = -1;
        Task<Guid> SubmitThumbnail(CancellationToken cancellationToken)
        {
            var i = Interlocked.Increment(ref next);
            return system.SubmitOverHttpAsync(new
            {
                type = "media_thumbnail",
                data = new { imagePath = $"/bench/in-{i % plan.Images}.jpg", outputPath = $"/bench/thumb-{i}.jpg", overwrite = true },
            }, cancellationToken);
        }
        await load.ClosedLoopAsync("warm-up", "", SubmitThumbnail, Environment.ProcessorCount, Environment.ProcessorCount);
        var service = await load.ClosedLoopAsync($"media thumbnails {plan.ImageWidth}×{plan.ImageHeight}",
            "media_thumbnail over HTTP through MediaService (submitted → completed)", SubmitThumbnail, plan.Images, Math.Min(plan.Images, plan.Concurrency));
        return [service with { Unit = "images/s", Details = size, ComparedTo = inProcess.Name, Ratio = Math.Round(service.Rate / inProcess.Rate, 3) }, inProcess];
    }

    private static async Task<ScenarioResult> InProcessAsync(BenchSystem system, string input, int images, IReadOnlyDictionary<string, double> size)
    {
        await ThumbnailAsync(Path.Combine(input, "in-0.jpg"), Path.Combine(input, "local-warm-up.jpg"));
        var latencies = new ConcurrentBag<double>();
        system.Memory.Reset();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, images), new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, async (i, _) =>
        {
            var one = Stopwatch.StartNew();
            await ThumbnailAsync(Path.Combine(input, $"in-{i}.jpg"), Path.Combine(input, $"local-{i}.jpg"));
            latencies.Add(one.Elapsed.TotalMilliseconds);
        });
        clock.Stop();
        return new ScenarioResult("imagesharp in-process", "the same thumbnail with ImageSharp in the benchmark process, one image per core",
            images, 0, Math.Round(clock.Elapsed.TotalSeconds, 2), Math.Round(images / clock.Elapsed.TotalSeconds, 1), "images/s",
            Latency.Of(latencies), system.Memory.Read().Where(p => p.Key == "bench").ToDictionary(), Details: size);
    }

    private static async Task ThumbnailAsync(string from, string to)
    {
        await using var stream = File.OpenRead(from);
        _ = await Image.IdentifyAsync(stream);
        stream.Position = 0;
        using var image = await Image.LoadAsync(stream);
        image.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(Thumbnail, Thumbnail), Mode = ResizeMode.Crop }));
        await image.SaveAsJpegAsync(to, new JpegEncoder { Quality = 90 });
    }
}
