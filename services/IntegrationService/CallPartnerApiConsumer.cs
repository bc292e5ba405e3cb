using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bus.Contracts.Integration;
using Bus.IntegrationService.Outbound;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Secrets;
using MassTransit;

namespace Bus.IntegrationService;

/// <summary><c>api_integration</c>: one call to a partner, its credentials revealed only into the request itself.</summary>
public sealed class CallPartnerApiConsumer(PartnerClient partner, SensitiveValueProtector secrets, ILogger<CallPartnerApiConsumer> logger)
    : IConsumer<CallPartnerApi>
{
    public async Task Consume(ConsumeContext<CallPartnerApi> context)
    {
        var command = context.Message;
        if (!Uri.TryCreate(command.Endpoint, UriKind.Absolute, out var endpoint))
            throw new PermanentTaskException("endpoint is not an absolute URL");

        using var request = BuildRequest(command, endpoint);
        logger.LogInformation("Task {TaskId}: {Method} to {Host}", command.TaskId, request.Method, endpoint.Authority);
        var response = await partner.SendAsync(OutboundHttp.Partner, request, context.CancellationToken);
        logger.LogInformation("Task {TaskId}: {Host} answered {StatusCode} in {DurationMs} ms", command.TaskId, endpoint.Authority, response.StatusCode, response.DurationMs);
        await context.ReportCompleted(command.TaskId, response);
    }

    private HttpRequestMessage BuildRequest(CallPartnerApi command, Uri endpoint)
    {
        var request = new HttpRequestMessage(new HttpMethod(command.Method), endpoint);
        if (command.Payload is { } payload)
            request.Content = new StringContent(Reveal(payload), Encoding.UTF8, "application/json");

        foreach (var (name, value) in command.Headers ?? new Dictionary<string, string>())
        {
            var clear = secrets.Reveal(value);
            if (request.Content is not null && name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                if (!MediaTypeHeaderValue.TryParse(clear, out var contentType))
                    throw new PermanentTaskException("headers.Content-Type is not a media type");
                request.Content.Headers.ContentType = contentType;
            }
            else if (!request.Headers.TryAddWithoutValidation(name, clear) && request.Content?.Headers.TryAddWithoutValidation(name, clear) != true)
            {
                throw new PermanentTaskException($"headers.{name} cannot be sent with this request");
            }
        }
        return request;
    }

    /// <summary>The payload's JSON with every protected value (the Gateway protects credential-like fields) in the clear.</summary>
    private string Reveal(JsonElement payload)
    {
        var json = payload.GetRawText();
        if (!json.Contains(SensitiveValueProtector.Prefix, StringComparison.Ordinal))
            return json;
        var root = JsonNode.Parse(json);
        return (Revealed(root) ?? root)?.ToJsonString() ?? "null";
    }

    /// <summary>The clear replacement of a protected string value, or null after revealing what is inside the node in place.</summary>
    private JsonValue? Revealed(JsonNode? node)
    {
        switch (node)
        {
            case JsonValue value when value.TryGetValue<string>(out var text) && SensitiveValueProtector.IsProtected(text):
                return JsonValue.Create(secrets.Reveal(text));
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    if (Revealed(child) is { } clear)
                        obj[name] = clear;
                }
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (Revealed(array[i]) is { } clear)
                        array[i] = clear;
                }
                break;
        }
        return null;
    }
}
