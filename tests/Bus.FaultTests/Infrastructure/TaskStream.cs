using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Bus.FaultTests.Infrastructure;

/// <summary>What one logical task's submission went through: every answer, and the task id it ended with.</summary>
public sealed class Submission(int index, string idempotencyKey)
{
    public int Index { get; } = index;
    public string IdempotencyKey { get; } = idempotencyKey;
    /// <summary>Each answer in order: an HTTP status code, or "no answer" when the connection failed or timed out.</summary>
    public ConcurrentQueue<string> Answers { get; } = new();
    public Guid? TaskId { get; set; }
    /// <summary>The Gateway answered 202 Accepted: it took the task over.</summary>
    public bool Accepted { get; set; }
}

/// <summary>
/// A stream of <c>email_notification</c> tasks submitted over HTTP at a steady rate by several clients, each with its own
/// idempotency key. A client that gets 503 or no answer does what the API tells it to: retries with the same key.
/// Any other answer but 202/200 is recorded and ends that submission.
/// </summary>
public sealed class TaskStream
{
    private readonly HttpClient _gateway;
    private readonly string _scenario;
    private readonly Submission[] _submissions;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _giveUpAfter;
    private int _accepted;

    private TaskStream(HttpClient gateway, string scenario, int count, double perSecond, TimeSpan giveUpAfter)
    {
        _gateway = gateway;
        _scenario = scenario;
        _submissions = [.. Enumerable.Range(0, count).Select(i => new Submission(i, $"{scenario}-{i}"))];
        _interval = perSecond > 0 ? TimeSpan.FromSeconds(1 / perSecond) : TimeSpan.Zero;
        _giveUpAfter = giveUpAfter;
    }

    public string Scenario => _scenario;
    public IReadOnlyList<Submission> Submissions => _submissions;
    public Task Completion { get; private set; } = Task.CompletedTask;
    /// <summary>Submissions answered with 202 or 200 so far.</summary>
    public int Answered => Volatile.Read(ref _accepted);

    /// <param name="perSecond">The steady rate at which new tasks are submitted (0: as fast as the clients go).</param>
    public static TaskStream Start(HttpClient gateway, string scenario, int count, double perSecond, int clients = 8, TimeSpan? giveUpAfter = null)
    {
        var stream = new TaskStream(gateway, scenario, count, perSecond, giveUpAfter ?? TimeSpan.FromMinutes(2));
        stream.Completion = stream.RunAsync(clients);
        return stream;
    }

    /// <summary>Waits until <paramref name="count"/> tasks have been answered 202 or 200, so a fault lands under load.</summary>
    public async Task WaitForAnsweredAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (Answered < count)
        {
            if (Completion.IsCompleted || DateTime.UtcNow > deadline)
                throw new TimeoutException($"only {Answered} of {count} tasks were answered; answers so far: {Summary()}");
            await Task.Delay(20);
        }
    }

    public string Summary() =>
        string.Join(", ", _submissions.SelectMany(s => s.Answers).GroupBy(a => a).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}"));

    private async Task RunAsync(int clients)
    {
        var next = -1;
        var started = DateTime.UtcNow;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < _submissions.Length)
            {
                var due = started + _interval * index;
                if (due > DateTime.UtcNow)
                    await Task.Delay(due - DateTime.UtcNow);
                await SubmitAsync(_submissions[index]);
            }
        }));
    }

    private async Task SubmitAsync(Submission submission)
    {
        var body = new
        {
            type = "email_notification",
            idempotencyKey = submission.IdempotencyKey,
            data = new { to = $"user{submission.Index}@example.com", subject = $"{_scenario} #{submission.Index}", body = "Sent while faults were injected." },
        };
        var giveUp = DateTime.UtcNow + _giveUpAfter;
        while (DateTime.UtcNow < giveUp)
        {
            HttpResponseMessage response;
            try
            {
                response = await _gateway.PostAsJsonAsync("/tasks", body);
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                submission.Answers.Enqueue("no answer");
                await Task.Delay(1000);
                continue;
            }

            using (response)
            {
                submission.Answers.Enqueue(((int)response.StatusCode).ToString());
                if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK)
                {
                    using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    submission.TaskId = answer.RootElement.GetProperty("taskId").GetGuid();
                    submission.Accepted = response.StatusCode == HttpStatusCode.Accepted;
                    Interlocked.Increment(ref _accepted);
                    return;
                }
                if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
                    return;
            }
            await Task.Delay(500);
        }
    }
}
