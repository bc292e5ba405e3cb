using System.Xml.Linq;
using Bus.DeployTests.Infrastructure;

namespace Bus.DeployTests;

/// <summary>Each service's Dockerfile, read as text: what it builds, from which files, and how the image runs.</summary>
public class DockerfileTests
{
    [Theory]
    [MemberData(nameof(Repository.ServiceNames), MemberType = typeof(Repository))]
    public void The_build_stage_restores_and_publishes_the_listed_project_with_the_SDK(string name)
    {
        var service = Repository.Service(name);
        var build = Parse(service)["build"];

        Assert.Equal("mcr.microsoft.com/dotnet/sdk:10.0", build.BaseImage);
        Assert.Contains($"dotnet restore {service.Project}", build.All("RUN"));
        Assert.Contains(build.All("RUN"), run => run.StartsWith($"dotnet publish {service.Project} -c Release --no-restore") && run.EndsWith("-o /app"));
    }

    [Theory]
    [MemberData(nameof(Repository.ServiceNames), MemberType = typeof(Repository))]
    public void The_build_stage_copies_every_project_the_service_references_before_restoring(string name)
    {
        var service = Repository.Service(name);
        var build = Parse(service)["build"];
        var beforeRestore = build.Instructions.TakeWhile(i => !(i.Keyword == "RUN" && i.Arguments.StartsWith("dotnet restore")))
            .Where(i => i.Keyword == "COPY").SelectMany(i => i.Arguments.Split(' ')[..^1]).ToHashSet();
        var afterRestore = build.All("COPY").Select(c => c.Split(' ')[0]).ToHashSet();

        Assert.Subset(beforeRestore, new HashSet<string> { "global.json", "Directory.Build.props", "Directory.Packages.props" });
        foreach (var project in ProjectClosure(service.Project))
        {
            Assert.Contains(project, beforeRestore);
            Assert.Contains(Path.GetDirectoryName(project)!.Replace('\\', '/') + "/", afterRestore);
        }
    }

    [Theory]
    [MemberData(nameof(Repository.ServiceNames), MemberType = typeof(Repository))]
    public void The_runtime_image_runs_the_assembly_as_a_non_root_user_with_a_health_check(string name)
    {
        var service = Repository.Service(name);
        var runtime = Parse(service).Stages[^1];

        Assert.Equal("mcr.microsoft.com/dotnet/aspnet:10.0", runtime.BaseImage);
        Assert.Equal($"[\"dotnet\", \"{service.Assembly}.dll\"]", runtime.All("ENTRYPOINT").Single());
        Assert.Equal("--from=build /app ./", runtime.All("COPY").Single());
        var user = runtime.All("USER").Single();
        Assert.DoesNotContain(user, new[] { "root", "0" });
        Assert.Contains(service.Port.ToString(), runtime.All("EXPOSE"));
        Assert.Contains($"ASPNETCORE_HTTP_PORTS={service.Port}", runtime.All("ENV").Single());
        var healthCheck = runtime.All("HEALTHCHECK").Single();
        Assert.Contains($"/dev/tcp/127.0.0.1/{service.Port}", healthCheck);
        Assert.Contains("GET /health/live ", healthCheck);
    }

    [Fact]
    public void The_build_context_leaves_out_build_output_and_what_images_do_not_need()
    {
        var ignored = Repository.Read(".dockerignore").Split('\n').Select(l => l.Trim()).ToHashSet();

        Assert.Superset(new HashSet<string> { "**/bin/", "**/obj/", ".git/", "tests/", "**/appsettings.Development.json" }, ignored);
    }

    private static Dockerfile Parse(DeployedService service)
    {
        Assert.True(File.Exists(Repository.PathOf(service.Dockerfile)), $"{service.Dockerfile} does not exist");
        return Dockerfile.Parse(Repository.Read(service.Dockerfile));
    }

    /// <summary>The project and every project it references, transitively, relative to the repository root.</summary>
    internal static IReadOnlyCollection<string> ProjectClosure(string project)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var next))
        {
            if (!found.Add(next))
                continue;
            var directory = Path.GetDirectoryName(Repository.PathOf(next))!;
            foreach (var reference in XDocument.Load(Repository.PathOf(next)).Descendants("ProjectReference"))
            {
                var full = Path.GetFullPath(Path.Combine(directory, reference.Attribute("Include")!.Value.Replace('\\', Path.DirectorySeparatorChar)));
                pending.Push(Path.GetRelativePath(Repository.Root, full).Replace('\\', '/'));
            }
        }
        return found;
    }
}
