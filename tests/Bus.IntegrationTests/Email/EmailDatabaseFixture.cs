extern alias email;

using Bus.IntegrationTests.Infrastructure;
using email::Bus.EmailService;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Bus.IntegrationTests.Email;

/// <summary>A fresh database with the EmailService migration applied, shared by one test class.</summary>
public sealed class EmailDatabaseFixture : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        ConnectionString = await CreateDatabaseAsync();
        using var host = EmailServiceHost.Build(ConnectionString, smtpPort: 25);
        await using var scope = host.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<EmailDbContext>().Database.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        if (ConnectionString.Length > 0)
            await TestEnvironment.DropDatabaseAsync(ConnectionString);
    }

    public async Task<Delivery?> FindDeliveryAsync(IServiceProvider services, Guid taskId)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<EmailDbContext>();
        return await db.Deliveries.AsNoTracking().SingleOrDefaultAsync(d => d.TaskId == taskId);
    }

    // PostgreSQL may still be starting when the suite begins.
    private static async Task<string> CreateDatabaseAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            try
            {
                return await TestEnvironment.CreateDatabaseAsync("email");
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
        }
    }
}
