namespace Bus.Contracts.Email;

/// <summary>The templates EmailService renders, and the variables each one needs.</summary>
public static class EmailTemplates
{
    public const string Verify = "verify";
    public const string Welcome = "welcome";

    public static IReadOnlyDictionary<string, string[]> RequiredVariables { get; } = new Dictionary<string, string[]>
    {
        [Verify] = ["firstName", "verificationLink"],
        [Welcome] = ["firstName"],
    };
}
