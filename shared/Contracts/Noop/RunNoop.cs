using Bus.Contracts.Tasks;

namespace Bus.Contracts.Noop;

/// <summary>
/// The benchmark's task (queue <c>noop</c>, task type <c>noop</c>): it waits <c>SleepMs</c>, fails on purpose with
/// probability <c>FailRate</c> (0–1), and otherwise completes with a result of <c>PayloadBytes</c> bytes. Accepted and
/// consumed only where configuration enables it.
/// </summary>
public record RunNoop(Guid TaskId, int SleepMs = 0, double FailRate = 0, int PayloadBytes = 0) : ITaskCommand;
