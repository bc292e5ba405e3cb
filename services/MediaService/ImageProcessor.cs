using Bus.Contracts.Media;
using Bus.ServiceDefaults.Messaging;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Processing;

namespace Bus.MediaService;

/// <summary>What one processed image came to: written to a file by the consumer.</summary>
public sealed record ProcessedImage(string Format, string Extension, int Width, int Height, byte[] Bytes);

/// <summary>Decodes an inspected image, applies the operations in order and encodes the result in memory.</summary>
public sealed class ImageProcessor(ImageInspector inspector, IOptions<MediaOptions> options)
{
    private const int DefaultOptimizeQuality = 82;

    public static IReadOnlyDictionary<string, (string Extension, IImageFormat Format)> Formats { get; } =
        new Dictionary<string, (string, IImageFormat)>
        {
            ["jpeg"] = ("jpg", JpegFormat.Instance),
            ["png"] = ("png", PngFormat.Instance),
            ["webp"] = ("webp", WebpFormat.Instance),
        };

    /// <summary>The output format: the last convert, else the output file's extension, else the input's (GIF and BMP become PNG).</summary>
    public static string OutputFormat(IReadOnlyList<ImageOperation> operations, string? outputPath, IImageFormat input)
    {
        if (operations.LastOrDefault(o => o.Type == ImageOperationTypes.Convert)?.Format is { } converted)
            return Normalize(converted);
        var extension = Path.GetExtension(outputPath ?? "").TrimStart('.').ToLowerInvariant();
        if (Formats.Keys.FirstOrDefault(f => f == Normalize(extension)) is { } byExtension)
            return byExtension;
        return input switch
        {
            JpegFormat => "jpeg",
            WebpFormat => "webp",
            _ => "png",
        };
    }

    /// <exception cref="PermanentTaskException">The image is corrupt or truncated, or an operation cannot apply to it.</exception>
    public async Task<ProcessedImage> ProcessAsync(
        string fullPath, string taskPath, ImageFacts facts, IReadOnlyList<ImageOperation> operations, string format,
        Func<int, ImageOperation, Image, Task> stepDone, CancellationToken cancellationToken)
    {
        using var image = await DecodeAsync(fullPath, taskPath, facts, cancellationToken);
        try
        {
            return await ApplyAsync(image, operations, format, stepDone, cancellationToken);
        }
        catch (InvalidMemoryOperationException exception)
        {
            throw new PermanentTaskException($"processing '{taskPath}' needs more memory than one image may take (Media:MaxPixels): {exception.Message}", exception);
        }
    }

    private async Task<ProcessedImage> ApplyAsync(
        Image image, IReadOnlyList<ImageOperation> operations, string format, Func<int, ImageOperation, Image, Task> stepDone, CancellationToken cancellationToken)
    {
        int? quality = null;
        var optimize = false;
        for (var i = 0; i < operations.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var operation = operations[i];
            switch (operation.Type)
            {
                case ImageOperationTypes.Resize:
                    Resize(image, operation, i, operation.Width, operation.Height, "cover");
                    break;
                case ImageOperationTypes.Thumbnail:
                    Resize(image, operation, i, operation.Width ?? ImageOperationTypes.DefaultThumbnailSize,
                        operation.Height ?? ImageOperationTypes.DefaultThumbnailSize, "cover");
                    break;
                case ImageOperationTypes.Crop:
                    Crop(image, operation, i);
                    break;
                case ImageOperationTypes.Rotate:
                    Rotate(image, operation, i);
                    break;
                case ImageOperationTypes.Compress:
                    quality = ToQuality(operation, i) ?? throw Invalid(i, operation, "needs a quality from 0 to 1");
                    break;
                case ImageOperationTypes.Optimize:
                    optimize = true;
                    quality = ToQuality(operation, i) ?? quality;
                    StripMetadata(image);
                    break;
                case ImageOperationTypes.Convert:
                    if (operation.Format is null || !Formats.ContainsKey(Normalize(operation.Format)))
                        throw Invalid(i, operation, $"needs a format: one of {string.Join(", ", Formats.Keys)}");
                    break;
                default:
                    throw Invalid(i, operation, $"is not an operation; expected one of: {string.Join(", ", ImageOperationTypes.All)}");
            }
            await stepDone(i, operation, image);
        }

        cancellationToken.ThrowIfCancellationRequested();
        using var output = new MemoryStream();
        await image.SaveAsync(output, Encoder(format, quality, optimize), cancellationToken);
        return new ProcessedImage(format, Formats[format].Extension, image.Width, image.Height, output.ToArray());
    }

