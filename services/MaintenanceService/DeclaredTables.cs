using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Persistence;
using Microsoft.Extensions.Options;

namespace Bus.MaintenanceService;

/// <summary>What one run removed from a declared table; <c>Relation</c> and <c>Column</c> are as the catalog quoted them.</summary>
public sealed record DeclaredTableResult(string Table, string Relation, string Column, TimeSpan MaxAge, long Deleted, int Batches);

/// <summary>
/// Deletes the expired rows of a table an operator declared (<see cref="MaintenanceOptions.Tables"/>). Its table and
/// column are looked up in the database catalog at every run and only the catalog's own quoted names
/// (<c>quote_ident</c>) reach the statement; the age is a parameter. A name that is not a plain table with a
/// timestamp or date column of that name is refused (permanently: no retry makes it exist).
/// </summary>
public sealed class DeclaredTables(MaintenanceDatabase database, IOptions<MaintenanceOptions> options, ILogger<DeclaredTables> logger)
{
    private static readonly HashSet<string> TimestampTypes = ["timestamp with time zone", "timestamp without time zone", "date"];

    private const string FindInCatalog = """
        SELECT quote_ident(n.nspname), quote_ident(c.relname), quote_ident(a.attname), format_type(a.atttypid, NULL), c.relkind::text
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = @column AND a.attnum > 0 AND NOT a.attisdropped
        WHERE n.nspname = @schema AND c.relname = @table
        """;

    public async Task<DeclaredTableResult> CleanAsync(string name, CancellationToken cancellationToken)
    {
        var declared = options.Value.Tables.FirstOrDefault(t => string.Equals(t.Key, name, StringComparison.OrdinalIgnoreCase));
        if (declared.Value is null)
            throw new PermanentTaskException(options.Value.Tables.Count == 0
                ? $"no table is declared as '{name}': declare it in Maintenance:Tables:{name} (Table, TimestampColumn, MaxAge)"
                : $"no table is declared as '{name}'; declared: {string.Join(", ", options.Value.Tables.Keys.Order(StringComparer.Ordinal))}");

        var table = declared.Value;
        var (relation, column) = await ResolveAsync(declared.Key, table, cancellationToken);
        // ANY(ARRAY(...)) makes the delete a TID scan of exactly the locked rows, whatever the planner thinks of the table.
        var sql = $"""
            WITH deleted AS (
                DELETE FROM {relation}
                WHERE ctid = ANY(ARRAY(SELECT ctid FROM {relation} WHERE {column} < now() - @max_age LIMIT @batch FOR UPDATE SKIP LOCKED))
                  AND {column} < now() - @max_age
                RETURNING 1)
            SELECT count(*) FROM deleted
            """;

        long deleted = 0;
        var batches = 0;
        while (true)
        {
            var batch = await database.ScalarAsync(sql, cancellationToken, ("max_age", table.MaxAge), ("batch", table.BatchSize));
            deleted += batch;
            batches++;
            if (batch < table.BatchSize)
                break;
        }
        logger.LogInformation("Declared table {Name} ({Relation}): deleted {Deleted} row(s) older than {MaxAge} by {Column} in {Batches} batch(es)",
            declared.Key, relation, deleted, table.MaxAge, column, batches);
        return new DeclaredTableResult(declared.Key, relation, column, table.MaxAge, deleted, batches);
    }

    /// <summary>The catalog's quoted <c>schema.table</c> and column, or a refusal saying what is wrong with the declaration.</summary>
    private async Task<(string Relation, string Column)> ResolveAsync(string name, DeclaredTableOptions table, CancellationToken cancellationToken)
    {
        var (schema, relationName) = Split(table.Table);
        var setting = $"Maintenance:Tables:{name}";
        if (schema.StartsWith("pg_", StringComparison.Ordinal) || schema == "information_schema")
            throw new PermanentTaskException($"{setting}:Table '{table.Table}' is in a system schema: refused");
        if (schema == TaskTable.Schema && relationName == TaskTable.Name)
            throw new PermanentTaskException($"{setting}:Table '{table.Table}' is the task table: its retention is the cleanup task's (Maintenance:Retention)");

        await using var command = database.Command(FindInCatalog, ("schema", schema), ("table", relationName), ("column", table.TimestampColumn));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            throw new PermanentTaskException($"{setting}:Table '{table.Table}' is not a table in this database (schema '{schema}', table '{relationName}')");
        if (reader.GetString(4) != "r")
            throw new PermanentTaskException($"{setting}:Table '{table.Table}' is not a plain table (a view, partitioned table or other relation): refused");
        if (reader.IsDBNull(2))
            throw new PermanentTaskException($"{setting}:TimestampColumn '{table.TimestampColumn}' is not a column of {table.Table}");
        if (!TimestampTypes.Contains(reader.GetString(3)))
            throw new PermanentTaskException($"{setting}:TimestampColumn '{table.TimestampColumn}' is {reader.GetString(3)}, not a timestamp or date");
        return ($"{reader.GetString(0)}.{reader.GetString(1)}", reader.GetString(2));
    }

    /// <summary><c>schema.table</c>, or <c>table</c> in <c>public</c>; names are the catalog's (case-sensitive, unquoted).</summary>
    public static (string Schema, string Table) Split(string qualified)
    {
        var parts = qualified.Split('.', 2);
        return parts.Length == 2 ? (parts[0], parts[1]) : ("public", parts[0]);
    }
}
