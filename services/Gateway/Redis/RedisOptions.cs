using System.ComponentModel.DataAnnotations;

namespace Bus.Gateway.Redis;

public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379</c> or <c>redis:6379,password=…,ssl=true</c>.</summary>
    [Required(ErrorMessage = "Redis:ConnectionString is required")]
    public string ConnectionString { get; set; } = "";

    /// <summary>Prefix of every key and channel the Gateway uses, so several deployments can share one Redis.</summary>
    [Required(ErrorMessage = "Redis:KeyPrefix is required")]
    public string KeyPrefix { get; set; } = "bus:";
}
