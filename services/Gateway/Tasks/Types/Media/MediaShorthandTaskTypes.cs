using System.Text.Json;
using Bus.Contracts.Media;
using Bus.ServiceDefaults.Messaging;

namespace Bus.Gateway.Tasks.Types.Media;

/// <summary>
/// The one-step media task types: each is an <c>image_processing</c> task whose operations are implied by its type,
/// with their parameters at the top of <c>data</c> instead of in an <c>operations</c> list.
/// </summary>
public abstract class MediaShorthandTaskType : ITaskType
{
    private static readonly string[] CommonFields = ["imagePath", "outputPath", "overwrite"];

    public abstract TaskRoute Route { get; }

    public IReadOnlyList<string> SensitiveFields { get; } = [];

    public abstract JsonElement Example { get; }

    /// <summary>The operations this type stands for, in order, and the fields of <c>data</c> each one reads.</summary>
    protected abstract IReadOnlyList<(string Operation, string[] Fields)> Steps { get; }

    public TaskCommandResult CreateCommand(Guid taskId, JsonElement data)
    {
        var reader = new JsonFieldReader("data");
        var fields = CommonFields.Concat(Steps.SelectMany(s => s.Fields)).ToHashSet();
        if (!reader.RequireObject(data, fields))
            return TaskCommandResult.Invalid(reader.Errors);

        var imagePath = MediaTaskData.ReadPath(reader, data, "imagePath", required: true);
        var outputPath = MediaTaskData.ReadPath(reader, data, "outputPath", required: false);
        var overwrite = reader.ReadBool(data, "overwrite") ?? false;

        var operations = new List<ImageOperation>();
        foreach (var (operation, stepFields) in Steps)
        {
            // The step reads its own fields from data, so errors are keyed data.width, data.quality … as the caller wrote them.
            var parameters = JsonSerializer.SerializeToElement(data.EnumerateObject()
                .Where(p => stepFields.Contains(p.Name))
                .ToDictionary(p => p.Name, p => p.Value));
            var stepReader = new JsonFieldReader("data");
            if (MediaTaskData.ReadParameters(stepReader, operation, parameters) is { } parsed)
                operations.Add(parsed);
            foreach (var (path, messages) in stepReader.Errors)
            {
                foreach (var message in messages.Where(m => !reader.Errors.TryGetValue(path, out var known) || !known.Contains(m)))
                    reader.AddError(path, message);
            }
        }

        return reader.HasErrors
            ? TaskCommandResult.Invalid(reader.Errors)
            : TaskCommandResult.Valid(new ProcessImage(taskId, imagePath!, operations, outputPath, overwrite));
    }
}

/// <summary><c>media_thumbnail</c>: a thumbnail, 300×300 (cover) unless <c>width</c>/<c>height</c>/<c>fit</c> say otherwise.</summary>
public sealed class MediaThumbnailTaskType : MediaShorthandTaskType
{
    public override TaskRoute Route => TaskRoutes.MediaThumbnail;

    public override JsonElement Example { get; } = JsonSerializer.SerializeToElement(new
    {
        imagePath = "/uploads/image.jpg",
        outputPath = "/thumbnails/image.jpg",
        width = 300,
        height = 300,
    });

    protected override IReadOnlyList<(string, string[])> Steps { get; } =
        [(ImageOperationTypes.Thumbnail, ["width", "height", "fit"])];
}

/// <summary><c>media_optimize</c>: metadata stripped and re-encoded smaller, at <c>quality</c> if given.</summary>
public sealed class MediaOptimizeTaskType : MediaShorthandTaskType
{
    public override TaskRoute Route => TaskRoutes.MediaOptimize;

    public override JsonElement Example { get; } = JsonSerializer.SerializeToElement(new
    {
        imagePath = "/uploads/image.jpg",
        outputPath = "/optimized/image.jpg",
        quality = 0.8,
    });

    protected override IReadOnlyList<(string, string[])> Steps { get; } =
        [(ImageOperationTypes.Optimize, ["quality"])];
}

/// <summary><c>media_process</c>: thumbnail then optimize, in one task.</summary>
public sealed class MediaProcessTaskType : MediaShorthandTaskType
{
    public override TaskRoute Route => TaskRoutes.MediaProcess;

    public override JsonElement Example { get; } = JsonSerializer.SerializeToElement(new
    {
        imagePath = "/uploads/image.jpg",
        outputPath = "/processed/image-thumb.jpg",
        width = 300,
        height = 300,
        quality = 0.8,
    });

    protected override IReadOnlyList<(string, string[])> Steps { get; } =
        [(ImageOperationTypes.Thumbnail, ["width", "height", "fit"]), (ImageOperationTypes.Optimize, ["quality"])];
}

public static class MediaTaskTypes
{
    public static IServiceCollection AddMediaTaskTypes(this IServiceCollection services)
    {
        services.AddSingleton<ITaskType, ImageProcessingTaskType>();
        services.AddSingleton<ITaskType, MediaThumbnailTaskType>();
        services.AddSingleton<ITaskType, MediaOptimizeTaskType>();
        services.AddSingleton<ITaskType, MediaProcessTaskType>();
        return services;
    }
}
