using System.ComponentModel.DataAnnotations;
using Bus.Gateway.Security;

namespace Bus.Gateway.Dashboard;

/// <summary>
/// Bound from <c>Dashboard</c>: who may sign in to <c>/dashboard</c> with a name and password, and for how long a
/// sign-in lasts. Without users the dashboard still works with a pasted bearer token.
/// </summary>
public sealed class DashboardOptions : IValidatableObject
{
    public const string Section = "Dashboard";

    /// <summary>By user name, e.g. <c>Dashboard__Users__alice__PasswordHash</c> and <c>Dashboard__Users__alice__Role</c>.</summary>
    public Dictionary<string, DashboardUser> Users { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How long the token a sign-in returns is valid.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "7.00:00:00", ErrorMessage = "Dashboard:SessionLifetime must be between 00:05:00 and 7.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, user) in Users)
        {
            if (!GatewayRoles.All.Contains(user.Role))
                yield return new ValidationResult($"Dashboard:Users:{name}:Role must be one of {string.Join(", ", GatewayRoles.All)}");
            var hasPassword = !string.IsNullOrEmpty(user.Password);
            var hasHash = !string.IsNullOrEmpty(user.PasswordHash);
            if (hasPassword == hasHash)
                yield return new ValidationResult($"Dashboard:Users:{name} needs exactly one of Password or PasswordHash");
            else if (hasHash && !DashboardPasswords.IsHash(user.PasswordHash!))
                yield return new ValidationResult($"Dashboard:Users:{name}:PasswordHash is not a hash printed by `Bus.Gateway hash-password`");
        }
    }
}

public sealed class DashboardUser
{
    /// <summary>A PBKDF2 hash from <c>dotnet Bus.Gateway.dll hash-password</c>; what deployments should set.</summary>
    public string? PasswordHash { get; set; }

    /// <summary>A plain password, compared in constant time: for development (scripts/run sets one).</summary>
    public string? Password { get; set; }

    public string Role { get; set; } = GatewayRoles.Viewer;
}
