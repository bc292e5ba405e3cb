using System.Runtime.CompilerServices;
using Bus.ServiceDefaults.Secrets;
using Microsoft.Extensions.Options;

namespace Bus.Tests;

/// <summary>
/// The encryption key every host started by these tests uses, in-process or as a child process: set once as the
/// environment variable the hosts' configuration reads, as scripts/lib/env.sh does for scripts/run.
/// </summary>
public static class TestSecrets
{
    public static string EncryptionKey { get; } = Environment.GetEnvironmentVariable("BUS_ENCRYPTION_KEY") is { Length: > 0 } key
        ? key
        : "ZGV2ZWxvcG1lbnQta2V5LWZvci1idXMtb25seS0zMmI=";

    public static SensitiveValueProtector Protector { get; } = new(Options.Create(new EncryptionOptions { Key = EncryptionKey }));

    [ModuleInitializer]
    internal static void UseTestEncryptionKey() => Environment.SetEnvironmentVariable("Encryption__Key", EncryptionKey);
}
