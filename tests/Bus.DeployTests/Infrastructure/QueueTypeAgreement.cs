namespace Bus.DeployTests.Infrastructure;

/// <summary>
/// A task queue's type (<c>Queues__&lt;queue&gt;__Type</c>) is declared by its workers and by the Gateway: two
/// declarations that differ fail with 406, so wherever one of them is given the setting, the other must be given the
/// same value (or the same ConfigMap key).
/// </summary>
public static class QueueTypeAgreement
{
    /// <param name="settings">Each service's environment: variable name → its value or where it comes from.</param>
    public static IReadOnlyList<string> Disagreements(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> settings)
    {
        var gateway = Repository.Services.Single(s => s.Kind == "gateway").Name;
        var found = new List<string>();
        foreach (var worker in Repository.Services.Where(s => s.IsWorker))
        {
            var key = $"Queues__{worker.Queue}__Type";
            var atWorker = settings.GetValueOrDefault(worker.Name)?.GetValueOrDefault(key);
            var atGateway = settings.GetValueOrDefault(gateway)?.GetValueOrDefault(key);
            if (atWorker != atGateway)
                found.Add($"{key}: {worker.Name} has {atWorker ?? "nothing"}, {gateway} has {atGateway ?? "nothing"}; give both the same");
        }
        return found;
    }
}
