using Npgsql;

namespace Bus.IntegrationTests.Infrastructure;

/// <summary>Where the real servers started by scripts/infra listen: the same BUS_* variables as scripts/lib/env.sh.</summary>
public static class TestEnvironment
{
    public static string RabbitHost => Get("BUS_RABBITMQ_HOST", "127.0.0.1");
    public static int RabbitPort => int.Parse(Get("BUS_RABBITMQ_PORT", "5672"));
    public static int RabbitManagementPort => int.Parse(Get("BUS_RABBITMQ_MANAGEMENT_PORT", "15672"));
    public static string RabbitUser => Get("BUS_RABBITMQ_USER", "bus");
    public static string RabbitPassword => Get("BUS_RABBITMQ_PASSWORD", "bus");

    public static string PostgresHost => Get("BUS_POSTGRES_HOST", "127.0.0.1");
    public static int PostgresPort => int.Parse(Get("BUS_POSTGRES_PORT", "5432"));
    public static string PostgresUser => Get("BUS_POSTGRES_USER", "bus");
    public static string PostgresPassword => Get("BUS_POSTGRES_PASSWORD", "bus");
    public static string PostgresDatabase => Get("BUS_POSTGRES_DB", "bus");

    public static string RedisHost => Get("BUS_REDIS_HOST", "127.0.0.1");
    public static int RedisPort => int.Parse(Get("BUS_REDIS_PORT", "6379"));
    public static string RedisConnectionString => $"{RedisHost}:{RedisPort}";

    /// <summary>
    /// What every service process started by a test gets, as scripts/run sets it: the Testing environment, the broker in
    /// the test's own virtual host, its database and the test tokens' settings. Each system adds its services' own.
    /// </summary>
    public static Dictionary<string, string> ProcessSettings(string virtualHost, string databaseConnectionString)
    {
        var settings = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Testing",
            ["RabbitMq__Host"] = RabbitHost,
            ["RabbitMq__Port"] = RabbitPort.ToString(),
            ["RabbitMq__VirtualHost"] = virtualHost,
            ["RabbitMq__Username"] = RabbitUser,
            ["RabbitMq__Password"] = RabbitPassword,
            ["Postgres__ConnectionString"] = databaseConnectionString,
            ["BUS_RABBITMQ_VHOST"] = virtualHost,
        };
        foreach (var (key, value) in TestTokens.ProcessSettings)
            settings[key] = value;
        return settings;
    }

    public static string PostgresConnectionString(string database, int maxPoolSize = 100) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = PostgresHost,
            Port = PostgresPort,
            Username = PostgresUser,
            Password = PostgresPassword,
            Database = database,
            MaxPoolSize = maxPoolSize,
        }.ConnectionString;

    /// <summary>A fresh, empty database for one test class, so runs never see each other's rows.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix, int maxPoolSize = 100)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 33, 63)].ToLowerInvariant();
        await using var connection = new NpgsqlConnection(PostgresConnectionString(PostgresDatabase));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return PostgresConnectionString(name, maxPoolSize);
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(PostgresConnectionString(PostgresDatabase));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        // FORCE may not terminate another role's session in the database (an autovacuum worker, the export reader):
        // such a session ends by itself within moments, so try again for a while.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await command.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.InsufficientPrivilege && attempt < 20)
            {
                await Task.Delay(500);
            }
        }
    }

    private static string Get(string name, string fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;
}
