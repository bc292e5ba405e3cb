using System.Text.Json;
using Bus.Contracts.Media;
using Bus.Gateway.Tasks.Types;
using Bus.Gateway.Tasks.Types.Media;

namespace Bus.UnitTests.Media;

public sealed class MediaTaskTypeTests
{
    private const string IssueBody =
        """{"imagePath":"/uploads/image.jpg","operations":[{"type":"resize","params":{"width":300,"height":300}},{"type":"compress","params":{"quality":0.8}}],"outputPath":"/processed/image-thumb.jpg"}""";

    [Fact]
    public void The_body_of_the_system_we_replace_becomes_a_ProcessImage_with_its_operations_in_order()
    {
        var taskId = Guid.NewGuid();

        var result = new ImageProcessingTaskType().CreateCommand(taskId, Json(IssueBody));

        var command = Assert.IsType<ProcessImage>(result.Command);
        Assert.Equal(taskId, command.TaskId);
        Assert.Equal("/uploads/image.jpg", command.ImagePath);
        Assert.Equal("/processed/image-thumb.jpg", command.OutputPath);
        Assert.Equal([new ImageOperation("resize", Width: 300, Height: 300), new ImageOperation("compress", Quality: 0.8)], command.Operations);
    }

    [Fact]
    public void Every_bad_field_is_reported_under_its_path()
    {
        var result = new ImageProcessingTaskType().CreateCommand(Guid.NewGuid(), Json("""
            {"imagePath":"/uploads/../../etc/passwd","operations":[
              {"type":"resize","params":{"width":0}},
              {"type":"compress","params":{"quality":1.5}},
              {"type":"sharpen"},
              {"type":"convert","params":{"format":"bmp"}},
              {"type":"crop","params":{"x":1}}]}
            """));

        Assert.False(result.IsValid);
        Assert.Equal(
            ["data.imagePath", "data.operations[0].params.width", "data.operations[1].params.quality", "data.operations[2].type",
             "data.operations[3].params.format", "data.operations[4].params.height", "data.operations[4].params.width"],
            result.Errors.Keys.Order());
    }

    [Fact]
    public void Operations_are_required_and_limited()
    {
        var type = new ImageProcessingTaskType();
        Assert.Contains("data.operations", type.CreateCommand(Guid.NewGuid(), Json("""{"imagePath":"a.jpg"}""")).Errors.Keys);
        Assert.Contains("data.operations", type.CreateCommand(Guid.NewGuid(), Json("""{"imagePath":"a.jpg","operations":[]}""")).Errors.Keys);
    }

    [Fact]
    public void Media_thumbnail_is_one_thumbnail_operation_300_by_300_unless_told()
    {
        var command = (ProcessImage)new MediaThumbnailTaskType().CreateCommand(Guid.NewGuid(), Json("""{"imagePath":"/a.png"}""")).Command!;

        Assert.Equal([new ImageOperation("thumbnail")], command.Operations);
        Assert.Null(command.OutputPath);
    }

    [Fact]
    public void Media_process_is_a_thumbnail_then_optimize_and_keys_errors_by_the_top_level_field()
    {
        var type = new MediaProcessTaskType();
        var command = (ProcessImage)type.CreateCommand(Guid.NewGuid(), Json("""{"imagePath":"/a.png","width":120,"quality":0.5}""")).Command!;
        Assert.Equal([new ImageOperation("thumbnail", Width: 120), new ImageOperation("optimize", Quality: 0.5)], command.Operations);

        var invalid = type.CreateCommand(Guid.NewGuid(), Json("""{"imagePath":"/a.png","quality":2,"operations":[]}"""));
        Assert.Equal(["data.operations", "data.quality"], invalid.Errors.Keys.Order());
    }

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
