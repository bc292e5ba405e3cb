using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bus.IntegrationTests.Infrastructure;
using Npgsql;

namespace Bus.IntegrationTests.Export;

/// <summary>Every export task type submitted over HTTP, run by ExportService against real PostgreSQL and files.</summary>
[Collection(ExportSystemCollection.Name)]
public sealed class ExportEndToEndTests(ExportSystem system)
{
    [Fact]
    public async Task The_issue_body_exports_the_active_users_to_csv_with_every_row_and_value()
    {
        var destination = $"/exports/{Guid.NewGuid():N}/users.csv";
        var taskId = await system.SubmitAsync("data_export",
            new { query = "SELECT * FROM users WHERE active = true", format = "csv", destination });

        var task = await system.WaitForAsync(taskId, "Completed");

        var result = task.GetProperty("result");
        var expected = await ActiveUsersAsync();
        Assert.Equal(expected.Count, result.GetProperty("rows").GetInt64());
        Assert.Equal(destination, result.GetProperty("path").GetString());
        Assert.Equal(new FileInfo(system.PathOf(destination)).Length, result.GetProperty("bytes").GetInt64());
        Assert.True(result.GetProperty("durationMs").GetInt64() >= 0);

        await using var stream = File.OpenRead(system.PathOf(destination));
        await using var csv = CsvHelper.CsvReader.Create(stream, new CsvHelper.CsvReaderOptions { Separator = ',' }, leaveOpen: false);
        var rows = new List<(int Id, string Name, string? Email)>();
        while (await csv.ReadAsync())
            rows.Add((int.Parse(csv.GetString(0)), csv.GetString(1), csv.GetString(2) is { Length: > 0 } email ? email : null));
        Assert.Equal(["id", "name", "email", "active", "score", "created_at", "profile"], csv.Headers.ToArray());
        Assert.Equal(expected, rows);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("jsonl")]
    public async Task Json_and_json_lines_exports_keep_types_nulls_and_json_columns(string format)
    {
        var destination = $"/exports/{Guid.NewGuid():N}.{format}";
        var taskId = await system.SubmitAsync("data_export",
            new { query = "SELECT id, name, email, active, score, profile FROM users WHERE active ORDER BY id", format, destination });

        await system.WaitForAsync(taskId, "Completed");

        var text = await File.ReadAllTextAsync(system.PathOf(destination));
        var objects = format == "json"
            ? JsonDocument.Parse(text).RootElement.EnumerateArray().ToList()
            : text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        var expected = await ActiveUsersAsync();
        Assert.Equal(expected.Select(u => u.Id), objects.Select(o => o.GetProperty("id").GetInt32()));
        Assert.Equal(expected.Select(u => u.Name), objects.Select(o => o.GetProperty("name").GetString()));
        Assert.Equal(expected.Select(u => u.Email), objects.Select(o => o.GetProperty("email").ValueKind == JsonValueKind.Null ? null : o.GetProperty("email").GetString()));
        Assert.All(objects, o => Assert.Equal(JsonValueKind.True, o.GetProperty("active").ValueKind));
        Assert.All(objects, o => Assert.Equal(o.GetProperty("id").GetInt32() * 1.25m, o.GetProperty("score").GetDecimal()));
        Assert.All(objects, o => Assert.Equal(o.GetProperty("id").GetInt32() % 4, o.GetProperty("profile").GetProperty("level").GetInt32()));
    }

    [Fact]
    public async Task A_named_dataset_runs_with_its_typed_parameters()
    {
        var destination = $"/exports/{Guid.NewGuid():N}.csv";
        var taskId = await system.SubmitAsync("data_export", new
        {
            dataset = "active-users-since",
            parameters = new { since = "2026-01-05T00:00:00Z" },
            format = "csv",
            destination,
        });

        var task = await system.WaitForAsync(taskId, "Completed");

        var expected = await system.ScalarAsync<long>("SELECT count(*) FROM users WHERE active AND created_at >= '2026-01-05T00:00:00Z'");
        Assert.Equal(expected, task.GetProperty("result").GetProperty("rows").GetInt64());
        Assert.Equal(expected + 1, (await File.ReadAllLinesAsync(system.PathOf(destination))).Length);
    }

