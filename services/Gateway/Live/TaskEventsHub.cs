using Bus.Gateway.Persistence;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;

namespace Bus.Gateway.Live;

/// <summary>
/// SignalR hub at <c>/hubs/tasks</c>. A client subscribes to one task (answered with its current state) or to all, and
/// is sent <c>taskChanged</c> with a <see cref="LiveTaskEvent"/> for every change, whichever replica it is connected to
/// (each replica's <see cref="LiveEventFeed"/> sends the changes to its own connections).
/// </summary>
public sealed class TaskEventsHub(TaskDbContext db, LiveEventFeed feed) : Hub
{
    public const string Path = "/hubs/tasks";
    public const string TaskChanged = "taskChanged";
    public const string AllTasksGroup = "tasks:all";

    public static string TaskGroup(Guid taskId) => $"task:{taskId:N}";

    /// <summary>Joins the task's group first, then reads its state, so no change falls between the two.</summary>
    public async Task<LiveTaskEvent> SubscribeTask(Guid taskId)
    {
        await EnsureFeedListeningAsync();
        await Groups.AddToGroupAsync(Context.ConnectionId, TaskGroup(taskId), Context.ConnectionAborted);
        var task = await db.Tasks.AsNoTracking().FirstOrDefaultAsync(t => t.CorrelationId == taskId, Context.ConnectionAborted);
        if (task is not null)
            return LiveTaskEvent.From(task);
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, TaskGroup(taskId), Context.ConnectionAborted);
        throw new HubException($"No task has id {taskId}.");
    }

    public Task UnsubscribeTask(Guid taskId) =>
        Groups.RemoveFromGroupAsync(Context.ConnectionId, TaskGroup(taskId), Context.ConnectionAborted);

    public async Task SubscribeAll()
    {
        await EnsureFeedListeningAsync();
        await Groups.AddToGroupAsync(Context.ConnectionId, AllTasksGroup, Context.ConnectionAborted);
    }

    public Task UnsubscribeAll() => Groups.RemoveFromGroupAsync(Context.ConnectionId, AllTasksGroup, Context.ConnectionAborted);

    /// <summary>A subscription before this replica receives the live channel would miss changes without saying so.</summary>
    private async Task EnsureFeedListeningAsync()
    {
        if (!await feed.WaitUntilListeningAsync(Context.ConnectionAborted))
            throw new HubException("Live events are not available on this replica yet (no Redis subscription); try again.");
    }
}
