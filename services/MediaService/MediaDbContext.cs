using Microsoft.EntityFrameworkCore;

namespace Bus.MediaService;

public enum OutputStatus
{
    Pending,
    Completed,
    Failed,
}

/// <summary>One row per media task: the ledger that makes a redelivered <c>ProcessImage</c> write and report nothing twice.</summary>
public sealed class MediaOutput
{
    public Guid TaskId { get; set; }
    public OutputStatus Status { get; set; }
    public string ImagePath { get; set; } = "";
    public string? OutputPath { get; set; }
    public string? Format { get; set; }
    public int? Width { get; set; }
    public int? Height { get; set; }
    public long? BytesBefore { get; set; }
    public long? BytesAfter { get; set; }
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
}

public sealed class MediaDbContext(DbContextOptions<MediaDbContext> options) : DbContext(options)
{
    public const string Schema = "media";

    public DbSet<MediaOutput> Outputs => Set<MediaOutput>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.Entity<MediaOutput>(output =>
        {
            // ProcessImageConsumer addresses this table and its columns in raw SQL: rename both together.
            output.ToTable("outputs", table =>
                table.HasCheckConstraint("ck_outputs_status", "status IN ('pending', 'completed', 'failed')"));
            output.HasKey(o => o.TaskId).HasName("pk_outputs");
            output.Property(o => o.TaskId).HasColumnName("task_id").ValueGeneratedNever();
            output.Property(o => o.Status).HasColumnName("status").HasMaxLength(16)
                .HasConversion(s => s.ToString().ToLowerInvariant(), s => Enum.Parse<OutputStatus>(s, true));
            output.Property(o => o.ImagePath).HasColumnName("image_path");
            output.Property(o => o.OutputPath).HasColumnName("output_path");
            output.Property(o => o.Format).HasColumnName("format").HasMaxLength(16);
            output.Property(o => o.Width).HasColumnName("width");
            output.Property(o => o.Height).HasColumnName("height");
            output.Property(o => o.BytesBefore).HasColumnName("bytes_before");
            output.Property(o => o.BytesAfter).HasColumnName("bytes_after");
            output.Property(o => o.Attempts).HasColumnName("attempts");
            output.Property(o => o.LastError).HasColumnName("last_error");
            output.Property(o => o.CreatedAt).HasColumnName("created_at");
            output.Property(o => o.UpdatedAt).HasColumnName("updated_at");
            output.Property(o => o.CompletedAt).HasColumnName("completed_at");
            output.HasIndex(o => o.CreatedAt).HasDatabaseName("ix_outputs_created_at");
        });
    }
}
