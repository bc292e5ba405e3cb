using System.ComponentModel.DataAnnotations;

namespace Bus.EmailService;

public enum SmtpSecurity
{
    None,
    StartTls,
    SslOnConnect,
    Auto,
}

/// <summary>The SMTP relay every e-mail goes through. Bound from <c>Smtp</c>, validated at start.</summary>
public sealed class SmtpOptions
{
    public const string Section = "Smtp";

    [Required(ErrorMessage = "Smtp:Host is required")]
    public string Host { get; set; } = "";

    [Range(1, 65535, ErrorMessage = "Smtp:Port must be a TCP port (1-65535)")]
    public int Port { get; set; } = 25;

    public SmtpSecurity Security { get; set; } = SmtpSecurity.Auto;

    /// <summary>Authenticates only when set.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    [Required(ErrorMessage = "Smtp:From is required")]
    public string From { get; set; } = "";

    public string? FromName { get; set; }

    /// <summary>Per network operation (connect, each command, the message body).</summary>
    [Range(1, 600, ErrorMessage = "Smtp:TimeoutSeconds must be between 1 and 600")]
    public int TimeoutSeconds { get; set; } = 30;
}
