using System.Data.Common;
using System.Runtime.CompilerServices;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Bus.Gateway.Persistence.Sagas;

/// <summary>
/// The SQL for a saga table, built from the EF model's table, schema, column names and type mappings: the row locks,
/// and the writes that can carry the transaction's COMMIT in the same round trip.
/// </summary>
internal sealed class SagaTableStatements<TSaga>
    where TSaga : class, ISaga
{
    private const string Commit = "; COMMIT";

    private static readonly ConditionalWeakTable<IModel, SagaTableStatements<TSaga>> _cache = [];

    private readonly string _table;
    private readonly string _id;
    private readonly SagaColumn _key;
    private readonly IReadOnlyList<SagaColumn> _columns;
    private readonly string _insert;

    private SagaTableStatements(string table, string id, IReadOnlyList<SagaColumn> columns, string? primaryKeyName)
    {
        _table = table;
        _id = id;
        _columns = columns;
        _key = columns.Single(c => c.IsKey);
        PrimaryKeyName = primaryKeyName;
        LockOne = $"SELECT * FROM {table} WHERE {id} = {{0}} FOR UPDATE";
        LockMany = $"SELECT * FROM {table} WHERE {id} = ANY({{0}}) ORDER BY {id} FOR UPDATE";
        _insert = $"INSERT INTO {table} ({string.Join(", ", columns.Select(c => c.Name))}) " +
                  $"VALUES ({string.Join(", ", columns.Select((_, i) => $"{{{i}}}"))})";
    }

    /// <summary>Locks the row of one CorrelationId; parameter {0} is a uuid.</summary>
    public string LockOne { get; }

    /// <summary>Locks the rows of many CorrelationIds in key order, so two such statements can't deadlock; {0} is a uuid[].</summary>
    public string LockMany { get; }

    /// <summary>The primary key constraint: a unique violation on it means another message inserted the same saga first.</summary>
    public string? PrimaryKeyName { get; }

    /// <summary>Inserts every column of <paramref name="saga"/>; with <paramref name="commit"/>, ends the transaction too.</summary>
    public SagaWrite Insert(TSaga saga, DbCommand parameterFactory, bool commit) =>
        new(_insert + (commit ? Commit : ""), _columns.Select((c, i) => c.Parameter(parameterFactory, i, c.Property.GetGetter().GetClrValue(saga))).ToArray(), 1, commit);

    /// <summary>Updates the columns EF's change tracker found modified in <paramref name="entry"/> (none: the COMMIT alone).</summary>
    public SagaWrite Update(EntityEntry<TSaga> entry, DbCommand parameterFactory, bool commit)
    {
        if (entry.State == EntityState.Detached)
            throw new InvalidOperationException($"{typeof(TSaga).Name} {entry.Entity.CorrelationId} is not tracked, so its changes are unknown.");

        var modified = _columns.Where(c => entry.Property(c.Property).IsModified).ToList();
        if (modified.Count == 0)
            return new SagaWrite(commit ? "COMMIT" : "", [], ExpectedRows: 0, commit);

        var parameters = new DbParameter[modified.Count + 1];
        var assignments = new string[modified.Count];
        parameters[0] = KeyParameter(parameterFactory, entry.Entity);
        for (var i = 0; i < modified.Count; i++)
        {
            parameters[i + 1] = modified[i].Parameter(parameterFactory, i + 1, entry.Property(modified[i].Property).CurrentValue);
            assignments[i] = $"{modified[i].Name} = {{{i + 1}}}";
        }

        return new SagaWrite($"UPDATE {_table} SET {string.Join(", ", assignments)} WHERE {_id} = {{0}}" + (commit ? Commit : ""), parameters, 1, commit);
    }

    /// <summary>Deletes the row of <paramref name="saga"/>; with <paramref name="commit"/>, ends the transaction too.</summary>
    public SagaWrite Delete(TSaga saga, DbCommand parameterFactory, bool commit) =>
        new($"DELETE FROM {_table} WHERE {_id} = {{0}}" + (commit ? Commit : ""), [KeyParameter(parameterFactory, saga)], 1, commit);

    public static SagaTableStatements<TSaga> For(DbContext dbContext) =>
        _cache.GetValue(dbContext.Model, model => Build(model, dbContext.GetService<ISqlGenerationHelper>(), dbContext.GetType()));

    private DbParameter KeyParameter(DbCommand parameterFactory, TSaga saga) =>
        _key.Parameter(parameterFactory, 0, saga.CorrelationId);

    private static SagaTableStatements<TSaga> Build(IModel model, ISqlGenerationHelper sql, Type contextType)
    {
        var entityType = model.FindEntityType(typeof(TSaga))
            ?? throw new InvalidOperationException($"{typeof(TSaga).Name} is not an entity of {contextType.Name}.");
        var tableName = entityType.GetTableName()
            ?? throw new InvalidOperationException($"{typeof(TSaga).Name} is not mapped to a table in {contextType.Name}.");
        var schema = entityType.GetSchema();
        var table = StoreObjectIdentifier.Table(tableName, schema);

        var key = entityType.FindPrimaryKey();
        if (key is not { Properties: [{ Name: nameof(ISaga.CorrelationId) } keyProperty] })
            throw new InvalidOperationException($"{typeof(TSaga).Name} must have {nameof(ISaga.CorrelationId)} as its only primary key property.");

        // The writes are built from the scalar columns alone: refuse, at the first message, what they would silently get wrong.
        if (entityType.GetNavigations().Any() || entityType.GetSkipNavigations().Any() || entityType.GetComplexProperties().Any())
            throw new InvalidOperationException($"{typeof(TSaga).Name} has navigations or complex properties; the saga repository writes scalar columns only.");
        var columns = entityType.GetProperties().Select(property =>
        {
            if (property.IsShadowProperty() || property.IsConcurrencyToken || property.ValueGenerated != ValueGenerated.Never && property != keyProperty)
                throw new InvalidOperationException(
                    $"{typeof(TSaga).Name}.{property.Name} is a shadow property, a concurrency token or store-generated; the saga repository writes plain columns only.");
            var column = property.GetColumnName(table)
                ?? throw new InvalidOperationException($"{typeof(TSaga).Name}.{property.Name} has no column in {tableName}.");
            return new SagaColumn(property, Escape(sql.DelimitIdentifier(column)), property.GetRelationalTypeMapping(), property == keyProperty);
        }).ToList();

        // The statements go through string.Format (FromSqlRaw, ExecuteSqlRaw), so braces in names must be doubled.
        return new SagaTableStatements<TSaga>(
            Escape(sql.DelimitIdentifier(tableName, schema)),
            columns.Single(c => c.IsKey).Name,
            columns,
            key.GetName());
    }

    private static string Escape(string identifier) => identifier.Replace("{", "{{").Replace("}", "}}");

    private sealed record SagaColumn(IProperty Property, string Name, RelationalTypeMapping Mapping, bool IsKey)
    {
        // The column's own mapping (jsonb, timestamptz, any value converter), as EF's SaveChanges would send it.
        public DbParameter Parameter(DbCommand parameterFactory, int index, object? value) =>
            Mapping.CreateParameter(parameterFactory, $"saga_p{index}", value, Property.IsNullable);
    }
}

/// <summary>One write to a saga table: the SQL (with {n} placeholders), its parameters, the rows it must touch, and whether it commits.</summary>
internal sealed record SagaWrite(string Sql, DbParameter[] Parameters, int ExpectedRows, bool Commits);
