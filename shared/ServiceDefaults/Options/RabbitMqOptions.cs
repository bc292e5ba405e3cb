using System.ComponentModel.DataAnnotations;

namespace Bus.ServiceDefaults.Options;

public sealed class RabbitMqOptions
{
    public const string Section = "RabbitMq";

    [Required(ErrorMessage = "RabbitMq:Host is required")]
    public string Host { get; set; } = "";

    [Range(1, 65535, ErrorMessage = "RabbitMq:Port must be a TCP port (1-65535)")]
    public int Port { get; set; } = 5672;

    [Required(ErrorMessage = "RabbitMq:VirtualHost is required")]
    public string VirtualHost { get; set; } = "/";

    [Required(ErrorMessage = "RabbitMq:Username is required")]
    public string Username { get; set; } = "";

    [Required(ErrorMessage = "RabbitMq:Password is required")]
    public string Password { get; set; } = "";

    [Range(1, 65535, ErrorMessage = "RabbitMq:ManagementPort must be a TCP port (1-65535)")]
    public int ManagementPort { get; set; } = 15672;

    /// <summary>
    /// A plain AMQP connection to the same broker, for the few operations MassTransit's topology can't express (declaring
    /// queues with arguments before sending, error-queue administration). Short-lived: no automatic recovery.
    /// </summary>
    public RabbitMQ.Client.ConnectionFactory CreateConnectionFactory(string clientName) => new()
    {
        HostName = Host,
        Port = Port,
        VirtualHost = VirtualHost,
        UserName = Username,
        Password = Password,
        AutomaticRecoveryEnabled = false,
        RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
        ClientProvidedName = clientName,
    };
}
