using System.Text.Json;

namespace Bus.DeployTests.Infrastructure;

/// <summary>The checked-out repository the tests read: its root and deploy/services.json.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static IReadOnlyList<DeployedService> Services { get; } = LoadServices();

    public static string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    public static IEnumerable<object[]> ServiceNames() => Services.Select(s => new object[] { s.Name });

    public static DeployedService Service(string name) => Services.Single(s => s.Name == name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Bus.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"No Bus.sln above {AppContext.BaseDirectory}");
    }

    private static List<DeployedService> LoadServices()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "deploy", "services.json")));
        return json.RootElement.GetProperty("services").Deserialize<List<DeployedService>>(new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? throw new InvalidOperationException("deploy/services.json has no services");
    }
}

/// <summary>One entry of deploy/services.json.</summary>
public sealed record DeployedService(
    string Name,
    string Project,
    string Assembly,
    string Kind,
    int Port,
    string? Queue,
    bool Migrates,
    int MinReplicas,
    int MaxReplicas,
    string[] Settings)
{
    public string ProjectDirectory => Path.GetDirectoryName(Project)!.Replace('\\', '/');

    public string Dockerfile => $"{ProjectDirectory}/Dockerfile";

    public string Image => $"bus/{Name}";

    public bool IsWorker => Kind == "worker";

    public override string ToString() => Name;
}
