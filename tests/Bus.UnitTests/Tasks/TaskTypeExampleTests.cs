using Bus.Gateway.Tasks.Types;

namespace Bus.UnitTests.Tasks;

public sealed class TaskTypeExampleTests
{
    public static TheoryData<string> TaskTypes() => [.. AllTypes().Select(t => t.Route.Type)];

    [Theory]
    [MemberData(nameof(TaskTypes))]
    public void Every_task_types_example_is_valid_for_it(string name)
    {
        var type = AllTypes().Single(t => t.Route.Type == name);

        var result = type.CreateCommand(Guid.NewGuid(), type.Example);

        Assert.True(result.IsValid, string.Join("; ", result.Errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")));
    }

    private static IEnumerable<ITaskType> AllTypes() =>
        typeof(ITaskType).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ITaskType).IsAssignableFrom(t))
            .Select(t => (ITaskType)Activator.CreateInstance(t)!);
}
