using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace Bus.ServiceDefaults.Secrets;

/// <summary>The AES-256-GCM key that protects task fields declared sensitive, in messages and at rest.</summary>
public sealed partial class EncryptionOptions : IValidatableObject
{
    public const string Section = "Encryption";

    /// <summary>Base64 of 32 random bytes (<c>openssl rand -base64 32</c>).</summary>
    [Required(ErrorMessage = "Encryption:Key is required (base64 of 32 random bytes, e.g. `openssl rand -base64 32`)")]
    public string Key { get; set; } = "";

    /// <summary>Written into every protected value, so a rotated-out key can still reveal what it protected.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9_-]{1,16}$", ErrorMessage = "Encryption:KeyId must be 1-16 letters, digits, '_' or '-'")]
    public string KeyId { get; set; } = "k1";

    /// <summary>Earlier keys by id: still read, never written.</summary>
    public Dictionary<string, string> RetiredKeys { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Key.Length > 0 && !IsKey(Key))
            yield return new ValidationResult("Encryption:Key must be base64 of exactly 32 bytes", [nameof(Key)]);
        foreach (var (id, key) in RetiredKeys)
        {
            if (!KeyIdPattern().IsMatch(id) || !IsKey(key))
                yield return new ValidationResult($"Encryption:RetiredKeys:{id} must be base64 of exactly 32 bytes under a valid key id", [nameof(RetiredKeys)]);
            if (id == KeyId)
                yield return new ValidationResult($"Encryption:RetiredKeys must not contain the active KeyId '{id}'", [nameof(RetiredKeys)]);
        }
    }

    internal static bool IsKey(string base64)
    {
        Span<byte> bytes = stackalloc byte[48];
        return Convert.TryFromBase64String(base64, bytes, out var length) && length == 32;
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,16}$")]
    private static partial Regex KeyIdPattern();
}
