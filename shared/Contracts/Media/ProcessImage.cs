using Bus.Contracts.Tasks;

namespace Bus.Contracts.Media;

/// <summary>
/// Processes one image from queue <c>media</c> (task types <c>image_processing</c>, <c>media_thumbnail</c>,
/// <c>media_optimize</c>, <c>media_process</c>): the Operations in order, written to OutputPath. Paths are relative
/// to MediaService's storage root (a leading <c>/</c> is that root). Without OutputPath the output goes beside the
/// input as <c>{name}-processed.{ext}</c>; the input is only replaced when Overwrite is true.
/// </summary>
public record ProcessImage(
    Guid TaskId,
    string ImagePath,
    IReadOnlyList<ImageOperation> Operations,
    string? OutputPath = null,
    bool Overwrite = false) : ITaskCommand;

/// <summary>
/// One step of <see cref="ProcessImage"/>; which fields count depends on Type (see <see cref="ImageOperationTypes"/>):
/// resize/thumbnail Width, Height, Fit; crop X, Y, Width, Height; compress Quality (0–1); optimize Quality;
/// convert Format; rotate Degrees.
/// </summary>
public record ImageOperation(
    string Type,
    int? Width = null,
    int? Height = null,
    string? Fit = null,
    int? X = null,
    int? Y = null,
    double? Quality = null,
    string? Format = null,
    double? Degrees = null);

public static class ImageOperationTypes
{
    public const string Resize = "resize";
    public const string Crop = "crop";
    public const string Thumbnail = "thumbnail";
    public const string Compress = "compress";
    public const string Optimize = "optimize";
    public const string Convert = "convert";
    public const string Rotate = "rotate";

    public static IReadOnlyList<string> All { get; } = [Resize, Crop, Thumbnail, Compress, Optimize, Convert, Rotate];

    /// <summary>How resize and thumbnail fit the box (sharp's names): cover crops, contain pads, fill stretches, inside/outside keep the ratio.</summary>
    public static IReadOnlyList<string> FitModes { get; } = ["cover", "contain", "fill", "inside", "outside"];

    /// <summary>Output formats of convert; <c>jpg</c> is accepted for <c>jpeg</c>.</summary>
    public static IReadOnlyList<string> Formats { get; } = ["jpeg", "png", "webp"];

    public const int DefaultThumbnailSize = 300;
}
