using Bus.Gateway.Dashboard;

namespace Bus.IntegrationTests.Dashboard;

/// <summary>The dashboard users every RunningSystem Gateway knows: an admin with a plain password, a viewer with a hash.</summary>
public static class DashboardUsers
{
    public const string Admin = "operator";
    public const string AdminPassword = "operator-password-for-tests";
    public const string Viewer = "watcher";
    public const string ViewerPassword = "watcher-password-for-tests";

    public static IReadOnlyDictionary<string, string> ProcessSettings { get; } = new Dictionary<string, string>
    {
        [$"Dashboard__Users__{Admin}__Password"] = AdminPassword,
        [$"Dashboard__Users__{Admin}__Role"] = "admin",
        [$"Dashboard__Users__{Viewer}__PasswordHash"] = DashboardPasswords.Hash(ViewerPassword),
        [$"Dashboard__Users__{Viewer}__Role"] = "viewer",
    };
}
