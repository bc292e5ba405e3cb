using System.ComponentModel.DataAnnotations;
using Bus.ServiceDefaults;

namespace Bus.Gateway.Tasks;

/// <summary>
/// How long one attempt of a task may run, bound from <c>Tasks:Timeouts</c>: <c>Default</c> for every type, and
/// <c>Types:&lt;type&gt;</c> per task type. A task's own <c>timeout</c> (POST /tasks) overrides both.
/// </summary>
public sealed class TaskTimeoutOptions
{
    public const string Section = "Tasks:Timeouts";

    /// <summary>The longest timeout a configuration or a task may ask for.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(7);

    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00", ErrorMessage = "Tasks:Timeouts:Default must be between 00:00:01 and 7.00:00:00")]
    public TimeSpan Default { get; set; } = TimeSpan.FromMinutes(10);

    public Dictionary<string, TimeSpan> Types { get; set; } = new(StringComparer.Ordinal);

    public TimeSpan For(string type) => Types.TryGetValue(type, out var timeout) ? timeout : Default;
}

public static class TaskTimeoutRegistration
{
    public static IHostApplicationBuilder AddTaskTimeouts(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<TaskTimeoutOptions>(TaskTimeoutOptions.Section)
            .Validate(o => o.Types.Values.All(t => t >= TimeSpan.FromSeconds(1) && t <= TaskTimeoutOptions.Max),
                "Tasks:Timeouts:Types:<type> must be between 00:00:01 and 7.00:00:00")
            .Validate(o => o.Types.Keys.All(type => Bus.ServiceDefaults.Messaging.TaskRoutes.FindByType(type) is not null),
                "Tasks:Timeouts:Types names an unknown task type");
        return builder;
    }
}
