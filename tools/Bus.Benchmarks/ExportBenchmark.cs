using System.Diagnostics;
using System.Text.Json;
using Npgsql;

namespace Bus.Benchmarks;

/// <summary>
/// A <c>data_export</c> to CSV of <see cref="BenchSystem.ExportTable"/>'s first N rows through the ExportService, at each
/// size: rows/s from the task's own start and finish, and the service's peak memory — flat whatever N if rows really
/// stream. Beside each, PostgreSQL's own <c>COPY (query) TO STDOUT</c> of the same query into a file: the limit.
/// </summary>
public static class ExportBenchmark
{
    public static async Task<IReadOnlyList<ScenarioResult>> RunAsync(BenchSystem system, IReadOnlyList<int> sizes, TimeSpan timeout)
    {
        var results = new List<ScenarioResult>();
        Directory.CreateDirectory(Path.Combine(system.ExportRoot, "bench"));
        foreach (var rows in sizes)
        {
            var query = $"SELECT * FROM {BenchSystem.ExportTable} WHERE id <= {rows} ORDER BY id";
            var copy = await CopyAsync(system, query, rows);
            results.Add((await ExportAsync(system, query, rows, timeout)).ComparedWith(copy));
            results.Add(copy);
        }
        return results;
    }

    private static async Task<ScenarioResult> ExportAsync(BenchSystem system, string query, int rows, TimeSpan timeout)
    {
        var name = $"export csv {rows:N0} rows";
        system.Memory.Reset();
        var clock = Stopwatch.StartNew();
        var taskId = await system.SubmitOverHttpAsync(new
        {
            type = "data_export",
            data = new { query, format = "csv", destination = $"/bench/export-{rows}.csv", overwrite = true },
        });
        var task = (await system.WaitForTerminalAsync([taskId], timeout)).Single();
        clock.Stop();
        var peaks = system.Memory.Read();

        long written = -1, bytes = 0;
        if (task.Result is not null)
        {
            using var result = JsonDocument.Parse(task.Result);
            written = result.RootElement.GetProperty("rows").GetInt64();
            bytes = result.RootElement.GetProperty("bytes").GetInt64();
        }
        var ok = task.Status == "Completed" && written == rows;
        var seconds = task is { StartedAt: { } started, FinishedAt: { } finished } ? (finished - started).TotalSeconds : clock.Elapsed.TotalSeconds;
        return new ScenarioResult(name, "data_export → CSV through ExportService (task started → finished)", rows, ok ? 0 : 1,
            Math.Round(seconds, 2), Math.Round(ok ? rows / seconds : 0), "rows/s", null, peaks,
            ErrorSamples: ok ? null : [$"task {taskId}: {task.Status}, {written} rows written, {task.Error}"],
            Details: new Dictionary<string, double> { ["csv MB"] = Math.Round(bytes / 1048576.0, 1), ["wall seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 2) });
    }

    private static async Task<ScenarioResult> CopyAsync(BenchSystem system, string query, int rows)
    {
        system.Memory.Reset();
        var path = Path.Combine(system.ExportRoot, "bench", $"copy-{rows}.csv");
        var clock = Stopwatch.StartNew();
        await using (var connection = new NpgsqlConnection(system.Database))
        {
            await connection.OpenAsync();
            using var reader = await connection.BeginTextExportAsync($"COPY ({query}) TO STDOUT (FORMAT csv, HEADER)");
            await using var file = new StreamWriter(path);
            var buffer = new char[64 * 1024];
            int read;
            while ((read = await reader.ReadAsync(buffer, 0, buffer.Length)) > 0)
                await file.WriteAsync(buffer.AsMemory(0, read));
        }
        clock.Stop();
        return new ScenarioResult($"postgres COPY {rows:N0} rows", "COPY (same query) TO STDOUT (FORMAT csv) into a file, Npgsql, in the benchmark process",
            rows, 0, Math.Round(clock.Elapsed.TotalSeconds, 2), Math.Round(rows / clock.Elapsed.TotalSeconds), "rows/s", null,
            system.Memory.Read().Where(p => p.Key == "bench").ToDictionary(),
            Details: new Dictionary<string, double> { ["csv MB"] = Math.Round(new FileInfo(path).Length / 1048576.0, 1) });
    }
}
