using System.Net;
using System.Text.Json;
using Bus.IntegrationTests.EndToEnd;
using Bus.IntegrationTests.Infrastructure;

namespace Bus.IntegrationTests.Admin;

/// <summary>Pause and resume against real EmailService replicas (processes) sharing the running system's queue and database.</summary>
[Collection(RunningSystemCollection.Name)]
public sealed class QueuePauseEndToEndTests(RunningSystem system)
{
    private static readonly TimeSpan WithinSeconds = TimeSpan.FromSeconds(30);

    /// <summary>How long "not consuming" is watched: a few of the replicas' 2 s polls, so a replica that would consume has had its chance.</summary>
    private static readonly TimeSpan Observation = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task Pausing_stops_every_replica_a_replica_started_while_paused_does_not_consume_and_resume_drains_the_queue()
    {
        var replicas = new List<ServiceProcess>();
        try
        {
            replicas.Add(await StartReplicaAsync());
            await BrokerQueueProbe.WaitForAsync(system.VirtualHost, "email", q => q.Consumers == 2, WithinSeconds);

            var pause = await system.Gateway.PostAsync("/admin/queues/email/pause", null);
            Assert.Equal(HttpStatusCode.OK, pause.StatusCode);
            await BrokerQueueProbe.WaitForAsync(system.VirtualHost, "email", q => q.Consumers == 0, WithinSeconds);

            var run = Guid.NewGuid().ToString("N")[..8];
            var subjects = Enumerable.Range(0, 5).Select(i => $"paused-{run}-{i}").ToList();
            var taskIds = new List<Guid>();
            foreach (var subject in subjects)
                taskIds.Add(await RunningSystem.TaskIdOf(await system.SubmitAsync(Email(subject))));

            replicas.Add(await StartReplicaAsync());
            var watchUntil = DateTime.UtcNow + Observation;
            while (DateTime.UtcNow < watchUntil)
            {
                var email = await BrokerQueueProbe.GetAsync(system.VirtualHost, "email");
                Assert.Equal(0u, email.Consumers);
                await Task.Delay(250);
            }
            Assert.Equal(5u, (await BrokerQueueProbe.GetAsync(system.VirtualHost, "email")).Messages);
            Assert.DoesNotContain(system.Smtp.Received, m => m.Message.Subject?.StartsWith($"paused-{run}-") == true);
            foreach (var taskId in taskIds)
                await system.WaitForStatusAsync(taskId, "Queued", TimeSpan.FromSeconds(1));
            using (var stats = JsonDocument.Parse(await system.Gateway.GetStringAsync("/stats/queues/email")))
                Assert.True(stats.RootElement.GetProperty("paused").GetBoolean(), stats.RootElement.ToString());

            var resume = await system.Gateway.PostAsync("/admin/queues/email/resume", null);
            Assert.Equal(HttpStatusCode.OK, resume.StatusCode);

            foreach (var taskId in taskIds)
                await system.WaitForStatusAsync(taskId, "Completed", WithinSeconds);
            await BrokerQueueProbe.WaitForAsync(system.VirtualHost, "email", q => q.Consumers == 3, WithinSeconds);
            foreach (var subject in subjects)
                Assert.Single(system.MailsWithSubject(subject));
            using (var stats = JsonDocument.Parse(await system.Gateway.GetStringAsync("/stats/queues/email")))
                Assert.False(stats.RootElement.GetProperty("paused").GetBoolean());
        }
        finally
        {
            await system.Gateway.PostAsync("/admin/queues/email/resume", null);
            foreach (var replica in replicas)
                await replica.DisposeAsync();
        }
    }

