using System.ComponentModel.DataAnnotations;

namespace Bus.MediaService;

/// <summary>Where images live and how much of one the service will decode. Bound from <c>Media</c>, validated at start.</summary>
public sealed class MediaOptions
{
    public const string Section = "Media";

    /// <summary>Every path in a task is relative to this directory; nothing outside it is read or written.</summary>
    [Required(ErrorMessage = "Media:StorageRoot is required")]
    public string StorageRoot { get; set; } = "";

    [Range(1, 1L << 32, ErrorMessage = "Media:MaxInputBytes must be between 1 and 4294967296")]
    public long MaxInputBytes { get; set; } = 50L * 1024 * 1024;

    /// <summary>Width × height × frames of the decoded input: what bounds the memory one image takes (4 bytes a pixel).</summary>
    [Range(1, 1L << 31, ErrorMessage = "Media:MaxPixels must be between 1 and 2147483648")]
    public long MaxPixels { get; set; } = 40_000_000;

    [Range(1, 10_000, ErrorMessage = "Media:MaxFrames must be between 1 and 10000")]
    public int MaxFrames { get; set; } = 100;

    /// <summary>Width and height an operation may produce (resize, thumbnail).</summary>
    [Range(1, 65_535, ErrorMessage = "Media:MaxOutputDimension must be between 1 and 65535")]
    public int MaxOutputDimension { get; set; } = 10_000;
}
