using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bus.IntegrationTests.EndToEnd;
using Bus.IntegrationTests.Infrastructure;

namespace Bus.IntegrationTests.Dashboard;

/// <summary>The dashboard in a real browser against the real running system: what an operator sees and does.</summary>
[Collection(RunningSystemCollection.Name)]
public sealed class DashboardBrowserTests(RunningSystem system)
{
    [Fact]
    public async Task A_signed_in_operator_sees_every_queue_and_watches_a_task_reach_Completed_without_a_reload()
    {
        await using var browser = await DashboardBrowser.OpenAsync(system.Gateway.BaseAddress!);
        await browser.SignInAsync(DashboardUsers.Admin, DashboardUsers.AdminPassword);
        await browser.WaitAsync("document.querySelector('article[data-queue=\"email\"] [data-stat=\"consumers\"] dd')?.textContent !== '–'", "the email queue's card");
        await browser.ScreenshotAsync("overview");

        // Scheduled a few seconds ahead: the task view is open before it runs, and only live updates can bring the change.
        var subject = $"dashboard-live-{Guid.NewGuid():N}";
        var response = await system.SubmitAsync(new { type = "email_notification", delay = 3000, data = new { to = new[] { "live@example.com" }, subject, body = "b" } });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var taskId = await RunningSystem.TaskIdOf(response);
        await browser.EvaluateAsync<bool>("window.notReloaded = true");
        await browser.NavigateAsync($"#/tasks/{taskId}");
        await browser.WaitAsync("document.querySelector('.task-status')?.dataset.status === 'Scheduled'", "the task shown as Scheduled");

        await browser.WaitAsync("document.querySelector('.task-status')?.dataset.status === 'Completed'", "the task shown as Completed");

        Assert.True(await browser.EvaluateAsync<bool>("window.notReloaded === true"), "the page was reloaded");
        Assert.Equal("100", await browser.EvaluateAsync<string>("document.querySelector('.task-head [role=progressbar]').getAttribute('aria-valuenow')"));
        var traceId = (await system.Gateway.GetTaskAsync(taskId)).GetProperty("traceId").GetString();
        Assert.Matches("^[0-9a-f]{32}$", traceId);
        Assert.Equal(traceId, await browser.EvaluateAsync<string>("document.querySelector('[data-trace-id]')?.textContent"));
        Assert.Empty(browser.PageErrors);
        await browser.ScreenshotAsync("task-completed");
    }

