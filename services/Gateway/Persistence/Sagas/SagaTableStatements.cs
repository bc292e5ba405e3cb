using System.Runtime.CompilerServices;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Bus.Gateway.Persistence.Sagas;

/// <summary>The row-locking SQL for a saga table, built from the EF model's table, schema and column names.</summary>
internal sealed class SagaTableStatements<TSaga>
    where TSaga : class, ISaga
{
    private static readonly ConditionalWeakTable<IModel, SagaTableStatements<TSaga>> _cache = [];

    private SagaTableStatements(string lockOne, string lockMany, string? primaryKeyName)
    {
        LockOne = lockOne;
        LockMany = lockMany;
        PrimaryKeyName = primaryKeyName;
    }

    /// <summary>Locks the row of one CorrelationId; parameter {0} is a uuid.</summary>
    public string LockOne { get; }

    /// <summary>Locks the rows of many CorrelationIds in key order, so two such statements can't deadlock; {0} is a uuid[].</summary>
    public string LockMany { get; }

    /// <summary>The primary key constraint: a unique violation on it means another message inserted the same saga first.</summary>
    public string? PrimaryKeyName { get; }

    public static SagaTableStatements<TSaga> For(DbContext dbContext) =>
        _cache.GetValue(dbContext.Model, model => Build(model, dbContext.GetService<ISqlGenerationHelper>(), dbContext.GetType()));

    private static SagaTableStatements<TSaga> Build(IModel model, ISqlGenerationHelper sql, Type contextType)
    {
        var entityType = model.FindEntityType(typeof(TSaga))
            ?? throw new InvalidOperationException($"{typeof(TSaga).Name} is not an entity of {contextType.Name}.");
        var tableName = entityType.GetTableName()
            ?? throw new InvalidOperationException($"{typeof(TSaga).Name} is not mapped to a table in {contextType.Name}.");
        var schema = entityType.GetSchema();

        var key = entityType.FindPrimaryKey();
        if (key is not { Properties: [{ Name: nameof(ISaga.CorrelationId) } keyProperty] })
            throw new InvalidOperationException($"{typeof(TSaga).Name} must have {nameof(ISaga.CorrelationId)} as its only primary key property.");

        var column = keyProperty.GetColumnName(StoreObjectIdentifier.Table(tableName, schema))
            ?? throw new InvalidOperationException($"{typeof(TSaga).Name}.{nameof(ISaga.CorrelationId)} has no column in {tableName}.");

        // The statements go through FromSqlRaw's string.Format, so braces in names must be doubled.
        var table = Escape(sql.DelimitIdentifier(tableName, schema));
        var id = Escape(sql.DelimitIdentifier(column));

        return new SagaTableStatements<TSaga>(
            $"SELECT * FROM {table} WHERE {id} = {{0}} FOR UPDATE",
            $"SELECT * FROM {table} WHERE {id} = ANY({{0}}) ORDER BY {id} FOR UPDATE",
            key.GetName());
    }

    private static string Escape(string identifier) => identifier.Replace("{", "{{").Replace("}", "}}");
}
