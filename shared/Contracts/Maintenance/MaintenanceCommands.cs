using Bus.Contracts.Tasks;

namespace Bus.Contracts.Maintenance;

/// <summary>
/// Deletes task records past their retention and files past their age under the configured storage roots (queue
/// <c>maintenance</c>, task types <c>cleanup</c> and <c>data_cleanup</c>). What is old enough is MaintenanceService's
/// configuration, never the message's.
/// </summary>
public record CleanUpExpiredData(Guid TaskId) : ITaskCommand;

/// <summary>
/// Deletes the expired rows of one table an operator declared in MaintenanceService's configuration
/// (<c>Maintenance:Tables:&lt;Table&gt;</c>); <c>Table</c> is that declared name, never an SQL identifier
/// (task types <c>clean-table</c> and <c>clean-verification-tokens</c>).
/// </summary>
public record CleanDeclaredTable(Guid TaskId, string Table) : ITaskCommand;

/// <summary>Sends the last 24 hours' figures per task type to the configured recipients (task type <c>daily-report</c>).</summary>
public record SendDailyReport(Guid TaskId) : ITaskCommand;
