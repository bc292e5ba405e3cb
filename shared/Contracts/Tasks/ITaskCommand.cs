namespace Bus.Contracts.Tasks;

/// <summary>A command that runs as a tracked task: every service reports progress against its TaskId.</summary>
public interface ITaskCommand
{
    Guid TaskId { get; }
}
