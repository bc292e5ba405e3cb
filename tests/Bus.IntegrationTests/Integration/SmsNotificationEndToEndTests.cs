using System.Text.Json;

namespace Bus.IntegrationTests.Integration;

/// <summary><c>sms_notification</c> through the configured HTTP SMS provider.</summary>
[Collection(IntegrationSystemCollection.Name)]
public sealed class SmsNotificationEndToEndTests(IntegrationSystem system)
{
    [Fact]
    public async Task An_sms_is_posted_to_the_provider_from_the_body_template_with_its_credential()
    {
        system.ConfiguredPartner.Script(IntegrationSystem.SmsPath, new PartnerReply(202, """{"sid":"SM1"}"""));
        var message = $"Your code is {Random.Shared.Next(100000, 999999)} \"quoted\"";

        var taskId = await system.SubmitAsync("sms_notification", new { to = "+15551234567", message });

        var task = await system.WaitForAsync(taskId, "Completed");
        var request = Assert.Single(system.ConfiguredPartner.ReceivedAt(IntegrationSystem.SmsPath), r => r.Body.Contains(message.Split(' ')[3]));
        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal("+15551234567", body.GetProperty("to").GetString());
        Assert.Equal(message, body.GetProperty("message").GetString());
        Assert.Equal(IntegrationSystem.SmsCredential, request.Headers["Authorization"]);
        Assert.Equal(202, task.GetProperty("result").GetProperty("statusCode").GetInt32());
        Assert.DoesNotContain(IntegrationSystem.SmsCredential, system.Logs());
    }

    [Fact]
    public async Task A_number_the_provider_rejects_fails_the_task_without_a_retry()
    {
        system.ConfiguredPartner.Script(IntegrationSystem.SmsPath, new PartnerReply(400, """{"error":"unroutable number"}"""));
        try
        {
            var taskId = await system.SubmitAsync("sms_notification", new { to = "+15550000000", message = "hi" });

            var task = await system.WaitForAsync(taskId, "Failed");
            Assert.Contains("unroutable number", task.GetProperty("error").GetProperty("message").GetString());
            Assert.Equal(1, task.GetProperty("attempts").GetInt32());
        }
        finally
        {
            system.ConfiguredPartner.Script(IntegrationSystem.SmsPath, new PartnerReply(202));
        }
    }
}
