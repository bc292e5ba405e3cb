extern alias media;
using Bus.ServiceDefaults.Messaging;
using media::Bus.MediaService;
using Microsoft.Extensions.Options;

namespace Bus.UnitTests.Media;

public sealed class ImageInspectorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("bus-inspect-").FullName;
    private readonly MediaOptions _options = new() { StorageRoot = "unused", MaxPixels = 40_000_000, MaxFrames = 10, MaxInputBytes = 1_000_000 };

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task A_jpeg_is_identified_with_its_size_without_being_decoded()
    {
        var facts = await Inspect(TestImages.Jpeg(640, 480));

        Assert.Equal("JPEG", facts.Format.Name);
        Assert.Equal((640, 480, 1), (facts.Width, facts.Height, facts.Frames));
    }

    [Fact]
    public async Task A_png_declaring_100000_by_100000_pixels_is_refused_before_decoding()
    {
        var error = await Assert.ThrowsAsync<PermanentTaskException>(() => Inspect(TestImages.PngDeclaring(100_000, 100_000)));

        Assert.Contains("100000×100000", error.Message);
        Assert.Contains("Media:MaxPixels", error.Message);
    }

    [Fact]
    public async Task A_zero_byte_file_is_refused_as_empty()
    {
        var error = await Assert.ThrowsAsync<PermanentTaskException>(() => Inspect([]));
        Assert.Contains("empty", error.Message);
    }

    [Fact]
    public async Task A_file_over_the_byte_limit_is_refused_before_it_is_read()
    {
        var error = await Assert.ThrowsAsync<PermanentTaskException>(() => Inspect(new byte[_options.MaxInputBytes + 1]));
        Assert.Contains("Media:MaxInputBytes", error.Message);
    }

    [Fact]
    public async Task Bytes_that_are_no_image_are_refused()
    {
        var error = await Assert.ThrowsAsync<PermanentTaskException>(() => Inspect("not an image at all"u8.ToArray()));
        Assert.Contains("supported format", error.Message);
    }

    [Fact]
    public async Task An_animation_with_more_frames_than_allowed_is_refused_by_counting_its_blocks()
    {
        Assert.Equal(10, (await Inspect(TestImages.Gif(10))).Frames);

        var error = await Assert.ThrowsAsync<PermanentTaskException>(() => Inspect(TestImages.Gif(11)));
        Assert.Contains("Media:MaxFrames", error.Message);
    }

    [Fact]
    public async Task A_truncated_jpeg_is_refused_although_its_header_is_intact()
    {
        var error = await Assert.ThrowsAsync<PermanentTaskException>(() => Inspect(TestImages.TruncatedJpeg()));
        Assert.Contains("truncated JPEG", error.Message);
    }

    [Fact]
    public async Task A_complete_jpeg_with_bytes_after_its_end_marker_is_accepted()
    {
        var facts = await Inspect([.. TestImages.Jpeg(64, 48), 0, 0, 0, 0]);
        Assert.Equal((64, 48), (facts.Width, facts.Height));
    }

    private ImageInspector Inspector() => new(Options.Create(_options));

    private async Task<ImageFacts> Inspect(byte[] bytes)
    {
        var path = Path.Combine(_directory, "image");
        await File.WriteAllBytesAsync(path, bytes);
        return await Inspector().InspectAsync(path, "/image", CancellationToken.None);
    }
}