    private async Task<Image> DecodeAsync(string fullPath, string taskPath, ImageFacts facts, CancellationToken cancellationToken)
    {
        Image image;
        try
        {
            await using var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
            image = await Image.LoadAsync(inspector.Configuration, stream, cancellationToken);
        }
        catch (Exception exception) when (exception is ImageFormatException or InvalidImageContentException or InvalidMemoryOperationException
                                               or NotSupportedException or EndOfStreamException or IndexOutOfRangeException or ArgumentException)
        {
            throw new PermanentTaskException($"imagePath '{taskPath}' could not be decoded (truncated or corrupt?): {exception.Message}", exception);
        }
        if (image.Width != facts.Width || image.Height != facts.Height)
        {
            image.Dispose();
            throw new PermanentTaskException($"imagePath '{taskPath}' decoded to {image.Width}×{image.Height}, not the {facts.Width}×{facts.Height} its header declares");
        }
        return image;
    }

    private void Resize(Image image, ImageOperation operation, int index, int? width, int? height, string defaultFit)
    {
        var max = options.Value.MaxOutputDimension;
        if (width is null && height is null)
            throw Invalid(index, operation, "needs a width, a height or both");
        if (width is < 1 || width > max || height is < 1 || height > max)
            throw Invalid(index, operation, $"width and height must be from 1 to {max} (Media:MaxOutputDimension)");
        var fit = (operation.Fit ?? defaultFit).ToLowerInvariant();
        var mode = fit switch
        {
            "cover" => ResizeMode.Crop,
            "contain" => ResizeMode.Pad,
            "fill" => ResizeMode.Stretch,
            "inside" => ResizeMode.Max,
            "outside" => ResizeMode.Min,
            _ => throw Invalid(index, operation, $"fit '{operation.Fit}' is not one of: {string.Join(", ", ImageOperationTypes.FitModes)}"),
        };
        // One side alone keeps the aspect ratio: the other follows from it.
        if (width is null || height is null)
        {
            width ??= Math.Max(1, (int)Math.Round((double)image.Width * height!.Value / image.Height));
            height ??= Math.Max(1, (int)Math.Round((double)image.Height * width.Value / image.Width));
            if (width > max || height > max)
                throw Invalid(index, operation, $"keeping the aspect ratio would make the image larger than {max} pixels on a side");
            mode = ResizeMode.Stretch;
        }
        var size = new Size(width.Value, height.Value);
        var resize = new ResizeOptions { Size = size, Mode = mode };
        var (resultWidth, resultHeight) = (size.Width, size.Height);
        if (mode == ResizeMode.Min)
        {
            var scale = Math.Max((double)size.Width / image.Width, (double)size.Height / image.Height);
            (resultWidth, resultHeight) = ((int)Math.Ceiling(image.Width * scale), (int)Math.Ceiling(image.Height * scale));
            if (resultWidth > max || resultHeight > max)
                throw Invalid(index, operation, $"fit 'outside' would make the image larger than {max} pixels on a side");
        }
        EnsureWithinPixels(image, operation, index, resultWidth, resultHeight);
        image.Mutate(x => x.Resize(resize));
    }

    /// <summary>What an operation produces is held in memory like the input: the same pixel limit applies to it.</summary>
    private void EnsureWithinPixels(Image image, ImageOperation operation, int index, int width, int height)
    {
        var pixels = (long)width * height * image.Frames.Count;
        if (pixels > options.Value.MaxPixels)
            throw Invalid(index, operation, $"would produce {width}×{height}{(image.Frames.Count > 1 ? $"×{image.Frames.Count} frames" : "")} = {pixels} pixels; the limit is {options.Value.MaxPixels} (Media:MaxPixels)");
    }

