using Bus.ServiceDefaults.Options;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bus.ExportService;

/// <summary>
/// ExportService's <c>migrate</c>: the output ledger (schema <c>export</c>) and the reader role's grants — SELECT on
/// exactly <see cref="ExportOptions.GrantedTables"/> in this database, every other table grant revoked. Idempotent.
/// </summary>
public static class ExportSchema
{
    public const string Schema = "export";
    private const long SchemaLockKey = 0x42_75_73_45_58; // "BusEX"
    private const string InsufficientPrivilege = "42501";

    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var postgres = services.GetRequiredService<IOptions<PostgresOptions>>().Value;
        var export = services.GetRequiredService<IOptions<ExportOptions>>().Value;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ExportSchema));

        await using var connection = new NpgsqlConnection(postgres.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, $"""
            SELECT pg_advisory_xact_lock({SchemaLockKey});
            CREATE SCHEMA IF NOT EXISTS {Schema};
            CREATE TABLE IF NOT EXISTS {Schema}.outputs (
                task_id     uuid        PRIMARY KEY,
                kind        text        NOT NULL,
                status      text        NOT NULL CHECK (status IN ('pending', 'completed')),
                destination text,
                attempts    integer     NOT NULL DEFAULT 0,
                result      jsonb,
                last_error  text,
                created_at  timestamptz NOT NULL DEFAULT now(),
                updated_at  timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX IF NOT EXISTS ix_outputs_created_at ON {Schema}.outputs (created_at);
            """, cancellationToken);

        await EnsureReaderRoleAsync(connection, export, cancellationToken);
        await GrantTablesAsync(connection, export, logger, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Roles belong to the whole PostgreSQL cluster: scripts/infra creates it as the superuser. Where the service's own
    /// user may create roles (a managed database, docker compose) it is created here, without any attribute.
    /// </summary>
    private static async Task EnsureReaderRoleAsync(NpgsqlConnection connection, ExportOptions export, CancellationToken cancellationToken)
    {
        await using var exists = new NpgsqlCommand("SELECT count(*) FROM pg_roles WHERE rolname = @name", connection);
        exists.Parameters.AddWithValue("name", export.ReaderUsername);
        if ((long)(await exists.ExecuteScalarAsync(cancellationToken))! > 0)
            return;

        var role = Quote(export.ReaderUsername);
        try
        {
            await ExecuteAsync(connection, $"""
                SAVEPOINT create_reader;
                CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS PASSWORD {Literal(export.ReaderPassword)};
                ALTER ROLE {role} SET default_transaction_read_only = on;
                RELEASE SAVEPOINT create_reader;
                """, cancellationToken);
        }
        catch (PostgresException exception) when (exception.SqlState == InsufficientPrivilege)
        {
            throw new InvalidOperationException(
                $"The export reader role '{export.ReaderUsername}' does not exist and this user may not create it: " +
                "create it as a superuser (scripts/infra does) with LOGIN and the password in Export:ReaderPassword.", exception);
        }
    }

    private static async Task GrantTablesAsync(NpgsqlConnection connection, ExportOptions export, ILogger logger, CancellationToken cancellationToken)
    {
        var role = Quote(export.ReaderUsername);
        var wanted = new HashSet<(string Schema, string Table)>();
        foreach (var name in export.GrantedTables)
        {
            var parts = name.Split('.', 2);
            var (schema, table) = parts.Length == 2 ? (parts[0], parts[1]) : ("public", parts[0]);
            await using var find = new NpgsqlCommand(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = @schema AND c.relname = @table AND c.relkind IN ('r', 'v', 'm', 'p')",
                connection);
            find.Parameters.AddWithValue("schema", schema);
            find.Parameters.AddWithValue("table", table);
            if ((long)(await find.ExecuteScalarAsync(cancellationToken))! == 0)
            {
                logger.LogWarning("Export:GrantedTables names {Table}, which does not exist in this database: not granted (run migrate again once it exists)", name);
                continue;
            }
            wanted.Add((schema, table));
            await ExecuteAsync(connection, $"GRANT USAGE ON SCHEMA {Quote(schema)} TO {role}; GRANT SELECT ON TABLE {Quote(schema)}.{Quote(table)} TO {role};", cancellationToken);
        }

        var granted = new List<(string Schema, string Table)>();
        await using (var list = new NpgsqlCommand("""
            SELECT DISTINCT n.nspname, c.relname
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) acl
            WHERE acl.grantee = (SELECT oid FROM pg_roles WHERE rolname = @name)
            """, connection))
        {
            list.Parameters.AddWithValue("name", export.ReaderUsername);
            await using var reader = await list.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                granted.Add((reader.GetString(0), reader.GetString(1)));
        }
        foreach (var (schema, table) in granted.Where(g => !wanted.Contains(g)))
        {
            logger.LogInformation("Revoking the export reader's access to {Schema}.{Table}: not in Export:GrantedTables", schema, table);
            await ExecuteAsync(connection, $"REVOKE ALL ON TABLE {Quote(schema)}.{Quote(table)} FROM {role};", cancellationToken);
        }
        logger.LogInformation("Export reader {Role} may read: {Tables}", export.ReaderUsername, string.Join(", ", wanted.Select(w => $"{w.Schema}.{w.Table}")));
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";

    private static string Literal(string text) => "'" + text.Replace("'", "''") + "'";
}
