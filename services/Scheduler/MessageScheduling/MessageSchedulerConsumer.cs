using Bus.Scheduler.Persistence;
using MassTransit;
using MassTransit.Scheduling;
using Microsoft.Extensions.Options;
using Quartz;

namespace Bus.Scheduler.MessageScheduling;

/// <summary>
/// The bus's message scheduler: MassTransit's own scheduling contracts, kept as Quartz jobs in PostgreSQL so that
/// they fire once across the cluster and survive every replica restarting. Consumed one message at a time by one
/// replica (queue <c>scheduler</c>, single active consumer), so a cancel is never applied before an earlier schedule.
/// </summary>
public sealed class MessageSchedulerConsumer(
    ISchedulerFactory schedulers,
    CancelledTokens cancelledTokens,
    IOptions<SchedulerOptions> options,
    ILogger<MessageSchedulerConsumer> logger) :
    IConsumer<ScheduleMessage>,
    IConsumer<CancelScheduledMessage>,
    IConsumer<ScheduleRecurringMessage>,
    IConsumer<CancelScheduledRecurringMessage>,
    IConsumer<PauseScheduledRecurringMessage>,
    IConsumer<ResumeScheduledRecurringMessage>
{
    public async Task Consume(ConsumeContext<ScheduleMessage> context)
    {
        var request = context.Message;
        var tokenId = request.CorrelationId;
        if (tokenId == Guid.Empty)
            throw new InvalidScheduleException("ScheduleMessage has no CorrelationId (scheduling token)");
        var message = StoredMessage.From(context, request.Payload, request.PayloadType, request.Destination, tokenId, context.MessageId);

        if (await cancelledTokens.ForgetAsync(tokenId, context.CancellationToken))
        {
            logger.LogInformation("Scheduled {MessageType} {TokenId} was cancelled before it arrived; not scheduled", message.MessageTypes[0], tokenId);
            return;
        }

        var job = JobFor(ScheduleKeys.ForMessage(tokenId), message);
        var trigger = TriggerBuilder.Create()
            .WithIdentity(ScheduleKeys.TriggerForMessage(tokenId))
            .ForJob(job)
            // Already due (sent for a past time, or waited in the queue while no replica ran): now. A start time
            // further back than the misfire threshold would wait for Quartz's misfire sweep instead.
            .StartAt(Later(AsUtc(request.ScheduledTime), DateTimeOffset.UtcNow))
            // Due while no replica ran: sent as soon as one does, late rather than never.
            .WithSchedule(SimpleScheduleBuilder.Create().WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
            .WithRetryPolicy(options.Value.SendRetryPolicy())
            .Build();

        var scheduler = await schedulers.GetScheduler(context.CancellationToken);
        // Replace: the same ScheduleMessage delivered again (its ack was lost) leaves one job, not a failure.
        await scheduler.ScheduleJob(job, new[] { trigger }, new ScheduleJobOptions { Replace = true }, context.CancellationToken);
        logger.LogDebug("Scheduled {MessageType} {TokenId} for {Destination} at {ScheduledTime:O}",
            message.MessageTypes[0], tokenId, message.Destination, request.ScheduledTime);
    }

    public async Task Consume(ConsumeContext<CancelScheduledMessage> context)
    {
        var tokenId = context.Message.TokenId;
        var scheduler = await schedulers.GetScheduler(context.CancellationToken);
        if (await scheduler.DeleteJob(ScheduleKeys.ForMessage(tokenId), context.CancellationToken))
        {
            logger.LogDebug("Cancelled scheduled message {TokenId}", tokenId);
            return;
        }

        // Already sent, or not here yet: remember it, so that a ScheduleMessage arriving after its cancel is dropped.
        await cancelledTokens.RememberAsync(tokenId, context.CancellationToken);
        logger.LogDebug("Cancel for scheduled message {TokenId} found nothing scheduled; remembered", tokenId);
    }

    public async Task Consume(ConsumeContext<ScheduleRecurringMessage> context)
    {
        var request = context.Message;
        var schedule = request.Schedule ?? throw new InvalidScheduleException("ScheduleRecurringMessage has no Schedule");
        if (string.IsNullOrWhiteSpace(schedule.ScheduleId))
            throw new InvalidScheduleException("ScheduleRecurringMessage has no Schedule.ScheduleId");
        var cron = CronOf(schedule);
        var timeZone = TimeZoneOf(schedule);

        var message = StoredMessage.From(context, request.Payload, request.PayloadType, request.Destination, request.CorrelationId, messageId: null);
        var job = JobFor(ScheduleKeys.ForRecurring(schedule.ScheduleId, schedule.ScheduleGroup), message, schedule.Description);
        var trigger = TriggerBuilder.Create()
            .WithIdentity(ScheduleKeys.TriggerForRecurring(schedule.ScheduleId, schedule.ScheduleGroup))
            .ForJob(job)
            .WithDescription(schedule.Description)
            .StartAt(schedule.StartTime)
            .EndAt(schedule.EndTime)
            .WithSchedule(CronScheduleBuilder.Create(cron).InTimeZone(timeZone).WithMisfireInstruction(schedule.MisfirePolicy switch
            {
                MissedEventPolicy.Skip => CronTriggerMisfireInstruction.DoNothing,
                MissedEventPolicy.Send => CronTriggerMisfireInstruction.FireAndProceed,
                _ => CronTriggerMisfireInstruction.SmartPolicy,
            }))
            .WithRetryPolicy(options.Value.SendRetryPolicy())
            .Build();

        var scheduler = await schedulers.GetScheduler(context.CancellationToken);
        await scheduler.ScheduleJob(job, new[] { trigger }, new ScheduleJobOptions { Replace = true }, context.CancellationToken);
        logger.LogInformation("Recurring {MessageType} {ScheduleGroup}/{ScheduleId} for {Destination}: '{Cron}' ({TimeZone})",
            message.MessageTypes[0], schedule.ScheduleGroup, schedule.ScheduleId, message.Destination, schedule.CronExpression, timeZone.Id);
    }

    public async Task Consume(ConsumeContext<CancelScheduledRecurringMessage> context)
    {
        var scheduler = await schedulers.GetScheduler(context.CancellationToken);
        var deleted = await scheduler.DeleteJob(ScheduleKeys.ForRecurring(context.Message.ScheduleId, context.Message.ScheduleGroup), context.CancellationToken);
        logger.LogInformation("Cancel recurring {ScheduleGroup}/{ScheduleId}: {Outcome}",
            context.Message.ScheduleGroup, context.Message.ScheduleId, deleted ? "cancelled" : "nothing scheduled");
    }

    public async Task Consume(ConsumeContext<PauseScheduledRecurringMessage> context)
    {
        var scheduler = await schedulers.GetScheduler(context.CancellationToken);
        await scheduler.PauseJob(ScheduleKeys.ForRecurring(context.Message.ScheduleId, context.Message.ScheduleGroup), context.CancellationToken);
        logger.LogInformation("Paused recurring {ScheduleGroup}/{ScheduleId}", context.Message.ScheduleGroup, context.Message.ScheduleId);
    }

    public async Task Consume(ConsumeContext<ResumeScheduledRecurringMessage> context)
    {
        var scheduler = await schedulers.GetScheduler(context.CancellationToken);
        await scheduler.ResumeJob(ScheduleKeys.ForRecurring(context.Message.ScheduleId, context.Message.ScheduleGroup), context.CancellationToken);
        logger.LogInformation("Resumed recurring {ScheduleGroup}/{ScheduleId}", context.Message.ScheduleGroup, context.Message.ScheduleId);
    }

    /// <summary>One job per message, removed with its trigger; recovered on another replica if this one dies mid-send.</summary>
    private static IJobDetail JobFor(JobKey key, StoredMessage message, string? description = null) =>
        JobBuilder.Create<ScheduledMessageJob>()
            .WithIdentity(key)
            .WithDescription(description ?? $"{message.MessageTypes[0]} to {message.Destination}")
            .RequestRecovery()
            .StoreDurably(false)
            .UsingJobData(message.ToJobData())
            .Build();

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset AsUtc(DateTime time) => time.Kind switch
    {
        DateTimeKind.Local => time.ToUniversalTime(),
        DateTimeKind.Unspecified => DateTime.SpecifyKind(time, DateTimeKind.Utc),
        _ => time,
    };

    private static CronExpression CronOf(RecurringSchedule schedule)
    {
        try
        {
            return CronExpression.Parse(schedule.CronExpression);
        }
        catch (FormatException exception)
        {
            throw new InvalidScheduleException($"ScheduleRecurringMessage {schedule.ScheduleId} has an invalid cron expression '{schedule.CronExpression}': {exception.Message}");
        }
    }

    /// <summary>The sender's time zone, or UTC: every replica must read the same cron the same way, whatever its machine's zone.</summary>
    private static TimeZoneInfo TimeZoneOf(RecurringSchedule schedule)
    {
        if (string.IsNullOrWhiteSpace(schedule.TimeZoneId))
            return TimeZoneInfo.Utc;
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(schedule.TimeZoneId);
        }
        catch (TimeZoneNotFoundException)
        {
            throw new InvalidScheduleException($"ScheduleRecurringMessage {schedule.ScheduleId} has an unknown time zone '{schedule.TimeZoneId}'");
        }
    }
}
