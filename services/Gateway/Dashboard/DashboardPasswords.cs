using System.Security.Cryptography;
using System.Text;

namespace Bus.Gateway.Dashboard;

/// <summary>Checks dashboard passwords in constant time; hashes are <c>pbkdf2-sha256$iterations$salt$hash</c> (base64).</summary>
public static class DashboardPasswords
{
    private const string Scheme = "pbkdf2-sha256";
    private const int Iterations = 210_000;
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    /// <summary>A stand-in checked for unknown user names, so they take as long as wrong passwords.</summary>
    private static readonly string DecoyHash = Hash("decoy-password-for-unknown-users");

    public static string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(password, salt, Iterations, HashAlgorithmName.SHA256, HashBytes);
        return $"{Scheme}${Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    public static bool IsHash(string text) => Parse(text) is not null;

    /// <summary>True when <paramref name="password"/> is the user's; an unknown user (null) costs as much as a wrong password.</summary>
    public static bool Verify(DashboardUser? user, string password)
    {
        if (user?.Password is { Length: > 0 } plain)
            return CryptographicOperations.FixedTimeEquals(
                SHA256.HashData(Encoding.UTF8.GetBytes(password)), SHA256.HashData(Encoding.UTF8.GetBytes(plain)));
        var matches = VerifyHash(user?.PasswordHash ?? DecoyHash, password);
        return user is not null && matches;
    }

    private static bool VerifyHash(string stored, string password)
    {
        if (Parse(stored) is not var (iterations, salt, expected))
            return false;
        var actual = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    private static (int Iterations, byte[] Salt, byte[] Hash)? Parse(string text)
    {
        var parts = text.Split('$');
        if (parts is not [Scheme, var rounds, var salt, var hash]
            || !int.TryParse(rounds, out var iterations) || iterations is < 10_000 or > 10_000_000)
            return null;
        try
        {
            var saltBytes = Convert.FromBase64String(salt);
            var hashBytes = Convert.FromBase64String(hash);
            return saltBytes.Length >= 8 && hashBytes.Length >= 16 ? (iterations, saltBytes, hashBytes) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
