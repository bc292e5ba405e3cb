extern alias scheduler;

using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using scheduler::Bus.Scheduler.Crons;

namespace Bus.UnitTests.Scheduler.Crons;

public sealed class CronOptionsTests
{
    [Fact]
    public async Task An_invalid_expression_stops_start_up_naming_the_cron_and_the_setting()
    {
        using var host = Build(new()
        {
            ["Crons:nightly:Cron"] = "0 25 * * *",
            ["Crons:nightly:TaskType"] = "cleanup",
        });

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        var message = Assert.Single(failure.Failures);
        Assert.Contains("Crons:nightly (cron 'nightly'): Cron '0 25 * * *' is not a valid cron expression", message);
    }

    [Fact]
    public async Task An_unknown_time_zone_stops_start_up_naming_the_cron_and_the_zone()
    {
        using var host = Build(new()
        {
            ["Crons:report:Cron"] = "0 9 * * *",
            ["Crons:report:TimeZone"] = "America/Atlantis",
            ["Crons:report:TaskType"] = "daily-report",
        });

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(failure.Failures, m => m.Contains("Crons:report (cron 'report'): TimeZone 'America/Atlantis' is not a known time zone"));
    }

    [Fact]
    public async Task Every_bad_setting_is_named_at_once()
    {
        using var host = Build(new()
        {
            ["Crons:0:Cron"] = "*/5 * * * *",
            ["Crons:0:TaskType"] = "a",
            ["Crons:1:Name"] = "bad name!",
            ["Crons:1:Cron"] = "*/5 * * * *",
            ["Crons:1:TaskType"] = "a",
            ["Crons:2:Name"] = "x",
            ["Crons:2:Priority"] = "11",
            ["Crons:2:Enabled"] = "yes",
            ["Crons:2:Data"] = "[1, 2]",
        });

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        var messages = string.Join("\n", failure.Failures);
        Assert.Contains("Crons:0:Name is required", messages);
        Assert.Contains("Crons:1:Name 'bad name!' must be", messages);
        Assert.Contains("Crons:2 (cron 'x'): Cron is required", messages);
        Assert.Contains("Crons:2 (cron 'x'): TaskType is required", messages);
        Assert.Contains("Crons:2 (cron 'x'): Priority '11' must be a whole number from 0 to 10", messages);
        Assert.Contains("Crons:2 (cron 'x'): Enabled 'yes' must be true or false", messages);
        Assert.Contains("Crons:2 (cron 'x'): Data must be a JSON object", messages);
    }

    [Fact]
    public async Task Two_crons_with_one_name_stop_start_up()
    {
        using var host = Build(new()
        {
            ["Crons:0:Name"] = "sync",
            ["Crons:0:Cron"] = "* * * * *",
            ["Crons:0:TaskType"] = "a",
            ["Crons:1:Name"] = "sync",
            ["Crons:1:Cron"] = "*/5 * * * *",
            ["Crons:1:TaskType"] = "b",
        });

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(failure.Failures, m => m.Contains("'sync' is used by more than one cron"));
    }

