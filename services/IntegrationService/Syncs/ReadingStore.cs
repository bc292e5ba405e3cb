using Bus.ServiceDefaults.Options;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Bus.IntegrationService.Syncs;

/// <summary>The synced readings and each source's watermark, in schema <c>integration</c>.</summary>
public sealed class ReadingStore(IOptions<PostgresOptions> postgres)
{
    public const string Tables = $"""
        -- Partner readings (serpram_sync, ayt_sync), one row per source and reading id.
        CREATE TABLE IF NOT EXISTS {IntegrationSchema.Schema}.readings (
            source      text          NOT NULL,
            reading_id  text          NOT NULL,
            station_id  text          NOT NULL,
            measured_at timestamptz   NOT NULL,
            value       numeric       NOT NULL,
            unit        text,
            synced_at   timestamptz   NOT NULL,
            PRIMARY KEY (source, reading_id)
        );
        CREATE INDEX IF NOT EXISTS ix_readings_station_measured_at ON {IntegrationSchema.Schema}.readings (source, station_id, measured_at);
        -- The newest measuredAt each source has committed: the next run asks for readings since then.
        CREATE TABLE IF NOT EXISTS {IntegrationSchema.Schema}.sync_watermarks (
            source       text        PRIMARY KEY,
            watermark    timestamptz NOT NULL,
            last_task_id uuid        NOT NULL,
            updated_at   timestamptz NOT NULL
        );
        """;

    public async Task<DateTimeOffset?> WatermarkAsync(string source, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(postgres.Value.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT watermark FROM {IntegrationSchema.Schema}.sync_watermarks WHERE source = @source", connection);
        command.Parameters.AddWithValue("source", source);
        return await command.ExecuteScalarAsync(cancellationToken) is DateTime watermark ? new DateTimeOffset(watermark, TimeSpan.Zero) : null;
    }

    /// <summary>
    /// Upserts the readings — a row is written only when it is new or differs — and moves the watermark to their newest
    /// <c>measuredAt</c> (never back), in one transaction: the watermark never passes a reading that is not stored.
    /// </summary>
    public async Task<(int Inserted, int Updated)> UpsertAsync(string source, Guid taskId, IReadOnlyList<PartnerReading> readings, CancellationToken cancellationToken)
    {
        if (readings.Count == 0)
            return (0, 0);
        await using var connection = new NpgsqlConnection(postgres.Value.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        await using var upsert = new NpgsqlCommand($"""
            INSERT INTO {IntegrationSchema.Schema}.readings AS r (source, reading_id, station_id, measured_at, value, unit, synced_at)
            SELECT @source, t.id, t.station, t.at, t.value, t.unit, now()
            FROM unnest(@ids, @stations, @ats, @values, @units) AS t(id, station, at, value, unit)
            ON CONFLICT (source, reading_id) DO UPDATE
               SET station_id = EXCLUDED.station_id, measured_at = EXCLUDED.measured_at, value = EXCLUDED.value,
                   unit = EXCLUDED.unit, synced_at = EXCLUDED.synced_at
             WHERE (r.station_id, r.measured_at, r.value, r.unit) IS DISTINCT FROM
                   (EXCLUDED.station_id, EXCLUDED.measured_at, EXCLUDED.value, EXCLUDED.unit)
            RETURNING (xmax = 0) AS inserted
            """, connection, transaction);
        upsert.Parameters.AddWithValue("source", source);
        upsert.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = readings.Select(r => r.Id).ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter("stations", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = readings.Select(r => r.StationId).ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter("ats", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = readings.Select(r => r.MeasuredAt.UtcDateTime).ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter("values", NpgsqlDbType.Array | NpgsqlDbType.Numeric) { Value = readings.Select(r => r.Value).ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter("units", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = readings.Select(r => (object?)r.Unit ?? DBNull.Value).ToArray() });
        var (inserted, updated) = (0, 0);
        await using (var reader = await upsert.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                if (reader.GetBoolean(0))
                    inserted++;
                else
                    updated++;
            }
        }

        await using var advance = new NpgsqlCommand($"""
            INSERT INTO {IntegrationSchema.Schema}.sync_watermarks (source, watermark, last_task_id, updated_at)
            VALUES (@source, @watermark, @task, now())
            ON CONFLICT (source) DO UPDATE
               SET watermark = GREATEST(sync_watermarks.watermark, EXCLUDED.watermark),
                   last_task_id = EXCLUDED.last_task_id, updated_at = EXCLUDED.updated_at
            """, connection, transaction);
        advance.Parameters.AddWithValue("source", source);
        advance.Parameters.AddWithValue("watermark", readings.Max(r => r.MeasuredAt).UtcDateTime);
        advance.Parameters.AddWithValue("task", taskId);
        await advance.ExecuteNonQueryAsync(cancellationToken);

        await transaction.CommitAsync(cancellationToken);
        return (inserted, updated);
    }
}
