using Bus.ServiceDefaults.Options;
using Bus.ServiceDefaults.QueueControl;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bus.ServiceDefaults.Persistence;

public static class DatabaseMigration
{
    /// <summary>
    /// <c>migrate</c> as the only argument applies the service's EF Core migrations and exits (what scripts
    /// and the Kubernetes Job run); otherwise the service runs, migrating first if Postgres:MigrateOnStart.
    /// </summary>
    public static Task RunOrMigrateAsync<TContext>(this WebApplication app, string[] args)
        where TContext : DbContext =>
        app.RunOrMigrateAsync(args, (services, _) => MigrateAsync<TContext>(services));

    /// <summary>
    /// The same for a service whose schema is not an EF Core model: <paramref name="migrate"/> brings the schema up
    /// to date (idempotently, safe for several replicas at once) when run as <c>migrate</c> or with Postgres:MigrateOnStart.
    /// Every service also creates the shared queue pause table (<see cref="QueuePauses"/>) then.
    /// </summary>
    public static async Task RunOrMigrateAsync(this WebApplication app, string[] args, Func<IServiceProvider, CancellationToken, Task> migrate)
    {
        var migrateOnly = args is ["migrate"];
        var postgres = app.Services.GetRequiredService<IOptions<PostgresOptions>>().Value;
        if (migrateOnly || postgres.MigrateOnStart)
        {
            await migrate(app.Services, app.Lifetime.ApplicationStopping);
            await QueuePauses.EnsureSchemaAsync(postgres.ConnectionString, app.Lifetime.ApplicationStopping);
        }

        if (!migrateOnly)
            await app.RunAsync();
    }

    public static async Task MigrateAsync<TContext>(IServiceProvider services)
        where TContext : DbContext
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        var logger = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseMigration));
        var pending = (await db.Database.GetPendingMigrationsAsync()).ToList();
        logger.LogInformation("Applying {Count} migration(s) to {Context}: {Migrations}", pending.Count, typeof(TContext).Name, string.Join(", ", pending));
        await db.Database.MigrateAsync();
    }
}
