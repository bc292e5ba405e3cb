using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Bus.ServiceDefaults.Secrets;

public static class SecretsExtensions
{
    /// <summary>For hosts that write or read task fields declared sensitive: the Gateway and the workers that use them.</summary>
    public static IHostApplicationBuilder AddSensitiveValueProtection(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<EncryptionOptions>(EncryptionOptions.Section);
        builder.Services.AddSingleton<SensitiveValueProtector>();
        return builder;
    }
}
