using System.Text.Json;

namespace Bus.IntegrationTests.Live;

public sealed record SseEvent(string Event, string? Id, JsonElement Data)
{
    public string Status => Data.GetProperty("status").GetString()!;
    public int Progress => Data.GetProperty("progress").GetInt32();
    public DateTime UpdatedAt => Data.GetProperty("updatedAt").GetDateTime();
    public string Summary => $"{Status}:{Progress}";
}

/// <summary>Reads a <c>text/event-stream</c> response the way a browser's EventSource does.</summary>
public sealed class SseClient(HttpResponseMessage response, Stream body) : IAsyncDisposable
{
    private readonly StreamReader _reader = new(body);

    public HttpResponseMessage Response => response;

    /// <summary>Comment lines seen so far (heartbeats).</summary>
    public List<string> Comments { get; } = [];

    public static async Task<SseClient> OpenAsync(HttpClient client, string path, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        return new SseClient(response, await response.Content.ReadAsStreamAsync(cancellationToken));
    }

    /// <summary>The next event, or null when the server ended the stream.</summary>
    public async Task<SseEvent?> NextAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        string? name = null, id = null, data = null;
        while (true)
        {
            var line = await _reader.ReadLineAsync(cancellation.Token);
            if (line is null)
                return null;
            if (line.Length == 0)
            {
                if (data is not null)
                    return new SseEvent(name ?? "message", id, JsonDocument.Parse(data).RootElement.Clone());
                continue;
            }
            if (line.StartsWith(':'))
                Comments.Add(line);
            else if (line.StartsWith("event: "))
                name = line["event: ".Length..];
            else if (line.StartsWith("id: "))
                id = line["id: ".Length..];
            else if (line.StartsWith("data: "))
                data = data is null ? line["data: ".Length..] : data + "\n" + line["data: ".Length..];
        }
    }

    /// <summary>Reads until a comment line arrives (or the timeout).</summary>
    public async Task<string> NextCommentAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        while (true)
        {
            var line = await _reader.ReadLineAsync(cancellation.Token) ?? throw new EndOfStreamException("the stream ended");
            if (line.StartsWith(':'))
                return line;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        response.Dispose();
        await Task.CompletedTask;
    }
}
