using System.Text.Json;
using Bus.Contracts.Media;
using Bus.ServiceDefaults.Messaging;

namespace Bus.Gateway.Tasks.Types.Media;

/// <summary><c>image_processing</c>: operations applied in order to one image in MediaService's storage root.</summary>
public sealed class ImageProcessingTaskType : ITaskType
{
    private static readonly HashSet<string> Fields = ["imagePath", "operations", "outputPath", "overwrite"];

    public TaskRoute Route => TaskRoutes.ImageProcessing;

    public IReadOnlyList<string> SensitiveFields { get; } = [];

    public JsonElement Example { get; } = JsonSerializer.SerializeToElement(new
    {
        imagePath = "/uploads/image.jpg",
        operations = new object[]
        {
            new { type = "resize", @params = new { width = 300, height = 300 } },
            new { type = "compress", @params = new { quality = 0.8 } },
        },
        outputPath = "/processed/image-thumb.jpg",
    });

    public TaskCommandResult CreateCommand(Guid taskId, JsonElement data)
    {
        var reader = new JsonFieldReader("data");
        if (!reader.RequireObject(data, Fields))
            return TaskCommandResult.Invalid(reader.Errors);

        var imagePath = MediaTaskData.ReadPath(reader, data, "imagePath", required: true);
        var operations = MediaTaskData.ReadOperations(reader, data, "operations");
        var outputPath = MediaTaskData.ReadPath(reader, data, "outputPath", required: false);
        var overwrite = reader.ReadBool(data, "overwrite") ?? false;

        return reader.HasErrors
            ? TaskCommandResult.Invalid(reader.Errors)
            : TaskCommandResult.Valid(new ProcessImage(taskId, imagePath!, operations!, outputPath, overwrite));
    }
}
