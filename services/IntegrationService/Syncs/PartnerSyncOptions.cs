using System.ComponentModel.DataAnnotations;

namespace Bus.IntegrationService.Syncs;

/// <summary>The partner endpoints the syncs read, bound from <c>Integration</c> (<c>Integration:Syncs:&lt;name&gt;</c>).</summary>
public sealed class PartnerSyncOptions
{
    public const string Section = "Integration";

    public Dictionary<string, PartnerSyncEndpoint> Syncs { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>
/// One partner's readings endpoint. Operator configuration, not task data: a task can never point a sync elsewhere,
/// so these calls skip the outbound address checks that guard <c>api_integration</c>.
/// </summary>
public sealed class PartnerSyncEndpoint
{
    /// <summary>Absolute http(s) URL answering <c>GET ?since=&amp;page=&amp;pageSize=</c> with a JSON array of readings.</summary>
    [Required]
    public string Url { get; set; } = "";

    /// <summary>The header that carries <see cref="AuthValue"/> (e.g. <c>Authorization</c> with <c>Bearer …</c>, or <c>X-Api-Key</c>).</summary>
    public string AuthHeader { get; set; } = "Authorization";

    /// <summary>A secret: set it from the environment (<c>Integration__Syncs__serpram__AuthValue</c>), never in a file.</summary>
    public string? AuthValue { get; set; }

    [Range(1, 10_000)]
    public int PageSize { get; set; } = 500;

    /// <summary>A run stops after this many pages and commits what it read; the next run continues from its watermark.</summary>
    [Range(1, 10_000)]
    public int MaxPages { get; set; } = 100;

    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A page larger than this fails the run.</summary>
    [Range(1024, 1L << 30)]
    public long MaxPageBytes { get; set; } = 16 << 20;

    /// <summary>Where the first run starts (no watermark yet); unset: everything the partner offers.</summary>
    public DateTimeOffset? InitialSince { get; set; }
}