    [Fact]
    public async Task Pause_and_resume_answer_the_state_and_a_second_pause_keeps_the_first_time()
    {
        try
        {
            var first = await ReadAsync(await system.Gateway.PostAsync("/admin/queues/email/pause", null));
            var second = await ReadAsync(await system.Gateway.PostAsync("/admin/queues/email/pause", null));

            Assert.True(first.GetProperty("paused").GetBoolean());
            Assert.Equal(first.GetProperty("pausedAt").GetString(), second.GetProperty("pausedAt").GetString());
        }
        finally
        {
            var resumed = await ReadAsync(await system.Gateway.PostAsync("/admin/queues/email/resume", null));
            Assert.False(resumed.GetProperty("paused").GetBoolean());
            Assert.Equal(JsonValueKind.Null, resumed.GetProperty("pausedAt").ValueKind);
        }
        await BrokerQueueProbe.WaitForAsync(system.VirtualHost, "email", q => q.Consumers >= 1, WithinSeconds);
    }

    [Fact]
    public async Task Pausing_in_the_middle_of_a_burst_loses_and_repeats_nothing()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var subjects = Enumerable.Range(0, 30).Select(i => $"burst-{run}-{i}").ToList();
        List<Guid> taskIds;
        try
        {
            var submitted = await Task.WhenAll(subjects.Select(s => system.SubmitAsync(Email(s))));
            taskIds = [.. await Task.WhenAll(submitted.Select(RunningSystem.TaskIdOf))];
            Assert.Equal(HttpStatusCode.OK, (await system.Gateway.PostAsync("/admin/queues/email/pause", null)).StatusCode);
            await BrokerQueueProbe.WaitForAsync(system.VirtualHost, "email", q => q.Consumers == 0, WithinSeconds);
        }
        finally
        {
            await system.Gateway.PostAsync("/admin/queues/email/resume", null);
        }

        foreach (var taskId in taskIds)
            await system.WaitForStatusAsync(taskId, "Completed", WithinSeconds);
        await Task.Delay(500);
        foreach (var subject in subjects)
            Assert.Single(system.MailsWithSubject(subject));
    }

    [Fact]
    public async Task A_replica_that_cannot_read_the_pause_state_neither_consumes_nor_reports_ready()
    {
        await BrokerQueueProbe.WaitForAsync(system.VirtualHost, "email", q => q.Consumers == 1, WithinSeconds);
        var settings = system.Settings();
        settings["Postgres__ConnectionString"] = $"Host=127.0.0.1;Port={FreePort.Next()};Username=bus;Password=bus;Database=bus;Timeout=2";
        var port = FreePort.Next();
        await using var replica = ServiceProcess.Start("services/EmailService", "Bus.EmailService", settings, "--urls", $"http://127.0.0.1:{port}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        await WaitUntilAnsweringAsync(http, replica);

        var watchUntil = DateTime.UtcNow + Observation;
        while (DateTime.UtcNow < watchUntil)
        {
            Assert.Equal(1u, (await BrokerQueueProbe.GetAsync(system.VirtualHost, "email")).Consumers);
            await Task.Delay(250);
        }
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/health/ready")).StatusCode);
        Assert.False(replica.HasExited, $"the replica keeps running and retrying; log: {replica.LogPath}");
    }

    private static async Task WaitUntilAnsweringAsync(HttpClient http, ServiceProcess replica)
    {
        var deadline = DateTime.UtcNow + WithinSeconds;
        while (true)
        {
            Assert.False(replica.HasExited, $"replica exited; log: {replica.LogPath}");
            try
            {
                if ((await http.GetAsync("/health/live")).IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            Assert.True(DateTime.UtcNow < deadline, $"replica not answering; log: {replica.LogPath}");
            await Task.Delay(200);
        }
    }

    private async Task<ServiceProcess> StartReplicaAsync()
    {
        var port = FreePort.Next();
        var replica = ServiceProcess.Start("services/EmailService", "Bus.EmailService", system.Settings(), "--urls", $"http://127.0.0.1:{port}");
        await replica.WaitUntilReadyAsync(port);
        return replica;
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static object Email(string subject) =>
        new { type = "email_notification", data = new { to = new[] { "paused@example.com" }, subject, body = "waits for resume" } };
}
