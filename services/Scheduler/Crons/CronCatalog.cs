using Microsoft.Extensions.Options;

namespace Bus.Scheduler.Crons;

/// <summary>The crons this replica was configured with, resolved once (the options were validated at start).</summary>
public sealed class CronCatalog
{
    public CronCatalog(IOptions<CronOptions> options, TimeProvider time)
    {
        var errors = new List<string>();
        var now = time.GetUtcNow();
        All = [.. options.Value.Crons.Select(setting => CronSchedule.Resolve(setting, now, errors)).OfType<CronSchedule>().OrderBy(s => s.Name, StringComparer.Ordinal)];
        if (errors.Count > 0)
            throw new OptionsValidationException(CronOptions.Section, typeof(CronOptions), errors);
    }

    public IReadOnlyList<CronSchedule> All { get; }

    public CronSchedule? Find(string name) => All.FirstOrDefault(s => s.Name == name);
}
