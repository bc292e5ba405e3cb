extern alias integration;
using System.Security.Cryptography;
using System.Text.Json;
using Bus.Contracts.Integration;
using Bus.Contracts.Tasks;
using Bus.Gateway.Tasks.Types;
using Bus.Gateway.Tasks.Types.Integration;
using Bus.ServiceDefaults.Secrets;
using integration::Bus.IntegrationService;
using Microsoft.Extensions.Options;

namespace Bus.UnitTests.Integration;

public sealed class IntegrationTaskTypeTests
{
    private const string IssueBody = """{"endpoint":"https://api.example.com/webhook","method":"POST","headers":{"Authorization":"Bearer token"},"payload":{"action":"sync"}}""";

    private readonly SensitiveValueProtector _protector = new(Options.Create(new EncryptionOptions
    {
        Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
    }));

    [Fact]
    public void The_issue_body_becomes_a_partner_call()
    {
        var result = new ApiIntegrationTaskType().CreateCommand(Guid.NewGuid(), Json(IssueBody));

        var call = Assert.IsType<CallPartnerApi>(result.Command);
        Assert.Equal("https://api.example.com/webhook", call.Endpoint);
        Assert.Equal("POST", call.Method);
        Assert.Equal("Bearer token", call.Headers!["Authorization"]);
        Assert.Equal("""{"action":"sync"}""", call.Payload!.Value.GetRawText());
    }

    [Theory]
    [InlineData("""{"endpoint":"ftp://example.com/x"}""", "data.endpoint")]
    [InlineData("""{"endpoint":"/relative"}""", "data.endpoint")]
    [InlineData("""{"endpoint":"https://user:pass@example.com/"}""", "data.endpoint")]
    [InlineData("""{"endpoint":"https://example.com/","method":"TRACE"}""", "data.method")]
    [InlineData("""{"endpoint":"https://example.com/","method":"GET","payload":{"a":1}}""", "data.payload")]
    [InlineData("""{"endpoint":"https://example.com/","headers":{"Host":"internal"}}""", "data.headers.Host")]
    [InlineData("""{"endpoint":"https://example.com/","headers":{"Bad Name":"x"}}""", "data.headers.Bad Name")]
    [InlineData("""{"endpoint":"https://example.com/","headers":{"X-A":"a\r\nInjected: yes"}}""", "data.headers.X-A")]
    [InlineData("""{"endpoint":"https://example.com/","headers":{"X-A":{"nested":1}}}""", "data.headers.X-A")]
    [InlineData("""{"method":"POST"}""", "data.endpoint")]
    public void Malformed_partner_calls_are_refused_with_the_field(string data, string field)
    {
        var result = new ApiIntegrationTaskType().CreateCommand(Guid.NewGuid(), Json(data));

        Assert.False(result.IsValid);
        Assert.Contains(field, result.Errors.Keys);
    }

    [Fact]
    public void Credentials_in_headers_and_anywhere_in_the_payload_are_protected_and_the_rest_is_kept()
    {
        var data = Json("""
            {"endpoint":"https://api.example.com/","headers":{"Authorization":"Bearer bearer-token-value","X-Api-Key":"api-key-value","Content-Type":"application/json"},
             "payload":{"action":"sync","password":"password-value","account":{"client_secret":"client-secret-value","items":[{"access_token":"access-token-value"}],"name":"acme"}}}
            """);

        var protectedData = new SensitiveTaskData(_protector).Protect(new ApiIntegrationTaskType(), data);

        var text = protectedData.GetRawText();
        // Secrets long enough that the ciphertext (random base64url) cannot contain one by chance, as it could "PW".
        foreach (var secret in new[] { "bearer-token-value", "api-key-value", "password-value", "client-secret-value", "access-token-value" })
            Assert.DoesNotContain(secret, text);
        Assert.Contains("\"Content-Type\":\"application/json\"", text);
        Assert.Contains("\"action\":\"sync\"", text);
        Assert.Contains("\"name\":\"acme\"", text);
        Assert.Equal("Bearer bearer-token-value", _protector.Reveal(protectedData.GetProperty("headers").GetProperty("Authorization").GetString()!));
        Assert.DoesNotContain(SensitiveValueProtector.Prefix, SensitiveTaskData.Redact(protectedData).GetRawText());
        Assert.True(new ApiIntegrationTaskType().CreateCommand(Guid.NewGuid(), protectedData).IsValid);
    }

