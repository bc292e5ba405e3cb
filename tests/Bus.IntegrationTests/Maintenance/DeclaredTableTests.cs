using Bus.IntegrationTests.Infrastructure;

namespace Bus.IntegrationTests.Maintenance;

[Collection(MaintenanceSystemCollection.Name)]
public sealed class DeclaredTableTests(MaintenanceSystem system)
{
    [Fact]
    public async Task Clean_verification_tokens_deletes_the_expired_tokens_in_batches_and_keeps_the_valid_ones()
    {
        await system.ExecuteAsync("""
            TRUNCATE public.verification_tokens;
            INSERT INTO public.verification_tokens SELECT 'expired-' || i, 'u' || i || '@example.com', now() - i * interval '1 minute' FROM generate_series(1, 30) i;
            INSERT INTO public.verification_tokens SELECT 'valid-' || i, 'v' || i || '@example.com', now() + interval '1 hour' FROM generate_series(1, 10) i;
            """);

        var result = await system.RunAsync("clean-verification-tokens");

        Assert.Equal(("verification-tokens", "public.verification_tokens", "expires_at"),
            (result.GetProperty("table").GetString(), result.GetProperty("relation").GetString(), result.GetProperty("column").GetString()));
        Assert.Equal(30, result.GetProperty("deleted").GetInt64());
        Assert.Equal(30 / MaintenanceSystem.TableBatchSize + 1, result.GetProperty("batches").GetInt32());
        Assert.Equal(0L, await system.ScalarAsync<long>("SELECT count(*) FROM public.verification_tokens WHERE token LIKE 'expired-%'"));
        Assert.Equal(10L, await system.ScalarAsync<long>("SELECT count(*) FROM public.verification_tokens WHERE token LIKE 'valid-%'"));
    }

    [Fact]
    public async Task A_mixed_case_table_and_a_column_with_a_space_are_cleaned_through_the_catalogs_own_quoting()
    {
        await system.ExecuteAsync("""
            TRUNCATE public."Sessions";
            INSERT INTO public."Sessions" ("Last Seen") SELECT now() - interval '40 days' FROM generate_series(1, 12);
            INSERT INTO public."Sessions" ("Last Seen") SELECT now() - interval '1 day' FROM generate_series(1, 3);
            """);

        var result = await system.RunAsync("clean-table", new { table = "sessions" });

        Assert.Equal(("public.\"Sessions\"", "\"Last Seen\"", 12L),
            (result.GetProperty("relation").GetString(), result.GetProperty("column").GetString(), result.GetProperty("deleted").GetInt64()));
        Assert.Equal(3L, await system.ScalarAsync<long>("SELECT count(*) FROM public.\"Sessions\""));
    }

    [Theory]
    [InlineData("email-ledger", "email.deliveries")]
    [InlineData("media-ledger", "media.outputs")]
    [InlineData("export-ledger", "export.outputs")]
    [InlineData("integration-alerts", "integration.dead_letter_alerts")]
    public async Task The_shipped_ledger_declarations_name_the_workers_real_tables_and_keep_a_month(string name, string relation)
    {
        var result = await system.RunAsync("clean-table", new { table = name });

        Assert.Equal((name, relation, "created_at", "30.00:00:00"),
            (result.GetProperty("table").GetString(), result.GetProperty("relation").GetString(),
             result.GetProperty("column").GetString(), result.GetProperty("maxAge").GetString()));
    }

    [Fact]
    public async Task The_export_ledger_loses_its_rows_older_than_a_month_and_keeps_the_rest()
    {
        var (old, recent) = (Guid.NewGuid(), Guid.NewGuid());
        await system.ExecuteAsync($"""
            INSERT INTO export.outputs (task_id, kind, status, created_at) VALUES
                ('{old}', 'file', 'completed', now() - interval '31 days'),
                ('{recent}', 'file', 'completed', now() - interval '29 days');
            """);

        await system.RunAsync("clean-table", new { table = "export-ledger" });

        Assert.Equal(0L, await system.ScalarAsync<long>($"SELECT count(*) FROM export.outputs WHERE task_id = '{old}'"));
        Assert.Equal(1L, await system.ScalarAsync<long>($"SELECT count(*) FROM export.outputs WHERE task_id = '{recent}'"));
    }

    public static TheoryData<string, string> Refusals() => new()
    {
        { "injected-table", "Maintenance:Tables:injected-table:Table 'users; DROP TABLE users' is not a table in this database" },
        { "quoted-escape", "Maintenance:Tables:quoted-escape:Table 'public.users\" WHERE true; --' is not a table in this database" },
        { "injected-column", "Maintenance:Tables:injected-column:TimestampColumn 'created_at < now() OR true --' is not a column of public.users" },
        { "not-a-timestamp", "Maintenance:Tables:not-a-timestamp:TimestampColumn 'token' is text, not a timestamp or date" },
        { "system-table", "Maintenance:Tables:system-table:Table 'pg_catalog.pg_class' is in a system schema: refused" },
        { "task-table", "Maintenance:Tables:task-table:Table 'bus.tasks' is the task table: its retention is the cleanup task's (Maintenance:Retention)" },
        { "undeclared", "no table is declared as 'undeclared'; declared: " },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_declaration_the_catalog_does_not_confirm_is_refused_at_once_and_nothing_is_deleted(string name, string reason)
    {
        var taskId = await system.SubmitAsync("clean-table", new { table = name });

        var task = await system.WaitForAsync(taskId, "Failed");

        Assert.StartsWith(reason, task.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(1, task.GetProperty("attempts").GetInt32());
        Assert.Equal(1L, await system.ScalarAsync<long>("SELECT count(*) FROM public.users"));
        Assert.Equal(1L, await system.ScalarAsync<long>("SELECT count(*) FROM pg_catalog.pg_class WHERE relname = 'users'"));
    }

    [Fact]
    public async Task Poison_messages_on_queue_maintenance_are_set_aside_with_a_reason_and_the_service_keeps_serving()
    {
        await PoisonMessages.PublishAndExpectSetAsideAsync(system.Rabbit, system.VirtualHost, "maintenance");

        await system.RunAsync("clean-verification-tokens");
    }
}
