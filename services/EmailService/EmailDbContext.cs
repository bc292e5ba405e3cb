using Microsoft.EntityFrameworkCore;

namespace Bus.EmailService;

public enum DeliveryStatus
{
    Pending,
    Sent,
    Failed,
}

/// <summary>One row per e-mail task: the ledger that makes redelivered <c>SendEmail</c> commands harmless.</summary>
public sealed class Delivery
{
    public Guid TaskId { get; set; }
    public DeliveryStatus Status { get; set; }
    public string[] Recipients { get; set; } = [];
    public string Subject { get; set; } = "";
    public string? MessageId { get; set; }
    public string? SmtpResponse { get; set; }
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? SentAt { get; set; }
}

public sealed class EmailDbContext(DbContextOptions<EmailDbContext> options) : DbContext(options)
{
    public const string Schema = "email";

    public DbSet<Delivery> Deliveries => Set<Delivery>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.Entity<Delivery>(delivery =>
        {
            // SendEmailConsumer addresses this table and its columns in raw SQL: rename both together.
            delivery.ToTable("deliveries", table =>
                table.HasCheckConstraint("ck_deliveries_status", "status IN ('pending', 'sent', 'failed')"));
            delivery.HasKey(d => d.TaskId).HasName("pk_deliveries");
            delivery.Property(d => d.TaskId).HasColumnName("task_id").ValueGeneratedNever();
            delivery.Property(d => d.Status).HasColumnName("status").HasMaxLength(16)
                .HasConversion(s => s.ToString().ToLowerInvariant(), s => Enum.Parse<DeliveryStatus>(s, true));
            delivery.Property(d => d.Recipients).HasColumnName("recipients");
            delivery.Property(d => d.Subject).HasColumnName("subject");
            delivery.Property(d => d.MessageId).HasColumnName("message_id");
            delivery.Property(d => d.SmtpResponse).HasColumnName("smtp_response");
            delivery.Property(d => d.Attempts).HasColumnName("attempts");
            delivery.Property(d => d.LastError).HasColumnName("last_error");
            delivery.Property(d => d.CreatedAt).HasColumnName("created_at");
            delivery.Property(d => d.UpdatedAt).HasColumnName("updated_at");
            delivery.Property(d => d.SentAt).HasColumnName("sent_at");
            delivery.HasIndex(d => d.CreatedAt).HasDatabaseName("ix_deliveries_created_at");
        });
    }
}
