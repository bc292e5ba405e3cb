using System.Security.Cryptography;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Secrets;
using Microsoft.Extensions.Options;

namespace Bus.UnitTests.Secrets;

public sealed class SensitiveValueProtectorTests
{
    private static readonly string KeyA = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string KeyB = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void A_protected_value_reveals_to_the_original_and_does_not_contain_it()
    {
        var protector = Protector("k1", KeyA);

        var protectedValue = protector.Protect("https://example.com/verify?token=s3cret-token");

        Assert.StartsWith("enc:v1:k1:", protectedValue);
        Assert.DoesNotContain("s3cret-token", protectedValue);
        Assert.Equal("https://example.com/verify?token=s3cret-token", protector.Reveal(protectedValue));
    }

    [Fact]
    public void Protecting_twice_gives_different_ciphertexts_and_protecting_a_protected_value_keeps_it()
    {
        var protector = Protector("k1", KeyA);

        var first = protector.Protect("secret");
        var second = protector.Protect("secret");

        Assert.NotEqual(first, second);
        Assert.Equal(first, protector.Protect(first));
    }

    [Fact]
    public void A_value_that_was_never_protected_is_revealed_as_it_is() =>
        Assert.Equal("plain", Protector("k1", KeyA).Reveal("plain"));

    [Fact]
    public void An_altered_value_is_a_permanent_failure()
    {
        var protector = Protector("k1", KeyA);
        var value = protector.Protect("secret");
        var altered = value[..^3] + (value[^3] == 'A' ? 'B' : 'A') + value[^2..];

        Assert.Throws<PermanentTaskException>(() => protector.Reveal(altered));
    }

    [Fact]
    public void A_value_relabelled_to_another_key_id_does_not_verify()
    {
        var writer = Protector("k1", KeyA);
        var reader = Protector("k2", KeyA, ("k1", KeyA));
        var relabelled = writer.Protect("secret").Replace("enc:v1:k1:", "enc:v1:k2:");

        Assert.Throws<PermanentTaskException>(() => reader.Reveal(relabelled));
    }

    [Fact]
    public void A_retired_key_still_reveals_what_it_protected()
    {
        var old = Protector("k1", KeyA).Protect("secret");
        var rotated = Protector("k2", KeyB, ("k1", KeyA));

        Assert.Equal("secret", rotated.Reveal(old));
        Assert.StartsWith("enc:v1:k2:", rotated.Protect("secret"));
    }

    [Fact]
    public void A_value_under_an_unknown_key_is_a_permanent_failure()
    {
        var value = Protector("k1", KeyA).Protect("secret");

        var error = Assert.Throws<PermanentTaskException>(() => Protector("k2", KeyB).Reveal(value));
        Assert.Contains("'k1'", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("c2hvcnQ=")]
    public void A_key_that_is_not_32_base64_bytes_is_refused(string key)
    {
        var options = new EncryptionOptions { Key = key };
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();

        var valid = System.ComponentModel.DataAnnotations.Validator.TryValidateObject(
            options, new System.ComponentModel.DataAnnotations.ValidationContext(options), results, validateAllProperties: true);

        Assert.False(valid);
    }

    private static SensitiveValueProtector Protector(string keyId, string key, params (string Id, string Key)[] retired) =>
        new(Options.Create(new EncryptionOptions
        {
            KeyId = keyId,
            Key = key,
            RetiredKeys = retired.ToDictionary(r => r.Id, r => r.Key),
        }));
}
