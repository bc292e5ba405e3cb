using System.Net;
using System.Text.Json;
using Bus.Contracts.Media;
using Bus.IntegrationTests.Infrastructure;
using SixLabors.ImageSharp;

namespace Bus.IntegrationTests.Media;

/// <summary>Media tasks submitted over HTTP (or sent straight to queue <c>media</c>) against the running Gateway and MediaService.</summary>
[Collection(MediaSystemCollection.Name)]
public sealed class MediaTaskEndToEndTests(MediaSystem system)
{
    [Fact]
    public async Task The_image_processing_body_of_the_system_we_replace_writes_a_300_by_300_jpeg_and_reports_it()
    {
        var input = system.Put("/uploads/image.jpg", TestImages.Jpeg(1024, 768));
        using var body = JsonDocument.Parse("""
            {"type":"image_processing","data":{"imagePath":"/uploads/image.jpg","operations":[{"type":"resize","params":{"width":300,"height":300}},{"type":"compress","params":{"quality":0.8}}],"outputPath":"/processed/image-thumb.jpg"}}
            """);

        var taskId = await system.SubmitAcceptedAsync(body.RootElement);
        var task = await system.WaitForEndAsync(taskId);

        Assert.Equal("Completed", task.GetProperty("status").GetString());
        var output = system.Full("/processed/image-thumb.jpg");
        Assert.Equal(("JPEG", 300, 300), Decode(output));
        var result = task.GetProperty("result");
        Assert.Equal("/processed/image-thumb.jpg", result.GetProperty("outputPath").GetString());
        Assert.Equal("jpeg", result.GetProperty("format").GetString());
        Assert.Equal(300, result.GetProperty("width").GetInt32());
        Assert.Equal(300, result.GetProperty("height").GetInt32());
        Assert.Equal(new FileInfo(input).Length, result.GetProperty("bytesBefore").GetInt64());
        Assert.Equal(new FileInfo(output).Length, result.GetProperty("bytesAfter").GetInt64());
        Assert.Equal(100, task.GetProperty("progress").GetInt32());
    }

    public static TheoryData<string, string, string, string, int, int> Shorthands() => new()
    {
        // type, data (input at /short/{type}.jpg), expected output, format, width, height
        { "media_thumbnail", """{"imagePath":"/short/media_thumbnail.jpg"}""", "/short/media_thumbnail-processed.jpg", "JPEG", 300, 300 },
        { "media_thumbnail", """{"imagePath":"/short/media_thumbnail.jpg","outputPath":"/thumbs/t.png","width":64,"height":48,"fit":"fill"}""", "/thumbs/t.png", "PNG", 64, 48 },
        { "media_optimize", """{"imagePath":"/short/media_optimize.jpg","outputPath":"/optimized/o.webp","quality":0.7}""", "/optimized/o.webp", "Webp", 800, 600 },
        { "media_process", """{"imagePath":"/short/media_process.jpg","outputPath":"/processed/p.jpg","width":120,"height":80}""", "/processed/p.jpg", "JPEG", 120, 80 },
        { "image_processing", """{"imagePath":"/short/image_processing.jpg","outputPath":"/processed/c.png","operations":[{"type":"crop","params":{"x":0,"y":0,"width":400,"height":200}},{"type":"rotate","params":{"degrees":90}},{"type":"convert","params":{"format":"png"}},{"type":"optimize"}]}""", "/processed/c.png", "PNG", 200, 400 },
    };

    [Theory]
    [MemberData(nameof(Shorthands))]
    public async Task Each_media_task_type_writes_the_file_its_data_describes(string type, string data, string outputPath, string format, int width, int height)
    {
        system.Put($"/short/{type}.jpg", TestImages.Jpeg(800, 600));
        using var json = JsonDocument.Parse(data);

        var task = await system.WaitForEndAsync(await system.SubmitAcceptedAsync(new { type, data = json.RootElement }));

        Assert.Equal("Completed", task.GetProperty("status").GetString());
        Assert.Equal((format, width, height), Decode(system.Full(outputPath)));
        Assert.Equal(outputPath, task.GetProperty("result").GetProperty("outputPath").GetString());
    }

    public static TheoryData<string, string> HostileInputs() => new()
    {
        { "symlink", "leads outside the storage root through a symbolic link" },
        { "truncated", "truncated JPEG" },
        { "bomb", "100000×100000" },
        { "empty", "empty file (0 bytes)" },
    };

