using System.ComponentModel.DataAnnotations;

namespace Bus.ServiceDefaults.Options;

public sealed class PostgresOptions
{
    public const string Section = "Postgres";

    [Required(ErrorMessage = "Postgres:ConnectionString is required")]
    public string ConnectionString { get; set; } = "";

    /// <summary>Apply EF Core migrations when the service starts (the `migrate` command does it without starting).</summary>
    public bool MigrateOnStart { get; set; }
}