    private static void Crop(Image image, ImageOperation operation, int index)
    {
        var x = operation.X ?? 0;
        var y = operation.Y ?? 0;
        if (operation.Width is not { } width || operation.Height is not { } height || width < 1 || height < 1 || x < 0 || y < 0)
            throw Invalid(index, operation, "needs x ≥ 0, y ≥ 0 and a positive width and height");
        if ((long)x + width > image.Width || (long)y + height > image.Height)
            throw Invalid(index, operation, $"the rectangle {x},{y} {width}×{height} is not inside the {image.Width}×{image.Height} image");
        image.Mutate(c => c.Crop(new Rectangle(x, y, width, height)));
    }

    private void Rotate(Image image, ImageOperation operation, int index)
    {
        if (operation.Degrees is not { } degrees || !double.IsFinite(degrees) || Math.Abs(degrees) > 360)
            throw Invalid(index, operation, "needs degrees from -360 to 360");
        var normalized = ((degrees % 360) + 360) % 360;
        if (normalized % 90 == 0)
        {
            image.Mutate(x => x.Rotate((RotateMode)(int)normalized));
            return;
        }
        // Any other angle grows the canvas to hold the rotated image: at most √2 on each side.
        var max = options.Value.MaxOutputDimension;
        if (image.Width * Math.Sqrt(2) > max || image.Height * Math.Sqrt(2) > max)
            throw Invalid(index, operation, $"rotating by {degrees}° could make the image larger than {max} pixels on a side");
        var radians = normalized * Math.PI / 180;
        var (cos, sin) = (Math.Abs(Math.Cos(radians)), Math.Abs(Math.Sin(radians)));
        EnsureWithinPixels(image, operation, index,
            (int)Math.Ceiling(image.Width * cos + image.Height * sin), (int)Math.Ceiling(image.Width * sin + image.Height * cos));
        image.Mutate(x => x.Rotate((float)normalized));
    }

    private static int? ToQuality(ImageOperation operation, int index)
    {
        if (operation.Quality is not { } quality)
            return null;
        if (!double.IsFinite(quality) || quality < 0 || quality > 1)
            throw Invalid(index, operation, "quality must be from 0 to 1");
        return Math.Clamp((int)Math.Round(quality * 100), 1, 100);
    }

    private static void StripMetadata(Image image)
    {
        image.Metadata.ExifProfile = null;
        image.Metadata.IptcProfile = null;
        image.Metadata.XmpProfile = null;
        image.Metadata.IccProfile = null;
        foreach (var frame in image.Frames)
        {
            frame.Metadata.ExifProfile = null;
            frame.Metadata.IptcProfile = null;
            frame.Metadata.XmpProfile = null;
            frame.Metadata.IccProfile = null;
        }
    }

    private static IImageEncoder Encoder(string format, int? quality, bool optimize) => format switch
    {
        "jpeg" => new JpegEncoder { Quality = quality ?? (optimize ? DefaultOptimizeQuality : 90) },
        "webp" => new WebpEncoder
        {
            Quality = quality ?? (optimize ? DefaultOptimizeQuality : 90),
            FileFormat = quality is not null || optimize ? WebpFileFormatType.Lossy : WebpFileFormatType.Lossless,
            Method = optimize ? WebpEncodingMethod.BestQuality : WebpEncodingMethod.Default,
        },
        _ => new PngEncoder
        {
            CompressionLevel = optimize || quality is not null ? PngCompressionLevel.BestCompression : PngCompressionLevel.DefaultCompression,
        },
    };

    private static string Normalize(string format) => format.ToLowerInvariant() is "jpg" ? "jpeg" : format.ToLowerInvariant();

    private static PermanentTaskException Invalid(int index, ImageOperation operation, string reason) =>
        new($"operations[{index}] ({operation.Type}) {reason}");
}
