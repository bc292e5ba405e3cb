using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Bus.Contracts.Scheduling;
using Bus.Gateway.Security;
using Bus.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Bus.Gateway.Api;

/// <summary>
/// The Scheduler's crons: list, pause, resume and run one now. Answered by whichever Scheduler replica takes the request
/// from queue <c>scheduler-control</c>; no answer within <see cref="ScheduleEndpointOptions.RequestTimeout"/> is a 503.
/// </summary>
public static partial class ScheduleEndpoints
{
    public static IEndpointRouteBuilder MapScheduleEndpoints(this IEndpointRouteBuilder app)
    {
        var schedules = app.MapGroup("/schedules").WithTags("Schedules");
        schedules.MapGet("", ListAsync)
            .RequireAuthorization(GatewayPolicies.Viewer)
            .WithSummary("List the crons")
            .WithDescription("Every cron the Scheduler knows: expression, time zone, task type, enabled, paused, next and previous fire times.")
            .Produces<ScheduleList>()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        schedules.MapPost("/{name}/pause", (string name, IRequestClient<PauseSchedule> client, IOptions<ScheduleEndpointOptions> options, ILoggerFactory logs, CancellationToken cancellationToken) =>
            CommandAsync(name, new PauseSchedule(name), client, options.Value, logs.CreateLogger(typeof(ScheduleEndpoints)), accepted: false, cancellationToken))
            .WithScheduleCommandDocs("Pause a cron", "It stays paused across restarts of every Scheduler replica.", StatusCodes.Status200OK);
        schedules.MapPost("/{name}/resume", (string name, IRequestClient<ResumeSchedule> client, IOptions<ScheduleEndpointOptions> options, ILoggerFactory logs, CancellationToken cancellationToken) =>
            CommandAsync(name, new ResumeSchedule(name), client, options.Value, logs.CreateLogger(typeof(ScheduleEndpoints)), accepted: false, cancellationToken))
            .WithScheduleCommandDocs("Resume a cron", "Occurrences missed while paused are skipped.", StatusCodes.Status200OK);
        schedules.MapPost("/{name}/run", (string name, IRequestClient<RunSchedule> client, IOptions<ScheduleEndpointOptions> options, ILoggerFactory logs, CancellationToken cancellationToken) =>
            CommandAsync(name, new RunSchedule(name), client, options.Value, logs.CreateLogger(typeof(ScheduleEndpoints)), accepted: true, cancellationToken))
            .WithScheduleCommandDocs("Run a cron now", "Submits one task now, keyed by this fire time.", StatusCodes.Status202Accepted);
        return app;
    }

    private static RouteHandlerBuilder WithScheduleCommandDocs(this RouteHandlerBuilder endpoint, string summary, string description, int success) =>
        endpoint.RequireAuthorization(GatewayPolicies.Admin)
            .WithSummary(summary)
            .WithDescription(description)
            .Produces<ScheduleInfo>(success)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    /// <summary>The request clients the endpoints use, all addressed to the Scheduler's control queue.</summary>
    public static void AddScheduleRequestClients(this IBusRegistrationConfigurator bus)
    {
        var address = new Uri($"queue:{QueueNames.SchedulerControl}");
        bus.AddRequestClient<GetSchedules>(address);
        bus.AddRequestClient<PauseSchedule>(address);
        bus.AddRequestClient<ResumeSchedule>(address);
        bus.AddRequestClient<RunSchedule>(address);
    }

    private static async Task<IResult> ListAsync(
        IRequestClient<GetSchedules> client, IOptions<ScheduleEndpointOptions> options, ILoggerFactory logs, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.GetResponse<ScheduleList>(new GetSchedules(), cancellationToken, Timeout(options.Value));
            return TypedResults.Ok(response.Message);
        }
        catch (MassTransitException exception)
        {
            logs.CreateLogger(typeof(ScheduleEndpoints)).LogWarning(exception, "The Scheduler did not list its schedules");
            return Unavailable(options.Value, "The schedules could not be read; retry.");
        }
    }

    private static async Task<IResult> CommandAsync<TRequest>(
        string name, TRequest request, IRequestClient<TRequest> client, ScheduleEndpointOptions options, ILogger logger, bool accepted, CancellationToken cancellationToken)
        where TRequest : class
    {
        if (!PlausibleName().IsMatch(name))
            return NotFound(name);
        try
        {
            var response = await client.GetResponse<ScheduleInfo, ScheduleNotFound, ScheduleDisabled>(request, cancellationToken, Timeout(options));
            if (response.Is(out Response<ScheduleNotFound>? _))
                return NotFound(name);
            if (response.Is(out Response<ScheduleDisabled>? _))
                return Problem(StatusCodes.Status409Conflict, "Schedule disabled",
                    $"The schedule '{name}' is disabled in the Scheduler's configuration (Crons:{name}:Enabled); enable it there first.");
            response.Is(out Response<ScheduleInfo>? info);
            return accepted ? TypedResults.Accepted("/schedules", info!.Message) : TypedResults.Ok(info!.Message);
        }
        catch (MassTransitException exception)
        {
            logger.LogWarning(exception, "The Scheduler did not answer {Request} for {Schedule}", typeof(TRequest).Name, name);
            return Unavailable(options, accepted
                ? "The run could not be confirmed and may or may not have started; check previousFireTimeUtc in GET /schedules before retrying."
                : "The change could not be confirmed; retrying is safe.");
        }
    }

    private static RequestTimeout Timeout(ScheduleEndpointOptions options) => RequestTimeout.After(ms: (int)options.RequestTimeout.TotalMilliseconds);

    private static ProblemHttpResult NotFound(string name) =>
        Problem(StatusCodes.Status404NotFound, "Schedule not found", $"No schedule is named '{name}'.");

    private static ProblemHttpResult Unavailable(ScheduleEndpointOptions options, string detail) =>
        Problem(StatusCodes.Status503ServiceUnavailable, "Scheduler unavailable",
            $"No Scheduler answered within {options.RequestTimeout.TotalSeconds:0.#} s. {detail}");

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);

    /// <summary>The Scheduler's rule for cron names; anything else cannot exist, so it is not worth a round trip.</summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex PlausibleName();
}

/// <summary>Bound from <c>Schedules</c>.</summary>
public sealed class ScheduleEndpointOptions
{
    public const string Section = "Schedules";

    /// <summary>How long the schedule endpoints wait for a Scheduler replica to answer before answering 503.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = "Schedules:RequestTimeout must be between 00:00:01 and 00:05:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
