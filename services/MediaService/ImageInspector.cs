using System.Buffers.Binary;
using Bus.ServiceDefaults.Messaging;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;

namespace Bus.MediaService;

public sealed record ImageFacts(IImageFormat Format, int Width, int Height, int Frames, long Bytes);

/// <summary>
/// Looks at an image without decoding it: its size on disk, format, dimensions (the header) and frame count, and
/// refuses what exceeds <see cref="MediaOptions"/> — so a decompression bomb is turned away before a pixel is allocated.
/// </summary>
public sealed class ImageInspector
{
    private readonly MediaOptions _options;

    public ImageInspector(IOptions<MediaOptions> options)
    {
        _options = options.Value;
        // Only the formats we mean to read (no TIFF, TGA, PBM), one thread per image (concurrency is the queue's), and an
        // allocator that refuses any single buffer above what the pixel limit allows, as a second line behind Identify.
        var limitMegabytes = (int)Math.Clamp(_options.MaxPixels * 4 / (1024 * 1024) + 16, 16, int.MaxValue);
        Configuration = new Configuration(
            new JpegConfigurationModule(), new PngConfigurationModule(), new WebpConfigurationModule(),
            new GifConfigurationModule(), new BmpConfigurationModule())
        {
            MaxDegreeOfParallelism = 1,
            MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions { AllocationLimitMegabytes = limitMegabytes }),
        };
    }

    public Configuration Configuration { get; }

    /// <exception cref="PermanentTaskException">Missing, empty, too large, not an image we read, or over a limit.</exception>
    public async Task<ImageFacts> InspectAsync(string fullPath, string taskPath, CancellationToken cancellationToken)
    {
        var file = new FileInfo(fullPath);
        if (!file.Exists)
            throw new PermanentTaskException($"imagePath '{taskPath}' does not exist");
        if (file.Length == 0)
            throw new PermanentTaskException($"imagePath '{taskPath}' is an empty file (0 bytes)");
        if (file.Length > _options.MaxInputBytes)
            throw new PermanentTaskException($"imagePath '{taskPath}' is {file.Length} bytes; the limit is {_options.MaxInputBytes} (Media:MaxInputBytes)");

        await using var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
        IImageInfo? info;
        IImageFormat? format;
        try
        {
            (info, format) = await Image.IdentifyWithFormatAsync(Configuration, stream, cancellationToken);
        }
        catch (Exception exception) when (exception is ImageFormatException or InvalidImageContentException or NotSupportedException or EndOfStreamException)
        {
            throw new PermanentTaskException($"imagePath '{taskPath}' is not a readable image: {exception.Message}", exception);
        }
        if (info is null || format is null)
            throw new PermanentTaskException($"imagePath '{taskPath}' is not an image in a supported format (JPEG, PNG, WebP, GIF, BMP)");
        if (info.Width <= 0 || info.Height <= 0)
            throw new PermanentTaskException($"imagePath '{taskPath}' declares an empty size {info.Width}×{info.Height}");

        stream.Position = 0;
        // ImageSharp decodes a cut-off JPEG without complaint, filling the missing rows with grey.
        if (format is JpegFormat && !await HasEndOfImageAsync(stream, cancellationToken))
            throw new PermanentTaskException($"imagePath '{taskPath}' is a truncated JPEG: its data ends before the end-of-image marker");

        stream.Position = 0;
        var frames = format switch
        {
            GifFormat => await CountGifFramesAsync(stream, cancellationToken),
            WebpFormat => await CountWebpFramesAsync(stream, cancellationToken),
            _ => 1,
        };
        if (frames > _options.MaxFrames)
            throw new PermanentTaskException($"imagePath '{taskPath}' has {frames} frames; the limit is {_options.MaxFrames} (Media:MaxFrames)");
        var pixels = (long)info.Width * info.Height * Math.Max(frames, 1);
        if (pixels > _options.MaxPixels)
            throw new PermanentTaskException(
                $"imagePath '{taskPath}' declares {info.Width}×{info.Height}{(frames > 1 ? $"×{frames} frames" : "")} = {pixels} pixels; the limit is {_options.MaxPixels} (Media:MaxPixels)");

        return new ImageFacts(format, info.Width, info.Height, Math.Max(frames, 1), file.Length);
    }

    /// <summary>Counts image descriptors by walking the GIF's blocks, never its pixel data; stops once over the limit.</summary>
    private async Task<int> CountGifFramesAsync(Stream stream, CancellationToken cancellationToken)
    {
        var reader = new BufferedStream(stream, 64 * 1024);
        var header = new byte[13];
        if (!await ReadExactlyOrEnd(reader, header, cancellationToken))
            return 0;
        if ((header[10] & 0x80) != 0)
            Skip(reader, 3 * (1 << ((header[10] & 0x07) + 1)));
        var frames = 0;
        while (frames <= _options.MaxFrames)
        {
            var introducer = reader.ReadByte();
            switch (introducer)
            {
                case 0x2C:
                    frames++;
                    var descriptor = new byte[9];
                    if (!await ReadExactlyOrEnd(reader, descriptor, cancellationToken))
                        return frames;
                    if ((descriptor[8] & 0x80) != 0)
                        Skip(reader, 3 * (1 << ((descriptor[8] & 0x07) + 1)));
                    reader.ReadByte(); // LZW minimum code size
                    SkipSubBlocks(reader);
                    break;
                case 0x21:
                    reader.ReadByte(); // extension label
                    SkipSubBlocks(reader);
                    break;
                default: // 0x3B trailer, end of stream or garbage: the decoder judges the rest
                    return frames;
            }
        }
        return frames;
    }

    private static void SkipSubBlocks(Stream reader)
    {
        int size;
        while ((size = reader.ReadByte()) > 0)
            Skip(reader, size);
    }

    private static void Skip(Stream reader, int count) => reader.Seek(count, SeekOrigin.Current);

    /// <summary>Counts ANMF chunks in a RIFF/WebP container (an animated WebP); a still WebP is one frame.</summary>
    private async Task<int> CountWebpFramesAsync(Stream stream, CancellationToken cancellationToken)
    {
        var chunk = new byte[8];
        stream.Position = 12; // "RIFF" size "WEBP"
        var frames = 0;
        while (frames <= _options.MaxFrames && await ReadExactlyOrEnd(stream, chunk, cancellationToken))
        {
            var size = BinaryPrimitives.ReadUInt32LittleEndian(chunk.AsSpan(4));
            if (chunk.AsSpan(0, 4).SequenceEqual("ANMF"u8))
                frames++;
            stream.Seek(size + (size & 1), SeekOrigin.Current);
        }
        return Math.Max(frames, 1);
    }

    /// <summary>
    /// Walks the JPEG's segments by their lengths (so an embedded thumbnail's marker is not mistaken for the end) and its
    /// entropy-coded data byte by byte, and tells whether the end-of-image marker (FFD9) is reached before the file ends.
    /// </summary>
    private static async Task<bool> HasEndOfImageAsync(Stream stream, CancellationToken cancellationToken)
    {
        var reader = new BufferedStream(stream, 64 * 1024);
        if (reader.ReadByte() != 0xFF || reader.ReadByte() != 0xD8)
            return false;
        var length = new byte[2];
        var inScan = false;
        var counter = 0;
        while (true)
        {
            if (++counter % (1 << 20) == 0)
                cancellationToken.ThrowIfCancellationRequested();
            var current = reader.ReadByte();
            if (current < 0)
                return false;
            if (current != 0xFF)
            {
                if (inScan)
                    continue;
                return false; // between segments only markers may follow
            }
            var marker = reader.ReadByte();
            while (marker == 0xFF)
                marker = reader.ReadByte();
            if (marker < 0)
                return false;
            if (inScan && (marker == 0x00 || marker is >= 0xD0 and <= 0xD7))
                continue; // stuffed byte or restart marker inside scan data
            if (marker == 0xD9)
                return true;
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
                continue; // markers without a length
            if (!await ReadExactlyOrEnd(reader, length, cancellationToken))
                return false;
            var size = BinaryPrimitives.ReadUInt16BigEndian(length);
            if (size < 2)
                return false;
            Skip(reader, size - 2);
            inScan = marker == 0xDA;
        }
    }

    private static async Task<bool> ReadExactlyOrEnd(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, cancellationToken);
            return true;
        }
        catch (EndOfStreamException)
        {
            return false;
        }
    }
}
