using Bus.Gateway.Tasks;
using Bus.ServiceDefaults.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Bus.Gateway.Persistence;

public class TaskDbContext(DbContextOptions<TaskDbContext> options) : DbContext(options)
{
    public const string Schema = TaskTable.Schema;

    public DbSet<TaskState> Tasks => Set<TaskState>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);

        var task = modelBuilder.Entity<TaskState>();
        task.ToTable(TaskTable.Name);
        task.HasKey(t => t.CorrelationId);
        task.Property(t => t.CorrelationId).HasColumnName(TaskTable.Columns.Id).ValueGeneratedNever();
        task.Property(t => t.CurrentState).HasColumnName(TaskTable.Columns.Status).HasMaxLength(32);
        task.Property(t => t.Type).HasColumnName(TaskTable.Columns.Type).HasMaxLength(100);
        task.Property(t => t.Queue).HasColumnName(TaskTable.Columns.Queue).HasMaxLength(100);
        task.Property(t => t.Priority).HasColumnName("priority");
        task.Property(t => t.IdempotencyKey).HasColumnName("idempotency_key").HasMaxLength(255);
        task.Property(t => t.ParentTaskId).HasColumnName("parent_task_id");
        task.Property(t => t.Data).HasColumnName("data").HasColumnType("jsonb");
        task.Property(t => t.Result).HasColumnName("result").HasColumnType("jsonb");
        task.Property(t => t.Error).HasColumnName("error");
        task.Property(t => t.ErrorType).HasColumnName("error_type").HasMaxLength(500);
        task.Property(t => t.Attempts).HasColumnName("attempts");
        task.Property(t => t.AttemptLog).HasColumnName("attempt_log").HasColumnType("jsonb");
        task.Property(t => t.RunAt).HasColumnName("run_at");
        task.Property(t => t.ScheduleTokenId).HasColumnName("schedule_token_id");
        task.Property(t => t.Timeout).HasColumnName("timeout");
        task.Property(t => t.CancelRequestedAt).HasColumnName("cancel_requested_at");
        task.Property(t => t.Progress).HasColumnName("progress");
        task.Property(t => t.ProgressMessage).HasColumnName("progress_message").HasMaxLength(1000);
        task.Property(t => t.TraceId).HasColumnName("trace_id").HasMaxLength(32);
        task.Property(t => t.CreatedAt).HasColumnName(TaskTable.Columns.CreatedAt);
        task.Property(t => t.StartedAt).HasColumnName(TaskTable.Columns.StartedAt);
        task.Property(t => t.FinishedAt).HasColumnName(TaskTable.Columns.FinishedAt);
        task.Property(t => t.UpdatedAt).HasColumnName(TaskTable.Columns.UpdatedAt);

        // The last line of defence for idempotency: two tasks of one type can never share a key.
        task.HasIndex(t => new { t.Type, t.IdempotencyKey })
            .IsUnique()
            .HasFilter("idempotency_key IS NOT NULL")
            .HasDatabaseName("ux_tasks_type_idempotency_key");
        task.HasIndex(t => new { t.CurrentState, t.CreatedAt }).HasDatabaseName("ix_tasks_status_created_at");
        task.HasIndex(t => t.CreatedAt).HasDatabaseName("ix_tasks_created_at");
        task.HasIndex(t => t.ParentTaskId).HasFilter("parent_task_id IS NOT NULL").HasDatabaseName("ix_tasks_parent_task_id");
    }
}
