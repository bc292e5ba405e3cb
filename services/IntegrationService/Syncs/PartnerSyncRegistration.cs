using Bus.ServiceDefaults;

namespace Bus.IntegrationService.Syncs;

public static class PartnerSyncRegistration
{
    /// <summary>The options, HTTP client and store of <c>serpram_sync</c> and <c>ayt_sync</c>; their consumers are registered in AddBus.</summary>
    public static IHostApplicationBuilder AddPartnerSyncs(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<PartnerSyncOptions>(PartnerSyncOptions.Section)
            .Validate(o => o.Syncs.All(s => Uri.TryCreate(s.Value.Url, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"),
                "Integration:Syncs:<name>:Url must be an absolute http or https URL")
            .Validate(o => o.Syncs.All(s => s.Value.PageSize is >= 1 and <= 10_000 && s.Value.MaxPages is >= 1 and <= 10_000),
                "Integration:Syncs:<name>:PageSize and MaxPages must be from 1 to 10000")
            .Validate(o => o.Syncs.All(s => s.Value.Timeout > TimeSpan.Zero && s.Value.MaxPageBytes > 0),
                "Integration:Syncs:<name>:Timeout and MaxPageBytes must be positive");
        // Each page has its own deadline (the endpoint's Timeout); the client's own would cut a slow partner short.
        builder.Services.AddHttpClient(PartnerReadingsClient.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan);
        builder.Services.AddSingleton<PartnerReadingsClient>();
        builder.Services.AddSingleton<ReadingStore>();
        builder.Services.AddSingleton<PartnerSync>();
        return builder;
    }
}
