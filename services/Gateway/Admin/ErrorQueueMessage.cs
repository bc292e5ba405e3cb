using System.Globalization;
using System.Text;
using System.Text.Json;
using MassTransit;
using RabbitMQ.Client;

namespace Bus.Gateway.Admin;

/// <summary>Why MassTransit moved a message to the error queue, from the <c>MT-Fault-*</c> headers it adds.</summary>
public sealed record FaultDetails(
    string? ExceptionType,
    string? Message,
    string? StackTrace,
    DateTime? Timestamp,
    string? InputAddress,
    string? ConsumerType,
    int? RetryCount);

/// <summary>One message waiting in a task queue's error queue; <see cref="Message"/> is the command as sent.</summary>
public sealed record ErrorQueueMessage(
    string MessageId,
    Guid? TaskId,
    IReadOnlyList<string> MessageTypes,
    DateTime? SentTime,
    int? RedeliveryCount,
    FaultDetails Fault,
    JsonElement? Message)
{
    /// <summary>Headers MassTransit adds when it gives up on a message; a message moved back leaves them behind.</summary>
    public static bool IsFaultHeader(string name) =>
        (name.StartsWith("MT-Fault-", StringComparison.OrdinalIgnoreCase)
            // Where the sender wants faults reported: part of the original message, not of its failure.
            && !name.Equals(MessageHeaders.FaultAddress, StringComparison.OrdinalIgnoreCase))
        || name.StartsWith("MT-Host-", StringComparison.OrdinalIgnoreCase)
        || name.Equals(MessageHeaders.Reason, StringComparison.OrdinalIgnoreCase)
        // A redelivered message gets the queue's whole retry policy again, not just what was left of it.
        || name.Equals(MessageHeaders.RedeliveryCount, StringComparison.OrdinalIgnoreCase);

    /// <summary>The AMQP message id MassTransit sets (its MessageId); the envelope's <c>messageId</c> when a sender left it out.</summary>
    public static string? IdOf(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body) =>
        properties.MessageId is { Length: > 0 } id ? id : Envelope.Read(body)?.MessageId;

    public static ErrorQueueMessage From(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body)
    {
        var headers = properties.Headers ?? new Dictionary<string, object?>();
        var envelope = Envelope.Read(body);
        var fault = new FaultDetails(
            Text(headers, MessageHeaders.FaultExceptionType),
            Text(headers, MessageHeaders.FaultMessage),
            Text(headers, MessageHeaders.FaultStackTrace),
            Time(Text(headers, MessageHeaders.FaultTimestamp)),
            Text(headers, MessageHeaders.FaultInputAddress),
            Text(headers, MessageHeaders.FaultConsumerType),
            Number(Text(headers, MessageHeaders.FaultRetryCount)));
        return new ErrorQueueMessage(
            properties.MessageId is { Length: > 0 } id ? id : envelope?.MessageId ?? "",
            envelope?.TaskId,
            envelope?.MessageTypes ?? [],
            envelope?.SentTime,
            Number(Text(headers, MessageHeaders.RedeliveryCount)),
            fault,
            envelope?.Message);
    }

    /// <summary>AMQP header values arrive as bytes (strings), numbers or timestamps; all are shown as text.</summary>
    private static string? Text(IDictionary<string, object?> headers, string name) =>
        headers.TryGetValue(name, out var value)
            ? value switch
            {
                null => null,
                byte[] bytes => Encoding.UTF8.GetString(bytes),
                AmqpTimestamp timestamp => DateTimeOffset.FromUnixTimeSeconds(timestamp.UnixTime).UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString(),
            }
            : null;

    private static DateTime? Time(string? text) =>
        DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time) ? time : null;

    private static int? Number(string? text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : null;

    /// <summary>MassTransit's JSON envelope, read leniently: a message in an error queue may be anything a sender wrote.</summary>
    private sealed record Envelope(string? MessageId, Guid? TaskId, IReadOnlyList<string> MessageTypes, DateTime? SentTime, JsonElement? Message)
    {
        public static Envelope? Read(ReadOnlyMemory<byte> body)
        {
            try
            {
                using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                    return null;
                var message = Property(root, "message") is { ValueKind: JsonValueKind.Object } m ? m.Clone() : (JsonElement?)null;
                Guid? taskId = message is { } payload && Property(payload, "taskId") is { ValueKind: JsonValueKind.String } t && t.TryGetGuid(out var id) ? id : null;
                var types = Property(root, "messageType") is { ValueKind: JsonValueKind.Array } array
                    ? array.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList()
                    : [];
                DateTime? sent = Property(root, "sentTime") is { ValueKind: JsonValueKind.String } s && s.TryGetDateTime(out var time) ? time.ToUniversalTime() : null;
                var messageId = Property(root, "messageId") is { ValueKind: JsonValueKind.String } mid ? mid.GetString() : null;
                return new Envelope(messageId, taskId, types, sent, message);
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private static JsonElement? Property(JsonElement element, string name)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
                    return property.Value;
            }
            return null;
        }
    }
}
