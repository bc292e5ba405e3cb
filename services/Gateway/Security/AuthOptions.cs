using System.ComponentModel.DataAnnotations;
using System.Text;
using Bus.Tokens;

namespace Bus.Gateway.Security;

/// <summary>
/// Bound from <c>Auth</c>: who issues the Gateway's bearer tokens and how their signature is checked — a shared
/// HMAC key (<see cref="SigningKey"/>) or an OpenID Connect provider's published keys (<see cref="Authority"/>), never both.
/// </summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string Section = "Auth";
    public const int MinSigningKeyBytes = BusTokens.MinSigningKeyBytes;

    /// <summary>The <c>iss</c> every token must carry.</summary>
    [Required(ErrorMessage = "Auth:Issuer is required")]
    public string Issuer { get; set; } = "";

    /// <summary>The <c>aud</c> every token must carry.</summary>
    [Required(ErrorMessage = "Auth:Audience is required")]
    public string Audience { get; set; } = "";

    /// <summary>Symmetric HMAC-SHA256 key (its UTF-8 bytes, at least 32); from a secret store, never from appsettings.json.</summary>
    public string? SigningKey { get; set; }

    /// <summary>An OpenID Connect provider (e.g. <c>https://login.example.com/realms/bus</c>); its signing keys come from its metadata.</summary>
    public string? Authority { get; set; }

    /// <summary>With <see cref="Authority"/>: refuse metadata over plain HTTP (turn off only for a provider on loopback).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Leeway for clocks that disagree when checking <c>exp</c> and <c>nbf</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00", ErrorMessage = "Auth:ClockSkew must be between 00:00:00 and 00:05:00")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    public bool HasSigningKey => !string.IsNullOrWhiteSpace(SigningKey);

    public bool HasAuthority => !string.IsNullOrWhiteSpace(Authority);

    public byte[] SigningKeyBytes => Encoding.UTF8.GetBytes(SigningKey ?? "");

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (HasSigningKey == HasAuthority)
        {
            yield return new ValidationResult(
                "Set exactly one of Auth:SigningKey (a shared HMAC key) or Auth:Authority (an OpenID Connect provider)",
                [nameof(SigningKey), nameof(Authority)]);
        }
        else if (HasSigningKey && SigningKeyBytes.Length < MinSigningKeyBytes)
        {
            yield return new ValidationResult(
                $"Auth:SigningKey must be at least {MinSigningKeyBytes} bytes (UTF-8); it is {SigningKeyBytes.Length}", [nameof(SigningKey)]);
        }
        else if (HasAuthority && !Uri.TryCreate(Authority, UriKind.Absolute, out _))
        {
            yield return new ValidationResult("Auth:Authority must be an absolute URL", [nameof(Authority)]);
        }
        else if (HasAuthority && RequireHttpsMetadata && !Authority!.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            yield return new ValidationResult("Auth:Authority must use https (set Auth:RequireHttpsMetadata false only for a provider on loopback)", [nameof(Authority)]);
        }
    }
}