    [Fact]
    public void A_dictionary_entry_is_named_by_its_key_and_its_data_section_becomes_JSON()
    {
        var schedule = Single(new()
        {
            ["Crons:retention:Cron"] = "0 * * * *",
            ["Crons:retention:TimeZone"] = "America/Argentina/Cordoba",
            ["Crons:retention:TaskType"] = "cleanup",
            ["Crons:retention:Priority"] = "3",
            ["Crons:retention:Data:olderThanDays"] = "30",
            ["Crons:retention:Data:dryRun"] = "false",
            ["Crons:retention:Data:zip"] = "007",
            ["Crons:retention:Data:statuses:0"] = "Completed",
            ["Crons:retention:Data:statuses:1"] = "Failed",
        });

        Assert.Equal("retention", schedule.Name);
        Assert.Equal("0 0 * * * ?", schedule.QuartzCron);
        Assert.Equal("America/Argentina/Cordoba", schedule.TimeZone.Id);
        Assert.Equal(3, schedule.Priority);
        Assert.True(schedule.Enabled);
        using var data = JsonDocument.Parse(schedule.Data);
        Assert.Equal(30, data.RootElement.GetProperty("olderThanDays").GetInt32());
        Assert.False(data.RootElement.GetProperty("dryRun").GetBoolean());
        Assert.Equal("007", data.RootElement.GetProperty("zip").GetString());
        Assert.Equal(["Completed", "Failed"], data.RootElement.GetProperty("statuses").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void A_list_entry_carries_its_name_data_may_be_one_JSON_string_and_the_zone_defaults_to_UTC()
    {
        var schedule = Single(new()
        {
            ["Crons:0:Name"] = "sync",
            ["Crons:0:Cron"] = "*/5 * * * *",
            ["Crons:0:TaskType"] = "serpram_sync",
            ["Crons:0:Data"] = """{"since": "2026-01-01", "full": true}""",
            ["Crons:0:Enabled"] = "false",
        });

        Assert.Equal("sync", schedule.Name);
        Assert.Equal("UTC", schedule.TimeZone.Id);
        Assert.False(schedule.Enabled);
        using var data = JsonDocument.Parse(schedule.Data);
        Assert.True(data.RootElement.GetProperty("full").GetBoolean());
    }

    [Fact]
    public async Task The_shipped_crons_are_valid_in_Cordoba_time_and_only_the_maintenance_ones_are_enabled()
    {
        var settings = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(TestRepository.Root, "services", "Scheduler", "appsettings.json"))
            .Build();
        using var host = Build(settings.AsEnumerable().ToDictionary(p => p.Key, p => p.Value));
        await host.StartAsync();

        var crons = host.Services.GetRequiredService<CronCatalog>().All.ToDictionary(s => s.Name);

        Assert.Equal(
            new Dictionary<string, (string, string)>
            {
                ["serpram-sync"] = ("0 */5 * * * ?", "serpram_sync"),
                ["ayt-sync"] = ("0 * * * * ?", "ayt_sync"),
                ["clean-verification-tokens"] = ("0 0 * * * ?", "clean-verification-tokens"),
                ["daily-report"] = ("0 0 9 * * ?", "daily-report"),
                ["task-retention-cleanup"] = ("0 0 * * * ?", "cleanup"),
                ["trim-email-ledger"] = ("0 30 3 * * ?", "clean-table"),
                ["trim-media-ledger"] = ("0 30 3 * * ?", "clean-table"),
                ["trim-export-ledger"] = ("0 30 3 * * ?", "clean-table"),
                ["trim-integration-alerts"] = ("0 30 3 * * ?", "clean-table"),
            },
            crons.ToDictionary(c => c.Key, c => (c.Value.QuartzCron, c.Value.TaskType)));
        Assert.All(crons.Values, c => Assert.Equal("America/Argentina/Cordoba", c.TimeZone.Id));
        Assert.Equal(["clean-verification-tokens", "daily-report", "task-retention-cleanup", "trim-email-ledger", "trim-export-ledger", "trim-integration-alerts", "trim-media-ledger"],
            crons.Values.Where(c => c.Enabled).Select(c => c.Name).Order());
        Assert.All(crons.Values.Where(c => c.Name.StartsWith("trim-")),
            c => Assert.Equal(c.Name["trim-".Length..], JsonDocument.Parse(c.Data).RootElement.GetProperty("table").GetString()));
        await host.StopAsync();
    }

    private static CronSchedule Single(Dictionary<string, string?> settings)
    {
        using var host = Build(settings);
        return Assert.Single(host.Services.GetRequiredService<CronCatalog>().All);
    }

    /// <summary>A host with only the crons' registrations (the sync needs Quartz, so it is left out).</summary>
    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddCronSchedules();
        var sync = builder.Services.Single(d => d.ImplementationType == typeof(CronScheduleSync));
        builder.Services.Remove(sync);
        return builder.Build();
    }
}