    [Fact]
    public async Task The_issue_body_parses_a_csv_file_with_its_columns_first_rows_and_bad_lines()
    {
        var relative = $"/data/{Guid.NewGuid():N}/file.csv";
        Directory.CreateDirectory(Path.GetDirectoryName(system.PathOf(relative))!);
        await File.WriteAllTextAsync(system.PathOf(relative),
            "id,name,city\r\n1,Ada,London\r\n2,\"Grace, \"\"Amazing\"\"\",\"New\nYork\"\r\n3,Alan\r\n4,Linus,Helsinki\r\n");
        var taskId = await system.SubmitAsync("file_processing",
            new { filePath = relative, operation = "parse", @params = new { format = "csv" } });

        var result = (await system.WaitForAsync(taskId, "Completed")).GetProperty("result");

        Assert.Equal(3, result.GetProperty("rowCount").GetInt64());
        Assert.Equal(["id", "name", "city"], result.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!));
        var first = result.GetProperty("firstRows").EnumerateArray().ToList();
        Assert.Equal("Grace, \"Amazing\"", first[1].GetProperty("name").GetString());
        Assert.Equal("New\nYork", first[1].GetProperty("city").GetString());
        var error = Assert.Single(result.GetProperty("errors").EnumerateArray());
        Assert.Equal(5, error.GetProperty("line").GetInt64());
        Assert.Contains("number of fields", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_csv_file_converts_to_json_beside_it_without_touching_the_input()
    {
        var relative = $"/data/{Guid.NewGuid():N}.csv";
        Directory.CreateDirectory(Path.GetDirectoryName(system.PathOf(relative))!);
        const string content = "id,name\r\n1,Ada\r\n2,Grace\r\n";
        await File.WriteAllTextAsync(system.PathOf(relative), content);
        var taskId = await system.SubmitAsync("file_processing",
            new { filePath = relative, operation = "convert", @params = new { to = "json" } });

        var result = (await system.WaitForAsync(taskId, "Completed")).GetProperty("result");

        var output = Path.ChangeExtension(relative, "json");
        Assert.Equal(output, result.GetProperty("output").GetString());
        var rows = JsonDocument.Parse(await File.ReadAllTextAsync(system.PathOf(output))).RootElement;
        Assert.Equal(["Ada", "Grace"], rows.EnumerateArray().Select(r => r.GetProperty("name").GetString()!));
        Assert.Equal(content, await File.ReadAllTextAsync(system.PathOf(relative)));
    }

    [Fact]
    public async Task A_file_whose_content_is_not_its_declared_format_does_not_validate()
    {
        var relative = $"/data/{Guid.NewGuid():N}.csv";
        Directory.CreateDirectory(Path.GetDirectoryName(system.PathOf(relative))!);
        await File.WriteAllTextAsync(system.PathOf(relative), "[{\"id\": 1}]");
        var taskId = await system.SubmitAsync("file_processing",
            new { filePath = relative, operation = "validate", @params = new { format = "csv", requiredColumns = new[] { "id" } } });

        var result = (await system.WaitForAsync(taskId, "Completed")).GetProperty("result");

        Assert.False(result.GetProperty("valid").GetBoolean());
        Assert.Equal("json", result.GetProperty("detectedFormat").GetString());
        Assert.Contains(result.GetProperty("problems").EnumerateArray(), p => p.GetString()!.Contains("declared csv"));
    }

    [Fact]
    public async Task The_task_summary_report_counts_tasks_per_type_and_status_from_the_task_table()
    {
        var destination = $"/reports/{Guid.NewGuid():N}.csv";
        var taskId = await system.SubmitAsync("report_generation", new
        {
            report = "task-summary",
            from = DateTimeOffset.UtcNow.AddHours(-1).ToString("O"),
            to = DateTimeOffset.UtcNow.AddHours(1).ToString("O"),
            format = "csv",
            destination,
        });

        await system.WaitForAsync(taskId, "Completed");

        var lines = await File.ReadAllLinesAsync(system.PathOf(destination));
        Assert.Equal("type,status,tasks,first_created_at,last_created_at", lines[0]);
        // The report's own task is Running while it is written, and is in the table it reads.
        Assert.Contains(lines, l => l.StartsWith("report_generation,Running,", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_same_export_delivered_twice_writes_one_file_once()
    {
        var taskId = Guid.NewGuid();
        var directory = $"/exports/{Guid.NewGuid():N}";
        var command = new { taskId, format = "csv", destination = $"{directory}/twice.csv", query = "SELECT id, name FROM users ORDER BY id" };

        await system.PublishCommandAsync("Bus.Contracts.Export:ExportData", command);
        await system.PublishCommandAsync("Bus.Contracts.Export:ExportData", command);
        var task = await system.WaitForAsync(taskId, "Completed");
        var writtenAt = File.GetLastWriteTimeUtc(system.PathOf(command.destination));
        await Task.Delay(TimeSpan.FromSeconds(2));

        Assert.Equal([system.PathOf(command.destination)], Directory.GetFiles(system.PathOf(directory)));
        Assert.Equal(writtenAt, File.GetLastWriteTimeUtc(system.PathOf(command.destination)));
        Assert.Equal(1, await system.ScalarAsync<int>($"SELECT attempts FROM export.outputs WHERE task_id = '{taskId}' AND status = 'completed'"));
        Assert.Equal(ExportSystem.UserCount, task.GetProperty("result").GetProperty("rows").GetInt64());
        var again = await system.WaitForAsync(taskId, "Completed");
        Assert.Equal(task.GetProperty("finishedAt").GetString(), again.GetProperty("finishedAt").GetString());
    }

    [Fact]
    public async Task A_destination_with_dot_dot_is_refused_at_submission_naming_the_field()
    {
        var response = await system.Gateway.PostAsJsonAsync("/tasks", new
        {
            type = "data_export",
            data = new { query = "SELECT 1", format = "csv", destination = "/exports/../../etc/passwd" },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("data.destination", await response.Content.ReadAsStringAsync());
    }

    private async Task<List<(int Id, string Name, string? Email)>> ActiveUsersAsync()
    {
        await using var connection = new NpgsqlConnection(system.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id, name, email FROM users WHERE active = true ORDER BY id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var users = new List<(int, string, string?)>();
        while (await reader.ReadAsync())
            users.Add((reader.GetInt32(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        return users;
    }

    [Fact]
    public async Task Poison_messages_on_queue_export_are_set_aside_with_a_reason_and_the_service_keeps_serving()
    {
        await PoisonMessages.PublishAndExpectSetAsideAsync(system.Rabbit, system.VirtualHost, "export");

        var destination = $"/exports/after-poison-{Guid.NewGuid():N}.csv";
        await system.WaitForAsync(await system.SubmitAsync("data_export", new { query = "SELECT * FROM users WHERE active = true", format = "csv", destination }), "Completed");
        Assert.True(File.Exists(system.PathOf(destination)));
    }
}
