extern alias maintenance;
using System.Collections.Concurrent;
using System.Text.Json;
using Bus.Contracts.Maintenance;
using Bus.Contracts.Tasks;
using MassTransit;
using MassTransit.Testing;
using maintenance::Bus.MaintenanceService;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Bus.UnitTests.Maintenance;

/// <summary>The report's deliveries, against a stand-in for the task saga on <c>task-state</c>; the figures are fixed.</summary>
public sealed class SendDailyReportConsumerTests : IAsyncLifetime
{
    private static readonly DateTime To = new(2026, 12, 5, 6, 0, 0, DateTimeKind.Utc);

    private static readonly DailyReport Figures = new(To - DailyReport.Period, To,
        [new TaskTypeFigures("email_notification", 10, 8, 2, 120, 480)]);

    private readonly TaskSagaStandIn _saga = new();
    private ServiceProvider _provider = null!;
    private ITestHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _provider = new ServiceCollection()
            .AddSingleton(_saga)
            .AddSingleton<DailyReportQuery>(new FixedReportQuery())
            .AddSingleton(TimeProvider.System)
            .AddSingleton(Options.Create(new MaintenanceOptions
            {
                Report = new ReportOptions { Recipients = ["ops@example.com", "cto@example.com"], Subject = "Report", Slack = true },
            }))
            .AddLogging()
            .AddMassTransitTestHarness(x =>
            {
                x.SetTestTimeouts(testInactivityTimeout: TimeSpan.FromSeconds(5));
                x.AddConsumer<SendDailyReportConsumer>();
                x.AddConsumer<TaskSagaStandIn.Consumer>().Endpoint(e => e.Name = "task-state");
                x.AddRequestClient<SubmitTask>(new Uri("queue:task-state"));
            })
            .BuildServiceProvider(true);
        _harness = _provider.GetRequiredService<ITestHarness>();
        await _harness.Start();
    }

    public async Task DisposeAsync()
    {
        await _harness.Stop();
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task The_report_is_submitted_as_an_email_task_and_a_slack_task_keyed_by_the_report_task()
    {
        var taskId = NewId.NextGuid();

        await _harness.Bus.Publish(new SendDailyReport(taskId));

        var completed = await CompletedAsync(taskId);
        var email = _saga.Submitted.Single(s => s.Type == "email_notification");
        var slack = _saga.Submitted.Single(s => s.Type == "slack_alert");
        Assert.Equal($"daily-report:{taskId}:email_notification", email.IdempotencyKey);
        Assert.Equal($"daily-report:{taskId}:slack_alert", slack.IdempotencyKey);
        Assert.Equal(["ops@example.com", "cto@example.com"], email.Data.GetProperty("to").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(Figures.Subject("Report"), email.Data.GetProperty("subject").GetString());
        Assert.Equal(Figures.Text(), email.Data.GetProperty("body").GetString());
        Assert.Equal(Figures.Summary(), slack.Data.GetProperty("text").GetString());
        Assert.Equal([email.TaskId, slack.TaskId],
            new[] { "email", "slack" }.Select(p => completed.GetProperty(p).GetProperty("taskId").GetGuid()));
    }

    [Fact]
    public async Task Running_the_same_report_again_submits_under_the_same_keys_so_the_saga_answers_with_the_first_tasks()
    {
        var taskId = NewId.NextGuid();
        await _harness.Bus.Publish(new SendDailyReport(taskId));
        var first = await CompletedAsync(taskId);

        await _harness.Bus.Publish(new SendDailyReport(taskId));
        var again = await CompletedAsync(taskId, nth: 2);

        Assert.Equal(first.GetProperty("email").GetProperty("taskId").GetGuid(), again.GetProperty("email").GetProperty("taskId").GetGuid());
        Assert.True(again.GetProperty("email").GetProperty("duplicate").GetBoolean());
        Assert.True(again.GetProperty("slack").GetProperty("duplicate").GetBoolean());
    }

    [Fact]
    public async Task A_delivery_the_saga_rejects_fails_the_report_for_good_naming_it()
    {
        _saga.Reject = "slack_alert";
        var taskId = NewId.NextGuid();

        await _harness.Bus.Publish(new SendDailyReport(taskId));

        Assert.True(await _harness.Published.Any<Fault<SendDailyReport>>(f => f.Context.Message.Message.TaskId == taskId));
        var fault = _harness.Published.Select<Fault<SendDailyReport>>().Single().Context.Message;
        Assert.Equal("the report's slack_alert task was rejected: type: 'slack_alert' is not a known task type", fault.Exceptions.Single().Message);
    }

    private async Task<JsonElement> CompletedAsync(Guid taskId, int nth = 1)
    {
        Assert.True(await _harness.Published.Any<TaskCompleted>(m => m.Context.Message.TaskId == taskId), "no TaskCompleted");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_harness.Published.Select<TaskCompleted>(m => m.Context.Message.TaskId == taskId).Count() < nth && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        return _harness.Published.Select<TaskCompleted>(m => m.Context.Message.TaskId == taskId).ElementAt(nth - 1).Context.Message.Result!.Value;
    }

    private sealed class FixedReportQuery() : DailyReportQuery(null!)
    {
        public override Task<DailyReport> ComputeAsync(DateTime to, CancellationToken cancellationToken) => Task.FromResult(Figures);
    }

    /// <summary>Answers SubmitTask as the saga does: the first task for an idempotency key, a duplicate after; or a rejection.</summary>
    public sealed class TaskSagaStandIn
    {
        private readonly ConcurrentDictionary<string, Guid> _byKey = new();

        public ConcurrentQueue<SubmitTask> Submitted { get; } = new();
        public string? Reject { get; set; }

        public sealed class Consumer(TaskSagaStandIn saga) : IConsumer<SubmitTask>
        {
            public async Task Consume(ConsumeContext<SubmitTask> context)
            {
                var message = context.Message;
                saga.Submitted.Enqueue(message);
                if (message.Type == saga.Reject)
                {
                    await context.RespondAsync(new TaskRejected(message.TaskId, new Dictionary<string, string[]> { ["type"] = [$"'{message.Type}' is not a known task type"] }));
                    return;
                }
                var first = saga._byKey.GetOrAdd(message.IdempotencyKey!, message.TaskId);
                await context.RespondAsync(new TaskAccepted(first, Duplicate: first != message.TaskId));
            }
        }
    }
}
