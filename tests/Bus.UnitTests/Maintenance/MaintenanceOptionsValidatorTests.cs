extern alias maintenance;
using maintenance::Bus.MaintenanceService;
using Microsoft.Extensions.Configuration;

namespace Bus.UnitTests.Maintenance;

public sealed class MaintenanceOptionsValidatorTests
{
    [Fact]
    public void The_shipped_settings_are_valid_and_declare_the_verification_tokens_table()
    {
        var options = new MaintenanceOptions();
        new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(TestRepository.Root, "services", "MaintenanceService", "appsettings.json"))
            .Build()
            .GetSection(MaintenanceOptions.Section)
            .Bind(options);

        Assert.True(new MaintenanceOptionsValidator().Validate(null, options).Succeeded);
        var tokens = options.Tables["verification-tokens"];
        Assert.Equal(("public.verification_tokens", "expires_at", TimeSpan.Zero), (tokens.Table, tokens.TimestampColumn, tokens.MaxAge));
    }

    [Fact]
    public void Every_bad_setting_is_named()
    {
        var options = new MaintenanceOptions
        {
            Retention = new RetentionOptions
            {
                Completed = TimeSpan.FromSeconds(5),
                HistoryRetention = TimeSpan.FromHours(2),
                Types = { ["no_such_type"] = new TypeRetention { Failed = TimeSpan.Zero } },
            },
            Files = { ["everything"] = new FileRootOptions { Path = "/", MaxAge = TimeSpan.FromDays(1) } },
            Tables = { ["odd"] = new DeclaredTableOptions { Table = "a.b.c", TimestampColumn = "", BatchSize = 0 } },
            Report = new ReportOptions { Recipients = ["not an address"] },
        };

        var failures = new MaintenanceOptionsValidator().Validate(null, options).Failures!.ToList();

        Assert.Equal(
            [
                "Maintenance:Retention:Completed must be at least 00:01:00",
                "Maintenance:Retention:HistoryRetention must be at least 1.00:00:00 (the daily report reads a day of it)",
                "Maintenance:Retention:Types:no_such_type: 'no_such_type' is not a task type",
                "Maintenance:Retention:Types:no_such_type:Failed must be at least 00:01:00",
                "Maintenance:Files:everything:Path must be a storage root, not the file system's root",
                "Maintenance:Tables:odd:Table must be table or schema.table",
                "Maintenance:Tables:odd:TimestampColumn is required",
                "Maintenance:Tables:odd:BatchSize must be between 1 and 10000",
                "Maintenance:Report:Recipients: 'not an address' is not an e-mail address",
            ],
            failures);
    }
}
