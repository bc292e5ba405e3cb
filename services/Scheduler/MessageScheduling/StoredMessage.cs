using System.Globalization;
using System.Text.Json;
using MassTransit;
using MassTransit.Context;
using MassTransit.Serialization;
using Quartz;

namespace Bus.Scheduler.MessageScheduling;

/// <summary>
/// A message to send later, as the Scheduler keeps it in a Quartz job's data (strings only): the payload exactly as
/// the sender serialized it, its message types, destination, ids, addresses, expiration and every header of the
/// ScheduleMessage it came in — which carries the scheduled message's own headers (MT-Redelivery-Count, custom ones).
/// </summary>
public sealed record StoredMessage(
    Uri Destination,
    string[] MessageTypes,
    string Body,
    Guid? TokenId,
    Guid? MessageId,
    Guid? CorrelationId,
    Guid? ConversationId,
    Guid? InitiatorId,
    Guid? RequestId,
    Uri? SourceAddress,
    Uri? ResponseAddress,
    Uri? FaultAddress,
    DateTime? ExpirationTime,
    string Headers,
    string? TransportProperties)
{
    private static class Keys
    {
        public const string Destination = "destination";
        public const string MessageTypes = "messageTypes";
        public const string Body = "body";
        public const string TokenId = "tokenId";
        public const string MessageId = "messageId";
        public const string CorrelationId = "correlationId";
        public const string ConversationId = "conversationId";
        public const string InitiatorId = "initiatorId";
        public const string RequestId = "requestId";
        public const string SourceAddress = "sourceAddress";
        public const string ResponseAddress = "responseAddress";
        public const string FaultAddress = "faultAddress";
        public const string ExpirationTime = "expirationTime";
        public const string Headers = "headers";
        public const string TransportProperties = "transportProperties";
    }

    /// <summary>
    /// What the scheduling context says about the message it carries. <paramref name="messageId"/> is null for
    /// recurring messages, which get a new id each time they fire.
    /// </summary>
    public static StoredMessage From(ConsumeContext context, object? payload, string[]? payloadType, Uri? destination, Guid? tokenId, Guid? messageId)
    {
        if (destination is null)
            throw new InvalidScheduleException("the scheduled message has no Destination");
        if (payloadType is not { Length: > 0 } || payloadType.Any(string.IsNullOrWhiteSpace))
            throw new InvalidScheduleException("the scheduled message has no PayloadType");
        var body = payload switch
        {
            JsonElement { ValueKind: JsonValueKind.Object } element => element.GetRawText(),
            null or JsonElement => throw new InvalidScheduleException("the scheduled message has no Payload object"),
            _ => JsonSerializer.Serialize(payload, SystemTextJsonMessageSerializer.Options),
        };

        return new StoredMessage(
            destination,
            payloadType,
            body,
            tokenId,
            messageId,
            context.CorrelationId,
            context.ConversationId,
            context.InitiatorId,
            context.RequestId,
            context.SourceAddress,
            context.ResponseAddress,
            context.FaultAddress,
            context.ExpirationTime,
            HeaderValues.Write(context.Headers.GetAll()),
            TransportPropertiesOf(context));
    }

    public JobDataMap ToJobData()
    {
        var data = new JobDataMap();
        data[Keys.Destination] = Destination.ToString();
        data[Keys.MessageTypes] = JsonSerializer.Serialize(MessageTypes);
        data[Keys.Body] = Body;
        data[Keys.Headers] = Headers;
        Put(data, Keys.TokenId, TokenId?.ToString("D"));
        Put(data, Keys.MessageId, MessageId?.ToString("D"));
        Put(data, Keys.CorrelationId, CorrelationId?.ToString("D"));
        Put(data, Keys.ConversationId, ConversationId?.ToString("D"));
        Put(data, Keys.InitiatorId, InitiatorId?.ToString("D"));
        Put(data, Keys.RequestId, RequestId?.ToString("D"));
        Put(data, Keys.SourceAddress, SourceAddress?.ToString());
        Put(data, Keys.ResponseAddress, ResponseAddress?.ToString());
        Put(data, Keys.FaultAddress, FaultAddress?.ToString());
        Put(data, Keys.ExpirationTime, ExpirationTime?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
        Put(data, Keys.TransportProperties, TransportProperties);
        return data;
    }

    public static StoredMessage FromJobData(JobDataMap data) =>
        new(
            new Uri(Required(data, Keys.Destination)),
            JsonSerializer.Deserialize<string[]>(Required(data, Keys.MessageTypes)) ?? [],
            Required(data, Keys.Body),
            GuidOf(data, Keys.TokenId),
            GuidOf(data, Keys.MessageId),
            GuidOf(data, Keys.CorrelationId),
            GuidOf(data, Keys.ConversationId),
            GuidOf(data, Keys.InitiatorId),
            GuidOf(data, Keys.RequestId),
            UriOf(data, Keys.SourceAddress),
            UriOf(data, Keys.ResponseAddress),
            UriOf(data, Keys.FaultAddress),
            Optional(data, Keys.ExpirationTime) is { } expiration
                ? DateTime.Parse(expiration, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)
                : null,
            Optional(data, Keys.Headers) ?? "{}",
            Optional(data, Keys.TransportProperties));

    /// <summary>
    /// RabbitMQ properties that belong to the message (priority, app id, type). Not its routing, which was the
    /// ScheduleMessage's, nor user id, which RabbitMQ checks against the Scheduler's own login.
    /// </summary>
    private static readonly string[] KeptTransportProperties = ["RMQ-Priority", "RMQ-AppId", "RMQ-Type"];

    private static string? TransportPropertiesOf(ConsumeContext context)
    {
        if (!context.ReceiveContext.TryGetPayload<TransportReceiveContext>(out var transport))
            return null;
        var properties = transport.GetTransportProperties()?
            .Where(p => KeptTransportProperties.Contains(p.Key))
            .ToDictionary(p => p.Key, p => p.Value);
        return properties is { Count: > 0 } ? HeaderValues.Write(properties) : null;
    }

    private static void Put(JobDataMap data, string key, string? value)
    {
        if (value is not null)
            data[key] = value;
    }

    private static string? Optional(JobDataMap data, string key) =>
        data.TryGetValue(key, out var value) && value is string text && text.Length > 0 ? text : null;

    private static string Required(JobDataMap data, string key) =>
        Optional(data, key) ?? throw new InvalidOperationException($"the scheduled message's job data has no {key}");

    private static Guid? GuidOf(JobDataMap data, string key) => Optional(data, key) is { } text ? Guid.Parse(text) : null;

    private static Uri? UriOf(JobDataMap data, string key) => Optional(data, key) is { } text ? new Uri(text) : null;
}

/// <summary>A ScheduleMessage that can never be delivered as it stands: not retried, it goes to <c>scheduler_error</c>.</summary>
public sealed class InvalidScheduleException(string message) : Exception(message);
