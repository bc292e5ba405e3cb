using Bus.Tokens;

namespace Bus.Gateway.Security;

/// <summary>Bearer tokens signed with the configured <see cref="AuthOptions.SigningKey"/>: what the <c>token</c> command prints.</summary>
public static class GatewayTokens
{
    public static string Mint(AuthOptions options, string subject, IReadOnlyCollection<string> roles, TimeSpan lifetime, DateTime? now = null)
    {
        if (!options.HasSigningKey)
            throw new InvalidOperationException("Tokens can only be minted with Auth:SigningKey; with Auth:Authority, ask that provider for one.");
        return BusTokens.Mint(new TokenSigning(options.Issuer, options.Audience, options.SigningKeyBytes), subject, roles, lifetime, now);
    }
}
