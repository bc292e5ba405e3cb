using System.ComponentModel.DataAnnotations;

namespace Bus.Gateway.Live;

public sealed class LiveEventOptions
{
    public const string Section = "LiveEvents";

    /// <summary>Events one SSE client may fall behind by; past that it is sent <c>event: overflow</c> and disconnected.</summary>
    [Range(1, 100_000, ErrorMessage = "LiveEvents:SubscriberBufferSize must be between 1 and 100000")]
    public int SubscriberBufferSize { get; set; } = 256;

    /// <summary>How often an idle SSE stream sends a comment, so proxies and clients know it is alive.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = "LiveEvents:HeartbeatInterval must be between 00:00:01 and 00:05:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a new SSE request waits for this replica's Redis subscription before answering 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00", ErrorMessage = "LiveEvents:SubscribeTimeout must be between 00:00:00.100 and 00:01:00")]
    public TimeSpan SubscribeTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
