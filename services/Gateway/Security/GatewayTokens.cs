using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Bus.Gateway.Security;

/// <summary>Bearer tokens signed with the configured <see cref="AuthOptions.SigningKey"/>: what the <c>token</c> command prints.</summary>
public static class GatewayTokens
{
    public static string Mint(AuthOptions options, string subject, IReadOnlyCollection<string> roles, TimeSpan lifetime, DateTime? now = null)
    {
        if (!options.HasSigningKey)
            throw new InvalidOperationException("Tokens can only be minted with Auth:SigningKey; with Auth:Authority, ask that provider for one.");
        var issuedAt = now ?? DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Issuer,
            Audience = options.Audience,
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = issuedAt + lifetime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(options.SigningKeyBytes), SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object>
            {
                [GatewayAuthentication.SubjectClaim] = subject,
                [GatewayAuthentication.RoleClaim] = roles.ToArray(),
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
            },
        });
    }
}
