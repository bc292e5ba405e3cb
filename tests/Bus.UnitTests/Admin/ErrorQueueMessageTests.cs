using System.Text;
using Bus.Gateway.Admin;
using RabbitMQ.Client;

namespace Bus.UnitTests.Admin;

public sealed class ErrorQueueMessageTests
{
    private static readonly Guid TaskId = Guid.Parse("4a1b8a4e-2f0c-4f7e-9d61-7a3c9c1d2e55");
    private const string MessageId = "0d2c0000-5a1b-0015-2b6f-08de2c3f8a11";

    private static readonly byte[] Envelope = Encoding.UTF8.GetBytes($$$"""
        {"messageId":"{{{MessageId}}}","messageType":["urn:message:Bus.Contracts.Email:SendEmail","urn:message:Bus.Contracts.Tasks:ITaskCommand"],
         "sentTime":"2026-11-25T16:00:00.5Z","message":{"taskId":"{{{TaskId}}}","to":["a@example.com"],"subject":"s"}}
        """);

    [Fact]
    public void The_fault_headers_and_the_envelope_are_read_into_the_message()
    {
        var properties = new BasicProperties
        {
            MessageId = MessageId,
            Headers = new Dictionary<string, object?>
            {
                ["MT-Fault-ExceptionType"] = Bytes("System.Net.Sockets.SocketException"),
                ["MT-Fault-Message"] = Bytes("Connection refused"),
                ["MT-Fault-StackTrace"] = Bytes("   at Smtp.Connect()"),
                ["MT-Fault-Timestamp"] = Bytes("2026-11-25T16:00:03.25Z"),
                ["MT-Fault-InputAddress"] = Bytes("rabbitmq://127.0.0.1/email"),
                ["MT-Fault-ConsumerType"] = Bytes("Bus.EmailService.SendEmailConsumer"),
                ["MT-Fault-RetryCount"] = 1,
                ["MT-Redelivery-Count"] = 2,
                ["MT-Reason"] = Bytes("fault"),
            },
        };

        var message = ErrorQueueMessage.From(properties, Envelope);

        Assert.Equal(MessageId, message.MessageId);
        Assert.Equal(TaskId, message.TaskId);
        Assert.Equal("urn:message:Bus.Contracts.Email:SendEmail", message.MessageTypes[0]);
        Assert.Equal(new DateTime(2026, 11, 25, 16, 0, 0, 500, DateTimeKind.Utc), message.SentTime);
        Assert.Equal(2, message.RedeliveryCount);
        Assert.Equal("System.Net.Sockets.SocketException", message.Fault.ExceptionType);
        Assert.Equal("Connection refused", message.Fault.Message);
        Assert.Equal("   at Smtp.Connect()", message.Fault.StackTrace);
        Assert.Equal(new DateTime(2026, 11, 25, 16, 0, 3, 250, DateTimeKind.Utc), message.Fault.Timestamp);
        Assert.Equal(DateTimeKind.Utc, message.Fault.Timestamp!.Value.Kind);
        Assert.Equal("rabbitmq://127.0.0.1/email", message.Fault.InputAddress);
        Assert.Equal("Bus.EmailService.SendEmailConsumer", message.Fault.ConsumerType);
        Assert.Equal(1, message.Fault.RetryCount);
        Assert.Equal("s", message.Message!.Value.GetProperty("subject").GetString());
    }

    [Fact]
    public void A_body_that_is_not_an_envelope_is_still_listed_by_its_amqp_id_without_task_or_message()
    {
        var properties = new BasicProperties { MessageId = MessageId };

        var message = ErrorQueueMessage.From(properties, Encoding.UTF8.GetBytes("not json {"));

        Assert.Equal(MessageId, message.MessageId);
        Assert.Null(message.TaskId);
        Assert.Null(message.Message);
        Assert.Empty(message.MessageTypes);
        Assert.Null(message.Fault.ExceptionType);
    }

    [Fact]
    public void Without_an_amqp_message_id_the_envelopes_id_identifies_the_message()
    {
        Assert.Equal(MessageId, ErrorQueueMessage.IdOf(new BasicProperties(), Envelope));
        Assert.Null(ErrorQueueMessage.IdOf(new BasicProperties(), Encoding.UTF8.GetBytes("[]")));
    }

    [Theory]
    [InlineData("MT-Fault-ExceptionType", true)]
    [InlineData("MT-Fault-StackTrace", true)]
    [InlineData("MT-Reason", true)]
    [InlineData("MT-Host-MachineName", true)]
    [InlineData("MT-Redelivery-Count", true)]
    [InlineData("MT-Activity-Id", false)]
    [InlineData("Content-Type", false)]
    [InlineData("MT-Fault-Address", false)]
    public void Only_the_headers_added_on_failure_are_left_behind_on_redelivery(string header, bool removed) =>
        Assert.Equal(removed, ErrorQueueMessage.IsFaultHeader(header));

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
