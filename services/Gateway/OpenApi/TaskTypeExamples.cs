using System.Text.Json.Nodes;
using Bus.Gateway.Tasks.Types;
using Microsoft.OpenApi;

namespace Bus.Gateway.OpenApi;

/// <summary>Request examples built from every registered <see cref="ITaskType.Example"/>, so a new task type documents itself.</summary>
public static class TaskTypeExamples
{
    /// <summary>On <c>POST /tasks</c>: one example per task type.</summary>
    public static RouteHandlerBuilder WithTaskExamples(this RouteHandlerBuilder endpoint) =>
        endpoint.AddOpenApiOperationTransformer((operation, context, _) =>
        {
            var types = context.ApplicationServices.GetRequiredService<IEnumerable<ITaskType>>();
            SetExamples(operation, types.ToDictionary(
                type => type.Route.Type,
                type => new OpenApiExample { Summary = type.Route.Type, Value = Task(type) } as IOpenApiExample));
            return System.Threading.Tasks.Task.CompletedTask;
        });

    /// <summary>On <c>POST /tasks/batch</c>: one batch holding every task type's example.</summary>
    public static RouteHandlerBuilder WithBatchExample(this RouteHandlerBuilder endpoint) =>
        endpoint.AddOpenApiOperationTransformer((operation, context, _) =>
        {
            var types = context.ApplicationServices.GetRequiredService<IEnumerable<ITaskType>>();
            var batch = new JsonObject { ["tasks"] = new JsonArray([.. types.Select(Task)]) };
            SetExamples(operation, new Dictionary<string, IOpenApiExample>
            {
                ["every-type"] = new OpenApiExample { Summary = "One task of every type", Value = batch },
            });
            return System.Threading.Tasks.Task.CompletedTask;
        });

    public static JsonNode Task(ITaskType type) => new JsonObject
    {
        ["type"] = type.Route.Type,
        ["priority"] = 0,
        ["data"] = JsonNode.Parse(type.Example.GetRawText()),
    };

    private static void SetExamples(OpenApiOperation operation, Dictionary<string, IOpenApiExample> examples)
    {
        if (operation.RequestBody?.Content is not { } content)
            return;
        foreach (var media in content.Values)
            media.Examples = examples;
    }
}
