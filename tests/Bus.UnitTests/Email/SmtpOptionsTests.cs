extern alias email;

using email::Bus.EmailService;
using Bus.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Bus.UnitTests.Email;

public sealed class SmtpOptionsTests
{
    private static readonly Dictionary<string, string?> Valid = new()
    {
        ["RabbitMq:Host"] = "127.0.0.1",
        ["RabbitMq:Username"] = "bus",
        ["RabbitMq:Password"] = "bus",
        ["Postgres:ConnectionString"] = "Host=127.0.0.1;Database=bus",
        ["Smtp:Host"] = "127.0.0.1",
        ["Smtp:Port"] = "1025",
        ["Smtp:Security"] = "None",
        ["Smtp:From"] = "bus@localhost",
    };

    [Fact]
    public void Valid_settings_bind()
    {
        var smtp = Resolve(Valid);

        Assert.Equal(1025, smtp.Port);
        Assert.Equal(SmtpSecurity.None, smtp.Security);
        Assert.Equal(30, smtp.TimeoutSeconds);
    }

    [Theory]
    [InlineData("Smtp:Host", "", "Smtp:Host is required")]
    [InlineData("Smtp:From", "", "Smtp:From is required")]
    [InlineData("Smtp:From", "not an address", "Smtp:From must be an e-mail address")]
    [InlineData("Smtp:Port", "0", "Smtp:Port must be a TCP port")]
    [InlineData("Smtp:TimeoutSeconds", "0", "Smtp:TimeoutSeconds must be between 1 and 600")]
    [InlineData("Smtp:Password", "secret", "Smtp:Username is required when Smtp:Password is set")]
    public void Invalid_settings_fail_naming_the_setting(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?>(Valid) { [key] = value };

        var error = Assert.Throws<OptionsValidationException>(() => Resolve(settings));

        Assert.Contains(message, error.Message);
    }

    private static SmtpOptions Resolve(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddServiceDefaults();
        builder.AddEmailService();
        using var host = builder.Build();
        return host.Services.GetRequiredService<IOptions<SmtpOptions>>().Value;
    }
}