    [Theory]
    [MemberData(nameof(HostileInputs))]
    public async Task Hostile_input_fails_the_task_at_once_with_a_clear_reason_and_the_service_keeps_working(string kind, string reason)
    {
        var path = $"/hostile/{kind}-{Guid.NewGuid():N}";
        switch (kind)
        {
            case "symlink":
                File.WriteAllBytes(Path.Combine(system.Outside, "secret.jpg"), TestImages.Jpeg(32, 32));
                Directory.CreateDirectory(system.Full("/hostile"));
                File.CreateSymbolicLink(system.Full(path), Path.Combine(system.Outside, "secret.jpg"));
                break;
            case "truncated":
                system.Put(path, TestImages.TruncatedJpeg());
                break;
            case "bomb":
                system.Put(path, TestImages.PngDeclaring(100_000, 100_000));
                break;
            default:
                system.Put(path, []);
                break;
        }

        var task = await system.WaitForEndAsync(await system.SubmitAcceptedAsync(new
        {
            type = "media_thumbnail",
            data = new { imagePath = path, outputPath = $"{path}-out.jpg" },
        }));

        Assert.Equal("Failed", task.GetProperty("status").GetString());
        Assert.Contains(reason, task.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(1, task.GetProperty("attempts").GetInt32());
        Assert.False(File.Exists(system.Full($"{path}-out.jpg")));
        await AssertStillHealthyAsync();
    }

    [Fact]
    public async Task A_path_with_dot_dot_is_refused_by_the_gateway_and_by_the_service_when_sent_straight_to_the_queue()
    {
        File.WriteAllBytes(Path.Combine(system.Outside, "escape.jpg"), TestImages.Jpeg(32, 32));
        var response = await system.SubmitAsync(new { type = "media_thumbnail", data = new { imagePath = "/../outside/escape.jpg" } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("data.imagePath", await response.Content.ReadAsStringAsync());

        var taskId = Guid.NewGuid();
        await system.SendAsync(new ProcessImage(taskId, "/../outside/escape.jpg", [new ImageOperation("thumbnail")], "/escaped.jpg"));
        var task = await system.WaitForEndAsync(taskId);

        Assert.Equal("Failed", task.GetProperty("status").GetString());
        Assert.Contains("'..'", task.GetProperty("error").GetProperty("message").GetString());
        Assert.False(File.Exists(system.Full("/escaped.jpg")));
        await AssertStillHealthyAsync();
    }

    [Fact]
    public async Task The_output_never_replaces_its_input_unless_asked()
    {
        var original = TestImages.Jpeg(400, 300);
        system.Put("/inplace/a.jpg", original);

        var refused = await system.WaitForEndAsync(await system.SubmitAcceptedAsync(new
        {
            type = "media_thumbnail", data = new { imagePath = "/inplace/a.jpg", outputPath = "/inplace/a.jpg" },
        }));
        Assert.Equal("Failed", refused.GetProperty("status").GetString());
        Assert.Contains("set overwrite", refused.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(original, File.ReadAllBytes(system.Full("/inplace/a.jpg")));

        var replaced = await system.WaitForEndAsync(await system.SubmitAcceptedAsync(new
        {
            type = "media_thumbnail", data = new { imagePath = "/inplace/a.jpg", outputPath = "/inplace/a.jpg", overwrite = true },
        }));
        Assert.Equal("Completed", replaced.GetProperty("status").GetString());
        Assert.Equal(("JPEG", 300, 300), Decode(system.Full("/inplace/a.jpg")));
    }

    [Fact]
    public async Task The_same_task_delivered_twice_writes_one_output_and_reports_one_completion()
    {
        system.Put("/twice/big.jpg", TestImages.Jpeg(3000, 2000));
        var taskId = Guid.NewGuid();
        var command = new ProcessImage(taskId, "/twice/big.jpg",
            [new ImageOperation("resize", Width: 1500), new ImageOperation("rotate", Degrees: 45), new ImageOperation("compress", Quality: 0.9)],
            "/twice/out/big.jpg");

        await Task.WhenAll(system.SendAsync(command), system.SendAsync(command));
        var task = await system.WaitForEndAsync(taskId);
        Assert.Equal("Completed", task.GetProperty("status").GetString());
        // Long enough for the second delivery to have run (or been refused) and anything it reports to have arrived.
        await Task.Delay(TimeSpan.FromSeconds(3));

        Assert.Equal(1, system.Completions.GetValueOrDefault(taskId));
        Assert.Equal(["big.jpg"], Directory.GetFiles(system.Full("/twice/out")).Select(Path.GetFileName));
        var ledger = await system.LedgerOf(taskId);
        Assert.Equal(("completed", 1, "/twice/out/big.jpg"), ledger);
        Assert.Equal(task.GetProperty("result").GetRawText(), (await system.WaitForEndAsync(taskId)).GetProperty("result").GetRawText());
    }

    private async Task AssertStillHealthyAsync()
    {
        Assert.True(await system.MediaServiceIsReadyAsync(), $"MediaService is not ready; log: {system.MediaService.LogPath}");
        system.Put("/healthy/ok.png", TestImages.Png(64, 64));
        var task = await system.WaitForEndAsync(await system.SubmitAcceptedAsync(new
        {
            type = "media_thumbnail",
            data = new { imagePath = "/healthy/ok.png", outputPath = $"/healthy/{Guid.NewGuid():N}.png", width = 16, height = 16 },
        }));
        Assert.Equal("Completed", task.GetProperty("status").GetString());
    }

    private static (string Format, int Width, int Height) Decode(string path)
    {
        using var image = Image.Load(path, out var format);
        return (format.Name, image.Width, image.Height);
    }

    [Fact]
    public async Task Poison_messages_on_queue_media_are_set_aside_with_a_reason_and_the_service_keeps_serving()
    {
        await PoisonMessages.PublishAndExpectSetAsideAsync(system.Rabbit, system.VirtualHost, "media");

        var path = $"/after-poison/{Guid.NewGuid():N}.jpg";
        system.Put(path, TestImages.Jpeg(640, 480));
        var task = await system.WaitForEndAsync(await system.SubmitAcceptedAsync(new { type = "media_thumbnail", data = new { imagePath = path } }));
        Assert.Equal("Completed", task.GetProperty("status").GetString());
    }
}
