using System.Text.RegularExpressions;
using Bus.DeployTests.Infrastructure;

namespace Bus.DeployTests;

/// <summary>deploy/k8s/infrastructure against the prod overlay: the servers it creates are the ones Bus is told to use.</summary>
public class InfrastructureManifestTests
{
    private static List<object> Infrastructure => Kubectl.Kustomize("deploy/k8s/infrastructure");

    private static List<object> Prod => Kubectl.Kustomize("deploy/k8s/overlays/prod");

    private static object Single(List<object> objects, string kind) => Assert.Single(objects, o => o.Text("kind") == kind);

    private static string Setting(string key) =>
        Assert.Single(Prod, o => o.Text("kind") == "ConfigMap" && o.Text("metadata", "name") == "bus-settings").Text("data", key)!;

    private static string SecretTemplate(string key) =>
        Assert.Single(Kubectl.Kustomize("deploy/k8s/base"), o => o.Text("kind") == "Secret").Text("stringData", key)!;

    [SkippableFact]
    public void RabbitMQ_is_a_three_node_cluster_with_the_host_name_Bus_and_KEDA_are_given()
    {
        var rabbit = Single(Infrastructure, "RabbitmqCluster");

        Assert.Equal("3", rabbit.Text("spec", "replicas"));
        Assert.Equal(rabbit.Text("metadata", "name"), Setting("RabbitMq__Host"));
        Assert.Matches("-management$", rabbit.Text("spec", "image"));
        Assert.Equal("5672", Setting("RabbitMq__Port"));
        Assert.Equal("15672", Setting("RabbitMq__ManagementPort"));
        Assert.NotNull(rabbit.At("spec", "resources", "limits", "memory"));
    }

    [SkippableFact]
    public void PostgreSQL_is_a_three_instance_cluster_whose_primary_service_and_database_the_connection_string_names()
    {
        var postgres = Single(Infrastructure, "Cluster");
        var connection = SecretTemplate("Postgres__ConnectionString");

        Assert.Equal("3", postgres.Text("spec", "instances"));
        Assert.Equal($"{postgres.Text("metadata", "name")}-rw", Regex.Match(connection, "Host=([^;]+)").Groups[1].Value);
        Assert.Equal(postgres.Text("spec", "bootstrap", "initdb", "database"), Regex.Match(connection, "Database=([^;]+)").Groups[1].Value);
        Assert.Equal(postgres.Text("spec", "bootstrap", "initdb", "owner"), Regex.Match(connection, "Username=([^;]+)").Groups[1].Value);
        Assert.NotNull(postgres.At("spec", "resources", "limits", "memory"));
    }

    [SkippableFact]
    public void Redis_is_served_under_the_host_and_port_the_gateway_is_given()
    {
        var redis = Single(Infrastructure, "Service");
        var (host, port) = (Setting("Redis__ConnectionString").Split(':')[0], Setting("Redis__ConnectionString").Split(':')[1]);

        Assert.Equal(redis.Text("metadata", "name"), host);
        Assert.Contains(redis.ListAt("spec", "ports"), p => p.Text("port") == port);
        var statefulSet = Single(Infrastructure, "StatefulSet");
        Assert.True(redis.MapAt("spec", "selector").All(l => statefulSet.Text("spec", "template", "metadata", "labels", (string)l.Key) == (string)l.Value));
        var container = Assert.Single(statefulSet.ListAt("spec", "template", "spec", "containers"));
        Assert.NotNull(container.At("resources", "requests", "cpu"));
        Assert.NotNull(container.At("resources", "limits", "memory"));
    }

    [SkippableFact]
    public void Every_server_has_a_network_policy_admitting_bus_into_the_prod_namespace_default_deny()
    {
        var ns = Assert.Single(Prod, o => o.Text("kind") == "Namespace").Text("metadata", "name");
        Assert.All(Infrastructure, o => Assert.Equal(ns, o.Text("metadata", "namespace")));

        var policies = Infrastructure.Where(o => o.Text("kind") == "NetworkPolicy").ToList();
        foreach (var (label, value) in new[] { ("app.kubernetes.io/name", Single(Infrastructure, "RabbitmqCluster").Text("metadata", "name")),
                                               ("cnpg.io/cluster", Single(Infrastructure, "Cluster").Text("metadata", "name")),
                                               ("app.kubernetes.io/name", Single(Infrastructure, "StatefulSet").Text("metadata", "name")) })
        {
            var policy = Assert.Single(policies, p => p.Text("spec", "podSelector", "matchLabels", label) == value);
            Assert.NotEmpty(policy.ListAt("spec", "ingress"));
        }
    }
}
