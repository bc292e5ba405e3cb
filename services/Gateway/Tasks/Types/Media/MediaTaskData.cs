using System.Text.Json;
using Bus.Contracts.Media;

namespace Bus.Gateway.Tasks.Types.Media;

/// <summary>
/// Reads the fields the media task types share (paths, image operations) from untrusted JSON. Only the shape is
/// checked here: whether a path stays inside the storage root (symlinks included) is MediaService's to decide.
/// </summary>
internal static class MediaTaskData
{
    public const int MaxPathLength = 1024;
    public const int MaxOperations = 20;
    public const int MaxDimension = 10_000;

    public static string? ReadPath(JsonFieldReader reader, JsonElement data, string field, bool required)
    {
        var path = reader.ReadString(data, field, required, MaxPathLength);
        if (path is null)
            return null;
        if (path.Any(char.IsControl))
            reader.AddError(reader.PathOf(field), "must not contain control characters");
        else if (path.Split('/', '\\').Contains(".."))
            reader.AddError(reader.PathOf(field), "must not contain '..': paths stay inside the storage root");
        else if (path.EndsWith('/'))
            reader.AddError(reader.PathOf(field), "must name a file, not a directory");
        return path;
    }

    public static IReadOnlyList<ImageOperation>? ReadOperations(JsonFieldReader reader, JsonElement data, string field)
    {
        var path = reader.PathOf(field);
        if (!data.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            reader.AddError(path, "is required");
            return null;
        }
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() is 0 or > MaxOperations)
        {
            reader.AddError(path, $"must be an array of 1 to {MaxOperations} operations");
            return null;
        }
        var operations = new List<ImageOperation>();
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (ReadOperation(reader, item, $"{path}[{index++}]") is { } operation)
                operations.Add(operation);
        }
        return operations;
    }

    private static readonly HashSet<string> OperationFields = ["type", "params"];

    private static ImageOperation? ReadOperation(JsonFieldReader parent, JsonElement item, string path)
    {
        var reader = new JsonFieldReader(path);
        var operation = ReadOperation(reader, item);
        CopyErrors(reader, parent);
        return operation;
    }

    private static ImageOperation? ReadOperation(JsonFieldReader reader, JsonElement item)
    {
        if (!reader.RequireObject(item, OperationFields))
            return null;
        var type = reader.ReadString(item, "type", required: true, 20);
        if (type is null)
            return null;
        if (!ImageOperationTypes.All.Contains(type))
        {
            reader.AddError(reader.PathOf("type"), $"'{type}' is not an operation; expected one of: {string.Join(", ", ImageOperationTypes.All)}");
            return null;
        }

        var parameters = item.TryGetProperty("params", out var p) && p.ValueKind != JsonValueKind.Null
            ? p
            : JsonSerializer.SerializeToElement(new { });
        var paramsReader = new JsonFieldReader(reader.PathOf("params"));
        var operation = ReadParameters(paramsReader, type, parameters);
        CopyErrors(paramsReader, reader);
        return operation;
    }

    /// <summary>The parameters of one operation (<c>params</c>), as the system we replace names them.</summary>
    public static ImageOperation? ReadParameters(JsonFieldReader reader, string type, JsonElement parameters)
    {
        var fields = type switch
        {
            ImageOperationTypes.Resize or ImageOperationTypes.Thumbnail => new HashSet<string> { "width", "height", "fit" },
            ImageOperationTypes.Crop => ["x", "y", "width", "height"],
            ImageOperationTypes.Compress or ImageOperationTypes.Optimize => ["quality"],
            ImageOperationTypes.Convert => ["format"],
            _ => ["degrees"],
        };
        if (!reader.RequireObject(parameters, fields))
            return null;

        ImageOperation operation;
        switch (type)
        {
            case ImageOperationTypes.Resize:
            case ImageOperationTypes.Thumbnail:
                var width = reader.ReadInt(parameters, "width", 1, MaxDimension);
                var height = reader.ReadInt(parameters, "height", 1, MaxDimension);
                var fit = ReadChoice(reader, parameters, "fit", ImageOperationTypes.FitModes);
                if (type == ImageOperationTypes.Resize && !parameters.TryGetProperty("width", out _) && !parameters.TryGetProperty("height", out _))
                    reader.AddError(reader.PathOf("width"), "resize needs a width, a height or both");
                operation = new ImageOperation(type, Width: width, Height: height, Fit: fit);
                break;
            case ImageOperationTypes.Crop:
                operation = new ImageOperation(type,
                    X: reader.ReadInt(parameters, "x", 0, MaxDimension * 10),
                    Y: reader.ReadInt(parameters, "y", 0, MaxDimension * 10),
                    Width: RequireInt(reader, parameters, "width", 1, MaxDimension * 10),
                    Height: RequireInt(reader, parameters, "height", 1, MaxDimension * 10));
                break;
            case ImageOperationTypes.Compress:
            case ImageOperationTypes.Optimize:
                var quality = ReadNumber(reader, parameters, "quality", 0, 1);
                if (type == ImageOperationTypes.Compress && quality is null && !reader.HasErrors)
                    reader.AddError(reader.PathOf("quality"), "is required (0 to 1)");
                operation = new ImageOperation(type, Quality: quality);
                break;
            case ImageOperationTypes.Convert:
                var format = ReadChoice(reader, parameters, "format", [.. ImageOperationTypes.Formats, "jpg"]);
                if (format is null && !reader.HasErrors)
                    reader.AddError(reader.PathOf("format"), $"is required: one of {string.Join(", ", ImageOperationTypes.Formats)}");
                operation = new ImageOperation(type, Format: format == "jpg" ? "jpeg" : format);
                break;
            default:
                var degrees = ReadNumber(reader, parameters, "degrees", -360, 360);
                if (degrees is null && !reader.HasErrors)
                    reader.AddError(reader.PathOf("degrees"), "is required (-360 to 360)");
                operation = new ImageOperation(type, Degrees: degrees);
                break;
        }
        return reader.HasErrors ? null : operation;
    }

    public static double? ReadNumber(JsonFieldReader reader, JsonElement obj, string field, double min, double max)
    {
        if (!obj.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number) || number < min || number > max)
        {
            reader.AddError(reader.PathOf(field), $"must be a number from {min} to {max}");
            return null;
        }
        return number;
    }

    public static string? ReadChoice(JsonFieldReader reader, JsonElement obj, string field, IReadOnlyList<string> choices)
    {
        var text = reader.ReadString(obj, field, required: false, 20);
        if (text is null)
            return null;
        var choice = text.ToLowerInvariant();
        if (choices.Contains(choice))
            return choice;
        reader.AddError(reader.PathOf(field), $"'{text}' is not one of: {string.Join(", ", choices)}");
        return null;
    }

    private static int? RequireInt(JsonFieldReader reader, JsonElement obj, string field, int min, int max)
    {
        if (!obj.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            reader.AddError(reader.PathOf(field), "is required");
            return null;
        }
        return reader.ReadInt(obj, field, min, max);
    }

    private static void CopyErrors(JsonFieldReader from, JsonFieldReader into)
    {
        foreach (var (path, messages) in from.Errors)
        {
            foreach (var message in messages)
                into.AddError(path, message);
        }
    }
}
