using System.Collections.Concurrent;
using System.Globalization;
using Bus.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bus.IntegrationTests.SyncsAndReminders;

public sealed record FakeReading(string Id, string StationId, DateTimeOffset MeasuredAt, decimal Value, string? Unit = "ug/m3");

/// <summary>
/// A partner's readings API on loopback (a real Kestrel server): <c>GET /{source}/readings?since=&amp;page=&amp;pageSize=</c>
/// answers the readings measured at or after <c>since</c>, oldest first, one page at a time — or, on the page a test
/// names, a 500 or a malformed row.
/// </summary>
public sealed class FakePartner : IAsyncDisposable
{
    public const string ApiKey = "partner-secret-key";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Feed> _feeds = new();

    private FakePartner(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public string UrlOf(string source) => $"http://127.0.0.1:{Port}/{source}/readings";

    public Feed this[string source] => _feeds.GetOrAdd(source, _ => new Feed());

    public static async Task<FakePartner> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var partner = new FakePartner(app, port);
        app.MapGet("/{source}/readings", (string source, HttpRequest request) => partner[source].Answer(request));
        await app.StartAsync();
        return partner;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public sealed class Feed
    {
        private readonly object _gate = new();
        private readonly List<FakeReading> _readings = [];
        private readonly List<string> _requests = [];

        /// <summary>This page answers 500 (null: none).</summary>
        public int? FailingPage { get; set; }

        /// <summary>On this page the last row has no <c>measuredAt</c> (null: none).</summary>
        public int? MalformedPage { get; set; }

        /// <summary>Each request's query string, and whether it carried the API key.</summary>
        public IReadOnlyList<string> Requests
        {
            get { lock (_gate) return [.. _requests]; }
        }

        public void Add(params FakeReading[] readings)
        {
            lock (_gate)
            {
                foreach (var reading in readings)
                {
                    _readings.RemoveAll(r => r.Id == reading.Id);
                    _readings.Add(reading);
                }
            }
        }

        internal IResult Answer(HttpRequest request)
        {
            var authorized = request.Headers["X-Api-Key"] == ApiKey;
            lock (_gate)
                _requests.Add($"{request.QueryString}{(authorized ? "" : " (no key)")}");
            if (!authorized)
                return Results.StatusCode(StatusCodes.Status401Unauthorized);

            var page = int.Parse(request.Query["page"]!, CultureInfo.InvariantCulture);
            var pageSize = int.Parse(request.Query["pageSize"]!, CultureInfo.InvariantCulture);
            if (page == FailingPage)
                return Results.StatusCode(StatusCodes.Status500InternalServerError);
            var since = request.Query.TryGetValue("since", out var text)
                ? DateTimeOffset.Parse(text!, CultureInfo.InvariantCulture)
                : DateTimeOffset.MinValue;
            List<FakeReading> rows;
            lock (_gate)
                rows = [.. _readings.Where(r => r.MeasuredAt >= since).OrderBy(r => r.MeasuredAt).ThenBy(r => r.Id, StringComparer.Ordinal)
                    .Skip((page - 1) * pageSize).Take(pageSize)];
            var body = rows.Select((r, index) => page == MalformedPage && index == rows.Count - 1
                ? (object)new { id = r.Id, stationId = r.StationId, value = r.Value }
                : new { id = r.Id, stationId = r.StationId, measuredAt = r.MeasuredAt.ToString("O", CultureInfo.InvariantCulture), value = r.Value, unit = r.Unit });
            return Results.Json(body);
        }
    }
}