    [Fact]
    public async Task A_failed_task_shows_its_stack_trace_and_is_retried_from_the_dashboard()
    {
        var subject = $"dashboard-fail-{Guid.NewGuid():N}";
        var taskId = await FailedEmailTaskAsync("fail@example.com", subject);

        await using var browser = await DashboardBrowser.OpenAsync(system.Gateway.BaseAddress!);
        await browser.SignInAsync(DashboardUsers.Admin, DashboardUsers.AdminPassword);
        await browser.NavigateAsync($"#/tasks/{taskId}");
        await browser.WaitAsync("document.querySelector('[data-stack-trace]')", "the stack trace");
        var stackTrace = await browser.EvaluateAsync<string>("document.querySelector('[data-stack-trace]').textContent");
        Assert.Contains(" at ", stackTrace);
        await browser.ScreenshotAsync("task-failed");

        await browser.Page.ClickAsync("[data-action=retry]");

        await browser.WaitAsync("document.querySelector('.task-status')?.dataset.status === 'Completed'", "the retried task shown as Completed");
        Assert.Single(system.MailsWithSubject(subject));
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task Pausing_and_resuming_a_queue_from_the_dashboard_changes_its_stats()
    {
        await using var browser = await DashboardBrowser.OpenAsync(system.Gateway.BaseAddress!);
        await browser.SignInAsync(DashboardUsers.Admin, DashboardUsers.AdminPassword);
        await browser.NavigateAsync("#/queues/email");
        await browser.WaitAsync("document.querySelector('[data-action=pause]') && document.querySelector('.queue-summary [data-state=running]')", "the running queue with its Pause button");
        try
        {
            await browser.Page.ClickAsync("[data-action=pause]");

            await browser.WaitAsync("document.querySelector('.queue-summary [data-state=paused]') && document.querySelector('[data-action=resume]')", "the queue shown as paused");
            await browser.WaitAsync("document.querySelector('.queue-summary [data-stat=consumers] dd')?.textContent === '0'", "no consumers while paused");
            Assert.True((await QueueStatsAsync()).GetProperty("paused").GetBoolean());
            await browser.ScreenshotAsync("queue-paused");

            await browser.Page.ClickAsync("[data-action=resume]");

            await browser.WaitAsync("document.querySelector('.queue-summary [data-state=running]') && document.querySelector('[data-action=pause]')", "the queue shown as running");
            await browser.WaitAsync("Number(document.querySelector('.queue-summary [data-stat=consumers] dd')?.textContent) > 0", "consumers back after resuming");
            Assert.False((await QueueStatsAsync()).GetProperty("paused").GetBoolean());
            Assert.Empty(browser.PageErrors);
        }
        finally
        {
            // Whatever happened above, the other tests of this system need the queue consumed.
            await system.Gateway.PostAsync("/admin/queues/email/resume", null);
        }
    }

    [Fact]
    public async Task A_viewer_sees_the_dashboard_without_any_action_button_and_the_API_refuses_actions()
    {
        var response = await system.SubmitAsync(new { type = "email_notification", data = new { to = new[] { "viewer@example.com" }, subject = "viewer", body = "b" } });
        var taskId = await RunningSystem.TaskIdOf(response);
        await system.WaitForStatusAsync(taskId, "Completed");

        // Phone width: the dashboard must stay usable there.
        await using var browser = await DashboardBrowser.OpenAsync(system.Gateway.BaseAddress!, width: 390, height: 844);
        await browser.SignInAsync(DashboardUsers.Viewer, DashboardUsers.ViewerPassword);
        Assert.Equal(0, await browser.EvaluateAsync<int>("document.querySelectorAll('[data-action]').length"));
        await browser.ScreenshotAsync("viewer-overview-phone");

        await browser.NavigateAsync("#/queues/email");
        await browser.WaitAsync("document.querySelector('tr[data-task]')", "the queue's tasks");
        Assert.Equal(0, await browser.EvaluateAsync<int>("document.querySelectorAll('[data-action]').length"));

        await browser.NavigateAsync($"#/tasks/{taskId}");
        await browser.WaitAsync("document.querySelector('.task-status')?.dataset.status === 'Completed'", "the task");
        Assert.Equal(0, await browser.EvaluateAsync<int>("document.querySelectorAll('[data-action]').length"));
        Assert.False(await browser.EvaluateAsync<bool>("document.documentElement.scrollWidth > window.innerWidth + 1"), "the task view scrolls sideways at phone width");

        // The buttons are only hidden: the API itself refuses the viewer's token.
        var status = await browser.EvaluateAsync<int>("""
            (async () => (await fetch('/admin/queues/email/pause', { method: 'POST',
              headers: { authorization: 'Bearer ' + sessionStorage.getItem('bus.dashboard.token') } })).status)()
            """);
        Assert.Equal(403, status);
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task An_error_queue_message_shows_its_fault_and_is_redelivered_from_the_dashboard()
    {
        var subject = $"dashboard-redeliver-{Guid.NewGuid():N}";
        var taskId = await FailedEmailTaskAsync("errors@example.com", subject);

        await using var browser = await DashboardBrowser.OpenAsync(system.Gateway.BaseAddress!);
        await browser.SignInAsync(DashboardUsers.Admin, DashboardUsers.AdminPassword);
        await browser.NavigateAsync("#/queues/email/errors?offset=0");
        var message = $"[...document.querySelectorAll('article[data-message]')].find(a => a.querySelector('a[href=\"#/tasks/{taskId}\"]'))";
        await browser.WaitAsync(message, "the task's message in the error queue");
        Assert.Contains("SocketException", await browser.EvaluateAsync<string>($"{message}.querySelector('h2').textContent"));
        await browser.ScreenshotAsync("error-queue");

        await browser.EvaluateAsync<bool>($"{message}.querySelector('[data-action=redeliver]').click() ?? true");

        await browser.WaitAsync($"!({message})", "the message gone from the error queue");
        await system.WaitForStatusAsync(taskId, "Completed");
        Assert.Single(system.MailsWithSubject(subject));
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task The_schedules_view_lists_the_schedulers_crons_with_their_time_zone()
    {
        var schedules = await system.Gateway.GetFromJsonAsync<JsonElement>("/schedules");
        var first = schedules.GetProperty("schedules").EnumerateArray().FirstOrDefault();

        await using var browser = await DashboardBrowser.OpenAsync(system.Gateway.BaseAddress!);
        await browser.SignInAsync(DashboardUsers.Admin, DashboardUsers.AdminPassword);
        await browser.NavigateAsync("#/schedules");

        if (first.ValueKind == JsonValueKind.Undefined)
        {
            await browser.WaitAsync("document.querySelector('main .empty')", "the empty list");
        }
        else
        {
            var name = first.GetProperty("name").GetString();
            await browser.WaitAsync($"document.querySelector('tr[data-schedule=\"{name}\"]')", $"the cron {name}");
            Assert.Contains(first.GetProperty("timeZone").GetString()!, await browser.EvaluateAsync<string>($"document.querySelector('tr[data-schedule=\"{name}\"]').textContent"));
        }
        await browser.ScreenshotAsync("schedules");
        Assert.Empty(browser.PageErrors);
    }

    private async Task<JsonElement> QueueStatsAsync() =>
        await system.Gateway.GetFromJsonAsync<JsonElement>("/stats/queues/email");

    /// <summary>An email task that failed for good (the relay refused every attempt) and whose message is in <c>email_error</c>.</summary>
    private async Task<Guid> FailedEmailTaskAsync(string to, string subject)
    {
        system.SmtpGate.Down();
        try
        {
            var taskId = await RunningSystem.TaskIdOf(await system.SubmitAsync(new { type = "email_notification", data = new { to = new[] { to }, subject, body = "b" } }));
            await system.WaitForStatusAsync(taskId, "Failed");
            Assert.NotEmpty(await system.WaitForErrorQueueMessagesAsync(taskId));
            return taskId;
        }
        finally
        {
            system.SmtpGate.Up();
        }
    }
}
