using System.Xml.Linq;
using Bus.DeployTests.Infrastructure;
using Bus.ServiceDefaults.Messaging;

namespace Bus.DeployTests;

/// <summary>deploy/services.json against the code: every service is in it, and what it says of each is true.</summary>
public class ServicesListTests
{
    private static readonly string[] Kinds = ["gateway", "worker", "scheduler"];

    [Fact]
    public void Every_service_project_is_in_the_services_list()
    {
        var projects = Directory.GetFiles(Repository.PathOf("services"), "*.csproj", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(Repository.Root, p).Replace('\\', '/'))
            .Order();

        Assert.Equal(projects, Repository.Services.Select(s => s.Project).Order());
    }

    [Theory]
    [MemberData(nameof(Repository.ServiceNames), MemberType = typeof(Repository))]
    public void An_entry_names_its_project_assembly_and_kind(string name)
    {
        var service = Repository.Service(name);

        Assert.True(File.Exists(Repository.PathOf(service.Project)), $"{service.Project} does not exist");
        var assemblyName = XDocument.Load(Repository.PathOf(service.Project)).Descendants("AssemblyName").SingleOrDefault()?.Value
                           ?? Path.GetFileNameWithoutExtension(service.Project);
        Assert.Equal(assemblyName, service.Assembly);
        Assert.Contains(service.Kind, Kinds);
        Assert.Matches("^[a-z][a-z0-9-]*$", service.Name);
        Assert.InRange(service.MinReplicas, 1, service.MaxReplicas);
        Assert.NotEmpty(service.Settings);
    }

    [Fact]
    public void Every_task_queue_has_exactly_one_worker_and_every_worker_a_task_queue()
    {
        var taskQueues = TaskRoutes.All.Select(r => r.Queue).Distinct().Order();
        var workerQueues = Repository.Services.Where(s => s.IsWorker).Select(s => s.Queue!).Order();

        Assert.Equal(taskQueues, workerQueues);
        Assert.All(Repository.Services.Where(s => !s.IsWorker), s => Assert.Null(s.Queue));
    }

    [Theory]
    [MemberData(nameof(Repository.ServiceNames), MemberType = typeof(Repository))]
    public void Every_listed_setting_is_one_the_service_binds(string name)
    {
        var service = Repository.Service(name);
        var catalog = OptionsCatalog.For(service);

        Assert.All(service.Settings, setting => Assert.Null(catalog.WhyNotBound(setting)));
    }

    [Fact]
    public void The_options_catalog_rejects_a_setting_no_options_class_has()
    {
        var catalog = OptionsCatalog.For(Repository.Service("email"));

        Assert.Null(catalog.WhyNotBound("Smtp__Host"));
        Assert.Null(catalog.WhyNotBound("Queues__email__RetryIntervals__0"));
        Assert.Null(catalog.WhyNotBound("Encryption__RetiredKeys__k0"));
        Assert.NotNull(catalog.WhyNotBound("Smtp__Hostname"));
        Assert.NotNull(catalog.WhyNotBound("Redis__ConnectionString"));
        Assert.NotNull(catalog.WhyNotBound("Smtp"));
    }
}
