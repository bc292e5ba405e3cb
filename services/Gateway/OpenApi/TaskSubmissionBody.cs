using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Bus.Gateway.Api;

namespace Bus.Gateway.OpenApi;

/// <summary>
/// The body of <c>POST /tasks</c> as the API reference shows it. The endpoint reads the raw JSON itself
/// (<see cref="SubmitTaskRequest"/>, so every bad field is named in the 400); this record only describes it.
/// </summary>
public sealed record TaskSubmissionBody(
    [property: Required, Description("A task type, e.g. email_notification (see the examples).")] string Type,
    [property: Required, Description("The task type's payload.")] JsonElement Data,
    [property: Range(0, SubmitTaskRequest.MaxPriority), Description("0-10, default 0; recorded with the task.")] int? Priority,
    [property: MaxLength(255), Description("The first task submitted with this key (per type) is the only one: a repeat returns it.")] string? IdempotencyKey,
    [property: Description("Run then, not now (ISO 8601 instant with offset, at most 366 days ahead). Give runAt or delay, not both.")] DateTimeOffset? RunAt,
    [property: Range(0, 31_622_400_000), Description("Run this many milliseconds from now (BullMQ's delay).")] long? Delay);

/// <summary>The body of <c>POST /tasks/batch</c>.</summary>
public sealed record TaskBatchBody(
    [property: Required, Description("1 to Gateway:MaxBatchSize tasks, each exactly as the body of POST /tasks.")] IReadOnlyList<TaskSubmissionBody> Tasks);
