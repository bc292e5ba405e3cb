namespace Bus.Gateway.Dashboard;

/// <summary>
/// <c>hash-password</c>: reads a password from standard input (kept out of the shell's history) and prints the hash to set
/// as <c>Dashboard:Users:NAME:PasswordHash</c>.
/// </summary>
public static class HashPasswordCommand
{
    public const string Name = "hash-password";

    public static int Execute(TextReader input, TextWriter output, TextWriter error)
    {
        var password = input.ReadLine();
        if (string.IsNullOrEmpty(password))
        {
            error.WriteLine("hash-password: give the password on standard input, e.g. read -rs P && echo \"$P\" | dotnet Bus.Gateway.dll hash-password");
            return 2;
        }
        output.WriteLine(DashboardPasswords.Hash(password));
        return 0;
    }
}
