using System.Globalization;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Bus.Tokens;

/// <summary>Who signs the Gateway's tokens and for whom: its <c>Auth:Issuer</c>, <c>Auth:Audience</c> and <c>Auth:SigningKey</c> bytes.</summary>
public sealed record TokenSigning(string Issuer, string Audience, byte[] SigningKey);

/// <summary>
/// The one token format the Gateway accepts with a shared HMAC key: minted by the Gateway's <c>token</c> command and by
/// <c>bus token</c>, so a development token from either is the same.
/// </summary>
public static class BusTokens
{
    public const string RoleClaim = "role";
    public const string SubjectClaim = "sub";
    public const int MinSigningKeyBytes = 32;
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(366);

    public static string Mint(TokenSigning signing, string subject, IReadOnlyCollection<string> roles, TimeSpan lifetime, DateTime? now = null)
    {
        var issuedAt = now ?? DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = signing.Issuer,
            Audience = signing.Audience,
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = issuedAt + lifetime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(signing.SigningKey), SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object>
            {
                [SubjectClaim] = subject,
                [RoleClaim] = roles.ToArray(),
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
            },
        });
    }

    /// <summary><c>8h</c>, <c>30m</c>, <c>7d</c>, <c>90s</c> or <c>hh:mm:ss</c>; null when it is none of those.</summary>
    public static TimeSpan? ParseLifetime(string text)
    {
        if (text.Length >= 2 && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && double.IsFinite(amount) && amount < 1e6)
        {
            switch (text[^1])
            {
                case 's': return TimeSpan.FromSeconds(amount);
                case 'm': return TimeSpan.FromMinutes(amount);
                case 'h': return TimeSpan.FromHours(amount);
                case 'd': return TimeSpan.FromDays(amount);
            }
        }
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) ? span : null;
    }
}

/// <summary>The roles a token's <c>role</c> claims may name.</summary>
public static class BusRoles
{
    /// <summary>Operations: schedules, queues, error queues, cleanup.</summary>
    public const string Admin = "admin";

    /// <summary>Submits, cancels and retries tasks, and reads.</summary>
    public const string Producer = "producer";

    /// <summary>Reads tasks, schedules and statistics.</summary>
    public const string Viewer = "viewer";

    public static readonly IReadOnlyList<string> All = [Admin, Producer, Viewer];
}
