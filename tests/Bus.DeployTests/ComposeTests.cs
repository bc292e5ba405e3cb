using Bus.DeployTests.Infrastructure;

namespace Bus.DeployTests;

/// <summary>docker-compose.yml against deploy/services.json, the Dockerfiles and the options the services bind.</summary>
public class ComposeTests
{
    private static readonly object Compose = Yaml.Load(Repository.Read("docker-compose.yml"));

    private static IDictionary<object, object> Services => Compose.MapAt("services");

    [Fact]
    public void The_infrastructure_services_scripts_infra_starts_are_there_with_health_checks()
    {
        foreach (var name in new[] { "rabbitmq", "postgres", "redis", "mailpit" })
        {
            Assert.True(Services.ContainsKey(name), $"scripts/infra runs `docker compose up {name}`");
            Assert.NotEmpty(Services.ListAt(name, "healthcheck", "test"));
        }
        Assert.Contains("rabbitmq postgres redis mailpit", Repository.Read("scripts/infra"));
    }

    [Fact]
    public void PostgreSQL_keeps_its_durable_commits()
    {
        // A commit that waits for no WAL flush can vanish in a crash after the bus message it answered was
        // acknowledged: a task accepted with a 202 and then lost. Only scripts/infra's test servers trade that for speed.
        var settings = string.Join(' ', Services.ListAt("postgres", "command"));

        Assert.DoesNotContain("synchronous_commit", settings);
        Assert.DoesNotContain("fsync", settings);
    }

    [Theory]
    [MemberData(nameof(Repository.ServiceNames), MemberType = typeof(Repository))]
    public void Every_listed_service_is_built_from_its_Dockerfile_and_waits_for_its_migration(string name)
    {
        var service = Repository.Service(name);
        Assert.True(Services.ContainsKey(name), $"docker-compose.yml has no service '{name}'");

        Assert.Equal(".", Services.Text(name, "build", "context"));
        Assert.Equal(service.Dockerfile, Services.Text(name, "build", "dockerfile"));
        Assert.StartsWith($"{service.Image}:", Services.Text(name, "image"));
        Assert.NotEmpty(Services.ListAt(name, "healthcheck", "test"));
        Assert.Contains("GET /health/ready ", string.Join(' ', Services.ListAt(name, "healthcheck", "test")));

        if (service.Migrates)
        {
            var migrate = $"{name}-migrate";
            Assert.Equal(Services.Text(name, "image"), Services.Text(migrate, "image"));
            Assert.Equal(["migrate"], Services.ListAt(migrate, "command"));
            Assert.Equal("no", Services.Text(migrate, "restart"));
            Assert.Equal("service_completed_successfully", Services.Text(name, "depends_on", migrate, "condition"));
        }
        Assert.Equal("service_healthy", Services.Text(name, "depends_on", "rabbitmq", "condition"));
        Assert.Equal("service_healthy", Services.Text(name, "depends_on", "postgres", "condition"));
    }

    [Theory]
    [MemberData(nameof(Repository.ServiceNames), MemberType = typeof(Repository))]
    public void Every_environment_variable_sets_an_option_the_service_binds_and_every_listed_setting_is_set(string name)
    {
        var service = Repository.Service(name);
        var catalog = OptionsCatalog.For(service);
        var containers = new[] { name, $"{name}-migrate" }.Where(Services.ContainsKey);

        foreach (var container in containers)
        {
            var environment = Services.MapAt(container, "environment").Entries().Select(e => e.Key).ToList();
            Assert.All(environment, variable => Assert.Null(catalog.WhyNotBound(variable)));
            Assert.Subset(environment.ToHashSet(), service.Settings.ToHashSet());
        }
    }

    [Fact]
    public void A_task_queue_s_type_is_given_to_its_workers_and_the_gateway_alike()
    {
        var settings = Repository.Services.Where(s => Services.ContainsKey(s.Name)).ToDictionary(
            s => s.Name,
            s => (IReadOnlyDictionary<string, string>)Services.MapAt(s.Name, "environment").Entries().ToDictionary(e => e.Key, e => e.Value as string ?? ""));

        Assert.Empty(QueueTypeAgreement.Disagreements(settings));
    }

    [Fact]
    public void Dependencies_wait_only_for_health_checks_and_completed_one_shots_and_form_no_cycle()
    {
        var dependencies = Services.Entries().ToDictionary(
            s => s.Key,
            s => s.Value.MapAt("depends_on").Entries().Select(d => (Name: d.Key, Condition: d.Value.Text("condition"))).ToList());

        foreach (var (service, needs) in dependencies)
        foreach (var (dependency, condition) in needs)
        {
            Assert.True(Services.ContainsKey(dependency), $"{service} depends on unknown {dependency}");
            if (condition == "service_healthy")
                Assert.NotEmpty(Services.ListAt(dependency, "healthcheck", "test"));
            else
                Assert.True(condition == "service_completed_successfully" && Services.Text(dependency, "restart") == "no",
                    $"{service} → {dependency}: wait for service_healthy or a one-shot's service_completed_successfully, not '{condition}'");
        }

        var done = new HashSet<string>();
        var visiting = new Stack<string>();
        void Visit(string service)
        {
            Assert.False(visiting.Contains(service), $"depends_on cycle: {string.Join(" → ", visiting.Reverse().Append(service))}");
            if (!done.Add(service))
                return;
            visiting.Push(service);
            foreach (var (dependency, _) in dependencies[service])
                Visit(dependency);
            visiting.Pop();
        }
        foreach (var service in dependencies.Keys)
            Visit(service);
    }

    [Fact]
    public void Every_volume_a_service_mounts_is_a_declared_named_volume()
    {
        var declared = Compose.MapAt("volumes").Keys.Cast<string>().ToHashSet();
        var mounted = Services.Values.SelectMany(s => s.ListAt("volumes")).Cast<string>().Select(v => v.Split(':')[0]).ToList();

        Assert.NotEmpty(mounted);
        Assert.All(mounted, volume => Assert.Contains(volume, declared));
    }
}
