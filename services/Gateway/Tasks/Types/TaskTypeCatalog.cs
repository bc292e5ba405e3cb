namespace Bus.Gateway.Tasks.Types;

/// <summary>Every task type the Gateway accepts, by its public name.</summary>
public sealed class TaskTypeCatalog(IEnumerable<ITaskType> types)
{
    private readonly Dictionary<string, ITaskType> _byName = types.ToDictionary(t => t.Route.Type, StringComparer.Ordinal);

    public IReadOnlyCollection<string> Names => _byName.Keys;

    public ITaskType? Find(string name) => _byName.GetValueOrDefault(name);
}
