using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Bus.Gateway.Persistence;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without starting the Gateway.</summary>
public sealed class TaskDbContextDesignFactory : IDesignTimeDbContextFactory<TaskDbContext>
{
    public TaskDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<TaskDbContext>()
            .UseNpgsql("Host=127.0.0.1;Database=bus_design", npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history", TaskDbContext.Schema))
            .Options);
}
