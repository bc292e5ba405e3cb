using System.Security.Cryptography;
using System.Text.Json;
using Bus.Gateway.Tasks.Types;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Secrets;
using Microsoft.Extensions.Options;

namespace Bus.UnitTests.Secrets;

public sealed class SensitiveTaskDataTests
{
    private readonly SensitiveValueProtector _protector = new(Options.Create(new EncryptionOptions
    {
        Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
    }));

    [Fact]
    public void Declared_fields_are_protected_and_the_rest_is_kept()
    {
        var data = Json("""{"to":["a@example.com"],"template":"verify","variables":{"firstName":"Ada","verificationLink":"https://x/verify?t=TOPSECRET"}}""");

        var protectedData = Sensitive().Protect(new EmailNotificationTaskType(), data);

        var text = protectedData.GetRawText();
        Assert.DoesNotContain("TOPSECRET", text);
        Assert.Contains("\"firstName\":\"Ada\"", text);
        var link = protectedData.GetProperty("variables").GetProperty("verificationLink").GetString()!;
        Assert.Equal("https://x/verify?t=TOPSECRET", _protector.Reveal(link));
    }

    [Fact]
    public void Protecting_already_protected_data_changes_nothing()
    {
        var type = new EmailNotificationTaskType();
        var once = Sensitive().Protect(type, Json("""{"variables":{"verificationLink":"secret"}}"""));

        var twice = Sensitive().Protect(type, once);

        Assert.Equal(once.GetRawText(), twice.GetRawText());
    }

    [Fact]
    public void Wildcards_and_case_insensitive_names_reach_every_matching_value()
    {
        var type = new FakeType(["headers.authorization", "accounts.*.password"]);
        var data = Json("""{"headers":{"Authorization":"Bearer abc"},"accounts":[{"password":"first pass!"},{"password":"second pass!","user":"u"}]}""");

        var text = Sensitive().Protect(type, data).GetRawText();

        Assert.DoesNotContain("Bearer abc", text);
        // Spaces and '!' never occur in a ciphertext's base64, so a match can only be the plain value.
        Assert.DoesNotContain("first pass!", text);
        Assert.DoesNotContain("second pass!", text);
        Assert.Contains("\"user\":\"u\"", text);
    }

    [Fact]
    public void Redaction_replaces_every_protected_value_wherever_it_is()
    {
        var secret = _protector.Protect("secret");
        var json = Json($$$"""{"a":"{{{secret}}}","b":["x","{{{secret}}}"],"c":{"d":"{{{secret}}}","e":1}}""");

        var redacted = SensitiveTaskData.Redact(json).GetRawText();

        Assert.DoesNotContain(SensitiveValueProtector.Prefix, redacted);
        Assert.Equal("""{"a":"[redacted]","b":["x","[redacted]"],"c":{"d":"[redacted]","e":1}}""", redacted);
    }

    private SensitiveTaskData Sensitive() => new(_protector);

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private sealed class FakeType(IReadOnlyList<string> sensitive) : ITaskType
    {
        public TaskRoute Route => TaskRoutes.EmailNotification;
        public JsonElement Example => Json("{}");
        public IReadOnlyList<string> SensitiveFields => sensitive;
        public TaskCommandResult CreateCommand(Guid taskId, JsonElement data) => TaskCommandResult.Invalid(new Dictionary<string, string[]>());
    }
}
