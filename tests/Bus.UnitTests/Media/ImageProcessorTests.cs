extern alias media;
using Bus.Contracts.Media;
using Bus.ServiceDefaults.Messaging;
using media::Bus.MediaService;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;

namespace Bus.UnitTests.Media;

public sealed class ImageProcessorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("bus-process-").FullName;
    private readonly MediaOptions _options = new() { StorageRoot = "unused" };

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("cover", 300, 300)]
    [InlineData("fill", 300, 300)]
    [InlineData("contain", 300, 300)]
    [InlineData("inside", 300, 225)]
    [InlineData("outside", 400, 300)]
    public async Task Resize_fits_an_800_by_600_image_into_300_by_300_as_its_fit_mode_says(string fit, int width, int height)
    {
        var output = await Process(TestImages.Jpeg(800, 600), "jpeg", new ImageOperation("resize", Width: 300, Height: 300, Fit: fit));

        Assert.Equal((width, height), Decoded(output));
    }

    [Fact]
    public async Task A_width_alone_keeps_the_aspect_ratio()
    {
        var output = await Process(TestImages.Jpeg(800, 600), "jpeg", new ImageOperation("resize", Width: 400));
        Assert.Equal((400, 300), Decoded(output));
    }

    [Fact]
    public async Task Thumbnail_is_300_by_300_by_default()
    {
        var output = await Process(TestImages.Png(640, 480), "png", new ImageOperation("thumbnail"));
        Assert.Equal((300, 300), Decoded(output));
        Assert.Equal("PNG", Image.DetectFormat(output.Bytes)!.Name);
    }

    [Fact]
    public async Task Crop_then_rotate_by_90_degrees_then_convert_to_webp_apply_in_order()
    {
        var output = await Process(TestImages.Jpeg(800, 600), "webp",
            new ImageOperation("crop", X: 100, Y: 50, Width: 200, Height: 100),
            new ImageOperation("rotate", Degrees: 90),
            new ImageOperation("convert", Format: "webp"));

        Assert.Equal((100, 200), Decoded(output));
        Assert.Equal("Webp", Image.DetectFormat(output.Bytes)!.Name);
    }

    [Fact]
    public async Task A_crop_outside_the_image_is_a_permanent_error_naming_the_operation()
    {
        var error = await Assert.ThrowsAsync<PermanentTaskException>(() =>
            Process(TestImages.Jpeg(100, 100), "jpeg", new ImageOperation("resize", Width: 50), new ImageOperation("crop", X: 10, Y: 10, Width: 50, Height: 50)));
        Assert.StartsWith("operations[1] (crop)", error.Message);
    }

    [Theory]
    [InlineData("resize", 400, 400, null)]
    [InlineData("rotate", null, null, 45.0)]
    public async Task An_operation_whose_result_would_exceed_the_pixel_limit_is_a_permanent_error(string type, int? width, int? height, double? degrees)
    {
        _options.MaxPixels = 50_000;

        var error = await Assert.ThrowsAsync<PermanentTaskException>(() =>
            Process(TestImages.Png(200, 200), "png", new ImageOperation(type, Width: width, Height: height, Degrees: degrees)));
        Assert.Contains("Media:MaxPixels", error.Message);
    }

    [Fact]
    public async Task Optimize_strips_metadata_and_makes_the_file_smaller()
    {
        var input = TestImages.Jpeg(800, 600, quality: 100);

        var output = await Process(input, "jpeg", new ImageOperation("optimize"));

        Assert.True(output.Bytes.Length < input.Length, $"{output.Bytes.Length} bytes is not less than {input.Length}");
        using var decoded = Image.Load(output.Bytes);
        Assert.Null(decoded.Metadata.ExifProfile);
    }

    [Fact]
    public async Task A_lower_compress_quality_gives_a_smaller_jpeg()
    {
        var input = TestImages.Jpeg(800, 600);
        var high = await Process(input, "jpeg", new ImageOperation("compress", Quality: 0.9));
        var low = await Process(input, "jpeg", new ImageOperation("compress", Quality: 0.3));

        Assert.True(low.Bytes.Length < high.Bytes.Length);
    }

    [Theory]
    [InlineData(null, "/out/a.webp", "webp")]
    [InlineData("png", "/out/a.jpg", "png")]
    [InlineData(null, "/out/a", "jpeg")]
    [InlineData(null, null, "jpeg")]
    public void The_output_format_is_the_last_convert_else_the_output_extension_else_the_input_format(string? convert, string? outputPath, string expected)
    {
        IReadOnlyList<ImageOperation> operations = convert is null ? [new("thumbnail")] : [new("convert", Format: convert)];
        Assert.Equal(expected, ImageProcessor.OutputFormat(operations, outputPath, SixLabors.ImageSharp.Formats.Jpeg.JpegFormat.Instance));
    }

    private static (int, int) Decoded(ProcessedImage output)
    {
        using var image = Image.Load(output.Bytes);
        Assert.Equal((image.Width, image.Height), (output.Width, output.Height));
        return (image.Width, image.Height);
    }

    private async Task<ProcessedImage> Process(byte[] input, string format, params ImageOperation[] operations)
    {
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N"));
        await File.WriteAllBytesAsync(path, input);
        var inspector = new ImageInspector(Options.Create(_options));
        var facts = await inspector.InspectAsync(path, "/input", CancellationToken.None);
        var steps = new List<int>();
        var output = await new ImageProcessor(inspector, Options.Create(_options)).ProcessAsync(path, "/input", facts, operations, format,
            (index, _, _) => { steps.Add(index); return Task.CompletedTask; }, CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, operations.Length), steps);
        return output;
    }
}
