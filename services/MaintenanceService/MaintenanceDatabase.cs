using Bus.ServiceDefaults.Options;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bus.MaintenanceService;

/// <summary>The service's connections, and one statement at a time under <see cref="MaintenanceOptions.StatementTimeout"/>.</summary>
public sealed class MaintenanceDatabase(IOptions<PostgresOptions> postgres, IOptions<MaintenanceOptions> options) : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource = new NpgsqlDataSourceBuilder(
        new NpgsqlConnectionStringBuilder(postgres.Value.ConnectionString) { ApplicationName = "bus-maintenance" }.ConnectionString).Build();

    public NpgsqlCommand Command(string sql, params (string Name, object Value)[] parameters)
    {
        var command = _dataSource.CreateCommand(sql);
        command.CommandTimeout = (int)Math.Ceiling(options.Value.StatementTimeout.TotalSeconds);
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        return command;
    }

    public async Task<long> ScalarAsync(string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = Command(sql, parameters);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken));
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
