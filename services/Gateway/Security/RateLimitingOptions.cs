using System.ComponentModel.DataAnnotations;

namespace Bus.Gateway.Security;

/// <summary>Bound from <c>RateLimiting</c>: requests per client (token subject, else remote address) per window, across every replica.</summary>
public sealed class RateLimitingOptions
{
    public const string Section = "RateLimiting";

    public bool Enabled { get; set; } = true;

    [Range(1, 1_000_000, ErrorMessage = "RateLimiting:PermitLimit must be between 1 and 1000000")]
    public int PermitLimit { get; set; } = 600;

    /// <summary>The limit for a token with the admin role (operators' tools poll more); unset = <see cref="PermitLimit"/>.</summary>
    [Range(1, 1_000_000, ErrorMessage = "RateLimiting:AdminPermitLimit must be between 1 and 1000000")]
    public int? AdminPermitLimit { get; set; } = 3000;

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "RateLimiting:Window must be between 00:00:01 and 01:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