    [Theory]
    [InlineData("Authorization", true)]
    [InlineData("x-api-key", true)]
    [InlineData("Ocp-Apim-Subscription-Key", true)]
    [InlineData("access_token", true)]
    [InlineData("Cookie", true)]
    [InlineData("clientSecret", true)]
    [InlineData("Content-Type", false)]
    [InlineData("action", false)]
    [InlineData("Accept", false)]
    public void Credential_names_are_recognised(string name, bool credential) =>
        Assert.Equal(credential, SensitiveTaskData.NamesCredential(name));

    [Theory]
    [InlineData("""{"text":"Nightly report"}""", true)]
    [InlineData("""{"text":"hi","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"*hi*"}}]}""", true)]
    [InlineData("""{"blocks":[]}""", false)]
    [InlineData("""{"text":"hi","blocks":"nope"}""", false)]
    [InlineData("""{"text":"hi","channel":"#x"}""", false)]
    public void Slack_alerts_need_text_and_take_blocks(string data, bool valid) =>
        Assert.Equal(valid, new SlackAlertTaskType().CreateCommand(Guid.NewGuid(), Json(data)).IsValid);

    [Theory]
    [InlineData("""{"to":"+15551234567","message":"hi"}""", true)]
    [InlineData("""{"to":"15551234567","message":"hi"}""", false)]
    [InlineData("""{"to":"+1555abc","message":"hi"}""", false)]
    [InlineData("""{"to":"+15551234567"}""", false)]
    public void Sms_needs_an_E164_number_and_a_message(string data, bool valid) =>
        Assert.Equal(valid, new SmsNotificationTaskType().CreateCommand(Guid.NewGuid(), Json(data)).IsValid);

    [Fact]
    public void Sms_values_cannot_break_out_of_the_body_template()
    {
        var json = SmsProvider.Body(new SmsOptions(), "+15551234567", "say \"hi\"\n,\"to\":\"+1999\"");
        var form = SmsProvider.Body(new SmsOptions { BodyTemplate = "To={{to}}&Body={{message}}", ContentType = "application/x-www-form-urlencoded" }, "+15551234567", "a&To=+1999");

        var parsed = JsonDocument.Parse(json).RootElement;
        Assert.Equal("+15551234567", parsed.GetProperty("to").GetString());
        Assert.Equal("say \"hi\"\n,\"to\":\"+1999\"", parsed.GetProperty("message").GetString());
        Assert.Equal("To=%2B15551234567&Body=a%26To%3D%2B1999", form);
    }

    [Fact]
    public void A_failure_alert_names_the_task_its_type_queue_reason_and_link_and_keeps_one_id_per_failure()
    {
        var taskId = Guid.NewGuid();
        var failedAt = DateTime.UtcNow;
        var failure = new TaskDeadLettered(taskId, "api_integration", "integration", "Bus.IntegrationService.Outbound.PartnerRejectedException", "api.example.com answered 400", failedAt);

        var text = DeadLetterAlertConsumer.AlertText(failure, new SlackOptions { TaskLinkBase = "https://bus.example.com/tasks/" });

        Assert.Contains(taskId.ToString(), text);
        Assert.Contains("api_integration", text);
        Assert.Contains("`integration`", text);
        Assert.Contains("answered 400", text);
        Assert.Contains($"https://bus.example.com/tasks/{taskId}", text);
        Assert.Equal(DeadLetterAlertConsumer.AlertTaskId(taskId, failedAt), DeadLetterAlertConsumer.AlertTaskId(taskId, failedAt));
        Assert.NotEqual(DeadLetterAlertConsumer.AlertTaskId(taskId, failedAt), DeadLetterAlertConsumer.AlertTaskId(taskId, failedAt.AddSeconds(1)));
    }

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
