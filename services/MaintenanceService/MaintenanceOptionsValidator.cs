using System.Net.Mail;
using Bus.ServiceDefaults.Messaging;
using Microsoft.Extensions.Options;

namespace Bus.MaintenanceService;

/// <summary>Every bad <c>Maintenance</c> setting is named at start, not discovered by the first task that needs it.</summary>
public sealed class MaintenanceOptionsValidator : IValidateOptions<MaintenanceOptions>
{
    private static readonly TimeSpan ShortestRetention = TimeSpan.FromMinutes(1);

    public ValidateOptionsResult Validate(string? name, MaintenanceOptions options)
    {
        var errors = new List<string>();
        var retention = options.Retention;
        CheckRetention(errors, "Maintenance:Retention:Completed", retention.Completed);
        CheckRetention(errors, "Maintenance:Retention:Failed", retention.Failed);
        CheckRetention(errors, "Maintenance:Retention:Cancelled", retention.Cancelled);
        if (retention.HistoryRetention < DailyReport.Period)
            errors.Add($"Maintenance:Retention:HistoryRetention must be at least {DailyReport.Period} (the daily report reads a day of it)");
        foreach (var (type, byType) in retention.Types)
        {
            var setting = $"Maintenance:Retention:Types:{type}";
            if (TaskRoutes.FindByType(type) is null)
                errors.Add($"{setting}: '{type}' is not a task type");
            foreach (var (status, value) in new[] { ("Completed", byType.Completed), ("Failed", byType.Failed), ("Cancelled", byType.Cancelled) })
            {
                if (value is { } age)
                    CheckRetention(errors, $"{setting}:{status}", age);
            }
        }

        foreach (var (root, files) in options.Files)
        {
            var setting = $"Maintenance:Files:{root}";
            if (string.IsNullOrWhiteSpace(files.Path))
                errors.Add($"{setting}:Path is required");
            else if (Path.GetFullPath(files.Path) == Path.GetPathRoot(Path.GetFullPath(files.Path)))
                errors.Add($"{setting}:Path must be a storage root, not the file system's root");
            CheckRetention(errors, $"{setting}:MaxAge", files.MaxAge);
        }

        foreach (var (table, declared) in options.Tables)
        {
            var setting = $"Maintenance:Tables:{table}";
            if (string.IsNullOrWhiteSpace(declared.Table) || declared.Table.Split('.').Length > 2 || declared.Table.Split('.').Any(p => p.Length == 0))
                errors.Add($"{setting}:Table must be table or schema.table");
            if (string.IsNullOrWhiteSpace(declared.TimestampColumn))
                errors.Add($"{setting}:TimestampColumn is required");
            if (declared.MaxAge < TimeSpan.Zero)
                errors.Add($"{setting}:MaxAge must not be negative");
            if (declared.BatchSize is < 1 or > 10_000)
                errors.Add($"{setting}:BatchSize must be between 1 and 10000");
        }

        foreach (var recipient in options.Report.Recipients)
        {
            if (!MailAddress.TryCreate(recipient, out var address) || address.Address != recipient.Trim())
                errors.Add($"Maintenance:Report:Recipients: '{recipient}' is not an e-mail address");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckRetention(List<string> errors, string setting, TimeSpan value)
    {
        if (value < ShortestRetention)
            errors.Add($"{setting} must be at least {ShortestRetention}");
    }
}
