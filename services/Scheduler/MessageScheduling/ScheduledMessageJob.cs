using System.Text.Json;
using MassTransit;
using MassTransit.Context;
using MassTransit.Metadata;
using MassTransit.Serialization;
using Microsoft.Extensions.Options;
using Quartz;

namespace Bus.Scheduler.MessageScheduling;

/// <summary>
/// Fires a stored message: sends its original body under its original message types, ids, addresses and headers to
/// its destination, so that what arrives is what would have arrived without the Scheduler in between — plus
/// MT-Scheduling-TokenId. A send that fails or outlasts Scheduler:SendTimeout throws, and the trigger's retry policy
/// fires it again later.
/// </summary>
public sealed class ScheduledMessageJob(IBus bus, IOptions<SchedulerOptions> options, ILogger<ScheduledMessageJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var message = StoredMessage.FromJobData(context.MergedJobDataMap);

        if (message.ExpirationTime is { } expiration && expiration.ToUniversalTime() <= DateTime.UtcNow)
        {
            logger.LogWarning("Scheduled {MessageType} for {Destination} expired at {ExpirationTime} before it fired; not sent",
                message.MessageTypes[0], message.Destination, expiration);
            return;
        }

        using var sendTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        sendTimeout.CancelAfter(options.Value.SendTimeout);
        try
        {
            var endpoint = await bus.GetSendEndpoint(message.Destination);
            await endpoint.Send(new SerializedMessageBody(), new ForwardPipe(message, context), sendTimeout.Token);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogError(exception, "Scheduled {MessageType} for {Destination} could not be sent (retry {RetryAttempt}); it will be tried again",
                message.MessageTypes[0], message.Destination, context.RetryAttempt);
            throw new JobExecutionException($"sending the scheduled {message.MessageTypes[0]} to {message.Destination} failed", exception);
        }

        logger.LogDebug("Sent scheduled {MessageType} to {Destination}, {Lateness} ms after its time",
            message.MessageTypes[0], message.Destination, (DateTimeOffset.UtcNow - (context.ScheduledFireTimeUtc ?? context.FireTimeUtc)).TotalMilliseconds);
    }

    private sealed class ForwardPipe(StoredMessage message, IJobExecutionContext job) : IPipe<SendContext>
    {
        public Task Send(SendContext context)
        {
            context.MessageId = message.MessageId ?? NewId.NextGuid();
            context.CorrelationId = message.CorrelationId;
            context.ConversationId = message.ConversationId;
            context.InitiatorId = message.InitiatorId;
            context.RequestId = message.RequestId;
            context.SourceAddress = message.SourceAddress;
            context.ResponseAddress = message.ResponseAddress;
            context.FaultAddress = message.FaultAddress;
            if (message.ExpirationTime is { } expiration)
                context.TimeToLive = expiration.ToUniversalTime() - DateTime.UtcNow;

            foreach (var (key, value) in HeaderValues.Read(message.Headers))
                context.Headers.Set(key, value);
            if (message.TokenId is { } tokenId)
                context.Headers.Set(MessageHeaders.SchedulingTokenId, tokenId.ToString("D"));
            // As MassTransit's own Quartz scheduler stamps them: when it was due and when it went, however late.
            context.Headers.Set(MessageHeaders.Quartz.Scheduled, (job.ScheduledFireTimeUtc ?? job.FireTimeUtc).ToString("O"));
            context.Headers.Set(MessageHeaders.Quartz.Sent, job.FireTimeUtc.ToString("O"));
            // The job's key, not the trigger's: a firing recovered after a crash comes from a recovery trigger.
            if (ScheduleKeys.IsRecurring(job.JobDetail.Key))
            {
                context.Headers.Set(MessageHeaders.Quartz.ScheduleId, job.JobDetail.Key.Name);
                context.Headers.Set(MessageHeaders.Quartz.ScheduleGroup, ScheduleKeys.ScheduleGroupOf(job.JobDetail.Key));
            }

            if (message.TransportProperties is not null && context is TransportSendContext transport)
                transport.ReadPropertiesFrom(HeaderValues.Read(message.TransportProperties).ToDictionary());

            var envelope = new JsonMessageEnvelope
            {
                Message = JsonSerializer.Deserialize<JsonElement>(message.Body),
                MessageType = message.MessageTypes,
                SentTime = DateTime.UtcNow,
                Host = HostMetadataCache.Host,
            };
            context.Serializer = new SystemTextJsonBodyMessageSerializer(
                envelope, SystemTextJsonMessageSerializer.JsonContentType, SystemTextJsonMessageSerializer.Options, message.MessageTypes);
            return Task.CompletedTask;
        }

        public void Probe(ProbeContext context) => context.CreateScope("scheduledMessage");
    }
}
