using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Bus.Gateway.Security;
using Bus.IntegrationTests.Infrastructure;

namespace Bus.IntegrationTests.Security;

/// <summary>
/// Ten thousand generated requests that are each wrong in at least one way (bytes that are not JSON, invalid UTF-8,
/// wrong types, huge numbers, deep nesting, unknown fields, oversized bodies, bad queries and ids): every answer is a
/// problem-details 4xx, never a 5xx, and the Gateway still serves afterwards. Seeded, so a failure repeats.
/// </summary>
[Collection(SecuredGatewayCollection.Name)]
public sealed class HostileInputCorpusTests(SecuredGatewayFixture fixture)
{
    private const int Requests = 10_000;
    private const int Seed = 20261125;

    [Fact]
    public async Task Ten_thousand_malformed_requests_get_problem_details_4xx_and_no_5xx()
    {
        var random = new Random(Seed);
        var corpus = Enumerable.Range(0, Requests).Select(i => Generate(random, i)).ToList();
        using var producer = fixture.Gateway.As(GatewayRoles.Admin);
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();

        await Parallel.ForEachAsync(corpus, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (item, cancellationToken) =>
        {
            using var response = await producer.SendAsync(item.Build(), cancellationToken);
            statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            if ((int)response.StatusCode is < 400 or > 499 || mediaType != "application/problem+json")
                failures.Add($"{item.Description}: {(int)response.StatusCode} {mediaType} {Truncate(await response.Content.ReadAsStringAsync(cancellationToken))}");
        });

        var kinds = failures.GroupBy(f => f[..Math.Min(f.IndexOf(':') is var colon and > 0 ? colon : f.Length, 60)]).Select(g => $"{g.Count()}× {g.First()}");
        Assert.True(failures.IsEmpty, $"{failures.Count} answers were not problem-details 4xx:\n{string.Join("\n", kinds)}");
        Assert.True(statuses.Keys.Count >= 4, $"the corpus should provoke several kinds of refusal: {string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}"))}");
        using var health = await fixture.Gateway.Anonymous().GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    private sealed record HostileRequest(string Description, Func<HttpRequestMessage> Build);

    private static HostileRequest Generate(Random random, int index) => (index % 12) switch
    {
        0 => Post("/tasks", "random bytes", RandomBytes(random, random.Next(1, 400))),
        1 => Post("/tasks", "invalid UTF-8 inside a string", [.. "{\"type\":\""u8.ToArray(), 0xC3, 0x28, 0xFF, .. "\",\"data\":{}}"u8.ToArray()]),
        2 => PostJson("/tasks", "wrong root or field types", Pick(random,
            "[]", "42", "\"task\"", "null", "true",
            "{\"type\":42,\"data\":{}}", "{\"type\":\"email_notification\",\"data\":\"x\"}",
            "{\"type\":{},\"data\":[]}", "{\"type\":\"email_notification\"}", "{\"data\":{}}")),
        3 => PostJson("/tasks", "huge or out-of-range numbers", $$$"""{"type":"email_notification","priority":{{{Pick(random,
            "1e309", "99999999999999999999999", "-1", "11", "1.5", "\"high\"", "-9223372036854775809", "NaN")}}},"data":{"to":["a@example.com"],"subject":"s","body":"b"}}"""),
        4 => PostJson("/tasks", "deep nesting", $"{{\"type\":\"email_notification\",\"data\":{new string('[', random.Next(65, 2000))}1{new string(']', random.Next(0, 3))}}}"),
        5 => PostJson("/tasks", "unknown fields", $$$"""{"type":"email_notification","{{{RandomName(random)}}}":1,"data":{"to":["a@example.com"],"subject":"s","body":"b","{{{RandomName(random)}}}":true}}"""),
        6 => PostJson("/tasks", "bad scheduling and keys", Pick(random,
            """{"type":"email_notification","runAt":"yesterday","data":{"to":["a@example.com"],"subject":"s","body":"b"}}""",
            """{"type":"email_notification","delay":-5,"data":{"to":["a@example.com"],"subject":"s","body":"b"}}""",
            """{"type":"email_notification","delay":1e30,"data":{"to":["a@example.com"],"subject":"s","body":"b"}}""",
            """{"type":"email_notification","runAt":"2026-01-01T00:00:00Z","delay":5,"data":{"to":["a@example.com"],"subject":"s","body":"b"}}""",
            """{"type":"email_notification","timeout":0,"data":{"to":["a@example.com"],"subject":"s","body":"b"}}""",
            $$$"""{"type":"email_notification","idempotencyKey":"{{{new string('k', 256)}}}","data":{"to":["a@example.com"],"subject":"s","body":"b"}}""")),
        7 => PostJson("/tasks", "hostile e-mail data", $$$"""{"type":"email_notification","data":{"to":[{{{Pick(random,
            "\"not-an-address\"", "\"a@b\"", "\"evil@example.com\\r\\nBcc: x@example.com\"", "1", "null", "\"\"",
            string.Join(',', Enumerable.Repeat("\"a@example.com\"", 51)))}}}],"subject":"s","body":"b"}}"""),
        8 => Post("/tasks", "oversized body", Encoding.UTF8.GetBytes($$$"""{"type":"email_notification","data":{"to":["a@example.com"],"subject":"s","body":"{{{new string('x', 1024 * 1024 + random.Next(1, 4096))}}}"}}"""), "application/json"),
        9 => Post("/tasks", "not JSON content type", Encoding.UTF8.GetBytes("type=email_notification"), Pick(random, "text/plain", "application/x-www-form-urlencoded", "application/xml")),
        10 => PostJson("/tasks/batch", "bad batches", Pick(random,
            "{\"tasks\":{}}", "{\"tasks\":[]}", "{}", "[]", "{\"tasks\":\"x\"}",
            "{\"tasks\":[" + string.Join(',', Enumerable.Repeat("{}", 501)) + "]}")),
        _ => Get(Pick(random,
            "/tasks?limit=-1", "/tasks?limit=abc", "/tasks?limit=100000", "/tasks?status=Nope", "/tasks?createdAfter=garbage",
            "/tasks?cursor=%00%FF", "/tasks?offset=-3", $"/tasks?q={new string('q', 201)}", "/tasks/not-a-guid",
            $"/tasks/{Guid.NewGuid()}", "/stats/queues/nope", "/admin/queues/nope/errors", "/admin/queues/email/errors?limit=0",
            "/events?type=", "/tasks/" + Uri.EscapeDataString("../../etc/passwd"))),
    };

    private static HostileRequest Post(string path, string description, byte[] body, string contentType = "application/json") =>
        new($"POST {path} ({description})", () =>
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            return new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        });

    private static HostileRequest PostJson(string path, string description, string json) =>
        Post(path, $"{description}: {Truncate(json)}", Encoding.UTF8.GetBytes(json));

    private static HostileRequest Get(string path) => new($"GET {path}", () => new HttpRequestMessage(HttpMethod.Get, path));

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static string RandomName(Random random) => "x" + random.Next(0, int.MaxValue).ToString("x");

    private static string Pick(Random random, params string[] choices) => choices[random.Next(choices.Length)];

    private static string Truncate(string text) => text.Length <= 160 ? text : text[..160] + "…";
}
