using Bus.DeployTests.Infrastructure;
using Bus.ServiceDefaults;
using Bus.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Bus.DeployTests;

/// <summary>
/// What <c>kubectl kustomize</c> renders for each overlay, cross-checked against itself, deploy/services.json and the
/// code: selectors, targets, queue names, probes, settings, resources.
/// </summary>
public class KubernetesManifestTests
{
    public static TheoryData<string> Overlays => new() { "deploy/k8s/overlays/dev", "deploy/k8s/overlays/prod" };

    private static List<object> Render(string overlay) => Kubectl.Kustomize(overlay);

    private static IEnumerable<object> OfKind(List<object> objects, string kind) => objects.Where(o => o.Text("kind") == kind);

    private static object Named(List<object> objects, string kind, string name) =>
        OfKind(objects, kind).SingleOrDefault(o => o.Text("metadata", "name") == name)
        ?? throw new Xunit.Sdk.XunitException($"no {kind} '{name}' rendered");

    private static IEnumerable<object> Containers(object workload) =>
        workload.ListAt("spec", "template", "spec", "containers").Concat(workload.ListAt("spec", "template", "spec", "initContainers"));

    private static bool Selects(IDictionary<object, object> selector, object? labels) =>
        selector.Count > 0 && selector.All(pair => labels.Text((string)pair.Key) == (string)pair.Value);

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void Every_listed_service_has_one_deployment_whose_selector_matches_its_pods(string overlay)
    {
        var objects = Render(overlay);
        Assert.Equal(Repository.Services.Select(s => s.Name).Order(), OfKind(objects, "Deployment").Select(d => d.Text("metadata", "name")!).Order());

        foreach (var deployment in OfKind(objects, "Deployment"))
        {
            var podLabels = deployment.At("spec", "template", "metadata", "labels");
            Assert.True(Selects(deployment.MapAt("spec", "selector", "matchLabels"), podLabels), $"{deployment.Text("metadata", "name")}: selector does not match its pods");
            Assert.Equal("bus", podLabels.Text("app.kubernetes.io/part-of"));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void Every_deployment_runs_its_image_non_root_read_only_with_probes_on_the_health_endpoints(string overlay)
    {
        var objects = Render(overlay);
        var stopTimeout = ConsumerStopTimeout();
        var mappedPaths = HealthPathsTheServicesMap();

        foreach (var service in Repository.Services)
        {
            var deployment = Named(objects, "Deployment", service.Name);
            var pod = deployment.At("spec", "template", "spec");
            var container = Assert.Single(pod.ListAt("containers"));

            Assert.Matches($"(^|/){service.Image}:[A-Za-z0-9._-]+$", container.Text("image"));
            var port = Assert.Single(container.ListAt("ports"));
            Assert.Equal(service.Port.ToString(), port.Text("containerPort"));

            foreach (var (probe, path) in new[] { ("livenessProbe", "/health/live"), ("readinessProbe", "/health/ready"), ("startupProbe", "/health/live") })
            {
                Assert.Equal(path, container.Text(probe, "httpGet", "path"));
                Assert.Equal(port.Text("name"), container.Text(probe, "httpGet", "port"));
                Assert.Contains(path, mappedPaths);
            }

            Assert.Equal("true", pod.Text("securityContext", "runAsNonRoot"));
            Assert.NotEqual("0", pod.Text("securityContext", "runAsUser"));
            Assert.Equal("true", container.Text("securityContext", "readOnlyRootFilesystem"));
            Assert.Equal("false", container.Text("securityContext", "allowPrivilegeEscalation"));
            var tmp = Assert.Single(container.ListAt("volumeMounts"), m => m.Text("mountPath") == "/tmp");
            Assert.Single(pod.ListAt("volumes"), v => v.Text("name") == tmp.Text("name") && v.At("emptyDir") is not null);

            Assert.True(int.Parse(pod.Text("terminationGracePeriodSeconds")!) > stopTimeout.TotalSeconds,
                $"{service.Name}: terminationGracePeriodSeconds must exceed MassTransit's StopTimeout ({stopTimeout})");
            Assert.Equal(2, pod.ListAt("topologySpreadConstraints").Count(c => Selects(c.MapAt("labelSelector", "matchLabels"), deployment.At("spec", "template", "metadata", "labels"))));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void Every_container_including_migrations_has_cpu_and_memory_requests_and_limits(string overlay)
    {
        var workloads = Render(overlay).Where(o => o.Text("kind") is "Deployment" or "Job").ToList();
        Assert.Contains(workloads, w => w.Text("kind") == "Job");

        foreach (var container in workloads.SelectMany(Containers))
        foreach (var kind in new[] { "requests", "limits" })
        foreach (var resource in new[] { "cpu", "memory" })
            Assert.False(string.IsNullOrEmpty(container.Text("resources", kind, resource)), $"{container.Text("name")}: no {kind}.{resource}");
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void Every_environment_variable_comes_from_an_existing_key_and_sets_an_option_the_service_binds(string overlay)
    {
        var objects = Render(overlay);
        // The prod overlay leaves the Secret out (it is created from a secret store): its keys are the template's.
        var secrets = OfKind(objects, "Secret").Concat(OfKind(Render("deploy/k8s/base"), "Secret")).ToList();
        var configMaps = OfKind(objects, "ConfigMap").ToList();
        var job = Assert.Single(OfKind(objects, "Job"));

        foreach (var service in Repository.Services)
        {
            var catalog = OptionsCatalog.For(service);
            var containers = Containers(Named(objects, "Deployment", service.Name))
                .Concat(Containers(job).Where(c => c.Text("name") == $"{service.Name}-migrate"));
            foreach (var container in containers)
            {
                var env = container.ListAt("env");
                foreach (var variable in env)
                {
                    var name = variable.Text("name")!;
                    Assert.Null(catalog.WhyNotBound(name));
                    var (source, pool) = variable.At("valueFrom", "secretKeyRef") is { } secretRef
                        ? (secretRef, secrets)
                        : (variable.At("valueFrom", "configMapKeyRef") ?? throw new Xunit.Sdk.XunitException($"{name}: set from a ConfigMap or Secret, not inline"), configMaps);
                    Assert.Contains(pool, o => o.Text("metadata", "name") == source.Text("name")
                                               && (o.MapAt("data").ContainsKey(source.Text("key")!) || o.MapAt("stringData").ContainsKey(source.Text("key")!)));
                }
                Assert.Subset(env.Select(v => v.Text("name")!).ToHashSet(), service.Settings.ToHashSet());
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void A_task_queue_s_type_is_given_to_its_workers_and_the_gateway_from_the_same_key(string overlay)
    {
        var objects = Render(overlay);
        var settings = Repository.Services.ToDictionary(
            s => s.Name,
            s => (IReadOnlyDictionary<string, string>)Containers(Named(objects, "Deployment", s.Name)).SelectMany(c => c.ListAt("env"))
                .ToDictionary(v => v.Text("name")!, v => v.Text("value") ?? $"{v.Text("valueFrom", "configMapKeyRef", "name")}/{v.Text("valueFrom", "configMapKeyRef", "key")}"));

        Assert.Empty(QueueTypeAgreement.Disagreements(settings));
    }

    [Fact]
    public void A_queue_type_given_to_a_worker_but_not_to_the_gateway_is_a_disagreement()
    {
        var worker = Repository.Services.First(s => s.IsWorker);
        var gateway = Repository.Services.Single(s => s.Kind == "gateway");
        var key = $"Queues__{worker.Queue}__Type";
        var quorumAtWorker = new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            [worker.Name] = new Dictionary<string, string> { [key] = "bus-settings/" + key },
            [gateway.Name] = new Dictionary<string, string>(),
        };

        Assert.Single(QueueTypeAgreement.Disagreements(quorumAtWorker));
        quorumAtWorker[gateway.Name] = quorumAtWorker[worker.Name];
        Assert.Empty(QueueTypeAgreement.Disagreements(quorumAtWorker));
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void KEDA_reads_the_same_broker_and_virtual_host_the_services_use(string overlay)
    {
        var objects = Render(overlay);
        var settings = Named(objects, "ConfigMap", "bus-settings");
        var secret = OfKind(objects, "Secret").Concat(OfKind(Render("deploy/k8s/base"), "Secret")).First(s => s.Text("metadata", "name") == "bus-secrets");
        var amqp = new Uri(secret.Text("stringData", "keda-rabbitmq-host")!);

        Assert.Equal("amqp", amqp.Scheme);
        Assert.Equal(settings.Text("data", "RabbitMq__Host"), amqp.Host);
        Assert.Equal(settings.Text("data", "RabbitMq__Port"), amqp.Port.ToString());
        Assert.Equal(settings.Text("data", "RabbitMq__VirtualHost"), Uri.UnescapeDataString(amqp.AbsolutePath.TrimStart('/')) is "" ? "/" : Uri.UnescapeDataString(amqp.AbsolutePath.TrimStart('/')));
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void The_migrations_job_migrates_every_database_owner_with_its_image(string overlay)
    {
        var job = Assert.Single(OfKind(Render(overlay), "Job"));
        var containers = Containers(job).ToList();

        foreach (var service in Repository.Services.Where(s => s.Migrates))
        {
            var container = Assert.Single(containers, c => c.Text("name") == $"{service.Name}-migrate");
            Assert.Matches($"(^|/){service.Image}:", container.Text("image"));
            Assert.Equal(["migrate"], container.ListAt("args"));
        }
        Assert.Equal(Repository.Services.Count(s => s.Migrates), containers.Count);
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void Services_ingress_autoscalers_and_disruption_budgets_target_what_exists(string overlay)
    {
        var objects = Render(overlay);
        var deployments = OfKind(objects, "Deployment").ToDictionary(d => d.Text("metadata", "name")!);

        foreach (var service in OfKind(objects, "Service"))
        {
            var target = Assert.Single(deployments.Values, d => Selects(service.MapAt("spec", "selector"), d.At("spec", "template", "metadata", "labels")));
            var portNames = Containers(target).SelectMany(c => c.ListAt("ports")).Select(p => p.Text("name")).ToList();
            Assert.All(service.ListAt("spec", "ports"), p => Assert.Contains(p.Text("targetPort"), portNames));
        }

        foreach (var ingress in OfKind(objects, "Ingress"))
        foreach (var path in ingress.ListAt("spec", "rules").SelectMany(r => r.ListAt("http", "paths")))
        {
            var backend = Named(objects, "Service", path.Text("backend", "service", "name")!);
            Assert.Contains(backend.ListAt("spec", "ports"), p => p.Text("name") == path.Text("backend", "service", "port", "name"));
        }

        foreach (var deployment in deployments.Values)
            Assert.Single(OfKind(objects, "PodDisruptionBudget"), pdb => Selects(pdb.MapAt("spec", "selector", "matchLabels"), deployment.At("spec", "template", "metadata", "labels")));

        foreach (var hpa in OfKind(objects, "HorizontalPodAutoscaler"))
            Assert.Contains(hpa.Text("spec", "scaleTargetRef", "name")!, deployments.Keys);
        foreach (var scaled in OfKind(objects, "ScaledObject"))
            Assert.Contains(scaled.Text("spec", "scaleTargetRef", "name")!, deployments.Keys);
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void Each_worker_scales_on_its_task_queue_the_gateway_on_cpu_and_the_scheduler_is_left_alone(string overlay)
    {
        var objects = Render(overlay);
        var taskQueues = TaskRoutes.All.Select(r => r.Queue).ToHashSet();

        foreach (var service in Repository.Services)
        {
            var deployment = Named(objects, "Deployment", service.Name);
            var scaledObjects = OfKind(objects, "ScaledObject").Where(s => s.Text("spec", "scaleTargetRef", "name") == service.Name).ToList();
            var hpas = OfKind(objects, "HorizontalPodAutoscaler").Where(h => h.Text("spec", "scaleTargetRef", "name") == service.Name).ToList();
            switch (service.Kind)
            {
                case "worker":
                    var trigger = Assert.Single(Assert.Single(scaledObjects).ListAt("spec", "triggers"));
                    Assert.Equal("rabbitmq", trigger.Text("type"));
                    Assert.Equal(service.Queue, trigger.Text("metadata", "queueName"));
                    Assert.Contains(trigger.Text("metadata", "queueName")!, taskQueues);
                    Assert.Equal("QueueLength", trigger.Text("metadata", "mode"));
                    var auth = Named(objects, "TriggerAuthentication", trigger.Text("authenticationRef", "name")!);
                    Assert.All(auth.ListAt("spec", "secretTargetRef"), r => Assert.Equal("bus-secrets", r.Text("name")));
                    Assert.Empty(hpas);
                    Assert.Null(deployment.At("spec", "replicas"));
                    break;
                case "gateway":
                    var hpa = Assert.Single(hpas);
                    Assert.Equal("cpu", hpa.Text("spec", "metrics", "0", "resource", "name"));
                    Assert.Empty(scaledObjects);
                    Assert.Null(deployment.At("spec", "replicas"));
                    break;
                default:
                    Assert.Empty(scaledObjects);
                    Assert.Empty(hpas);
                    Assert.NotNull(deployment.At("spec", "replicas"));
                    break;
            }
        }
    }

    [SkippableFact]
    public void The_base_replica_bounds_are_the_services_list()
    {
        var objects = Render("deploy/k8s/base");
        foreach (var service in Repository.Services)
        {
            var (min, max) = service.Kind switch
            {
                "worker" => (Named(objects, "ScaledObject", service.Name).Text("spec", "minReplicaCount"), Named(objects, "ScaledObject", service.Name).Text("spec", "maxReplicaCount")),
                "gateway" => (Named(objects, "HorizontalPodAutoscaler", service.Name).Text("spec", "minReplicas"), Named(objects, "HorizontalPodAutoscaler", service.Name).Text("spec", "maxReplicas")),
                _ => (Named(objects, "Deployment", service.Name).Text("spec", "replicas"), service.MaxReplicas.ToString()),
            };
            Assert.Equal(service.MinReplicas.ToString(), min);
            Assert.Equal(service.MaxReplicas.ToString(), max);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void Traffic_is_denied_by_default_and_only_the_gateway_takes_ingress_besides_prometheus_scrapes(string overlay)
    {
        var objects = Render(overlay);
        var policies = OfKind(objects, "NetworkPolicy").ToList();

        Assert.Contains(policies, p => p.MapAt("spec", "podSelector").Count == 0 && p.ListAt("spec", "policyTypes").SequenceEqual(["Ingress", "Egress"])
                                       && p.At("spec", "ingress") is null && p.At("spec", "egress") is null);
        // Scrapes come only from the namespace monitoring, to each service's own port (MonitoringTests).
        static bool FromMonitoringOnly(object policy) => policy.ListAt("spec", "ingress").All(rule => rule.ListAt("from") is { Count: > 0 } from
            && from.All(f => f.Text("namespaceSelector", "matchLabels", "kubernetes.io/metadata.name") == "monitoring" && f.At("podSelector") is null));
        foreach (var policy in policies.Where(p => p.ListAt("spec", "ingress").Count > 0 && !FromMonitoringOnly(p)))
            Assert.Equal("gateway", policy.Text("spec", "podSelector", "matchLabels", "app.kubernetes.io/name"));
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void Each_service_may_reach_the_ports_its_settings_name_and_DNS(string overlay)
    {
        var objects = Render(overlay);
        var settings = Named(objects, "ConfigMap", "bus-settings");
        var secret = OfKind(objects, "Secret").Concat(OfKind(Render("deploy/k8s/base"), "Secret")).First(s => s.Text("metadata", "name") == "bus-secrets");
        string Port(string key) => key switch
        {
            "Postgres__ConnectionString" => System.Text.RegularExpressions.Regex.Match(secret.Text("stringData", key)!, "Port=(\\d+)").Groups[1].Value,
            "Redis__ConnectionString" => settings.Text("data", key)!.Split(',')[0].Split(':')[1],
            _ => settings.Text("data", key)!,
        };
        var portSettings = new[] { "RabbitMq__Port", "RabbitMq__ManagementPort", "Postgres__ConnectionString", "Redis__ConnectionString", "Smtp__Port" };

        foreach (var service in Repository.Services)
        {
            var labels = Named(objects, "Deployment", service.Name).At("spec", "template", "metadata", "labels");
            var rules = OfKind(objects, "NetworkPolicy")
                .Where(p => p.ListAt("spec", "policyTypes").Contains("Egress"))
                .Where(p => p.MapAt("spec", "podSelector", "matchLabels").All(l => labels.Text((string)l.Key) == (string)l.Value))
                .SelectMany(p => p.ListAt("spec", "egress")).ToList();
            bool Allowed(string port) => rules.Any(r => r.ListAt("ports").Count == 0 || r.ListAt("ports").Any(p => p.Text("port") == port));

            Assert.True(Allowed("53"), $"{service.Name}: DNS is blocked");
            foreach (var key in service.Settings.Intersect(portSettings))
                Assert.True(Allowed(Port(key)), $"{service.Name}: egress to port {Port(key)} ({key}) is blocked by the NetworkPolicies");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void Every_object_lands_in_the_overlays_namespace(string overlay)
    {
        var objects = Render(overlay);
        var ns = Assert.Single(OfKind(objects, "Namespace")).Text("metadata", "name");

        Assert.All(objects.Where(o => o.Text("kind") != "Namespace"), o => Assert.Equal(ns, o.Text("metadata", "namespace")));
    }

    [SkippableFact]
    public void The_prod_overlay_never_applies_the_secret_template()
    {
        Assert.Contains(OfKind(Render("deploy/k8s/base"), "Secret"), s => s.Text("metadata", "name") == "bus-secrets");
        Assert.Empty(OfKind(Render("deploy/k8s/overlays/prod"), "Secret"));
        Assert.All(Render("deploy/k8s/base").Where(o => o.Text("kind") == "Secret").SelectMany(s => s.MapAt("stringData").Values),
            value => Assert.Contains("CHANGE-ME", (string)value));
    }

    /// <summary>How long MassTransit lets consumers finish at shutdown, as <see cref="Extensions.AddBus"/> configures it.</summary>
    private static TimeSpan ConsumerStopTimeout()
    {
        var builder = WebApplication.CreateBuilder();
        builder.AddBus(_ => { });
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptions<MassTransitHostOptions>>().Value.StopTimeout!.Value;
    }

    private static HashSet<string> HealthPathsTheServicesMap() =>
        System.Text.RegularExpressions.Regex.Matches(Repository.Read("shared/ServiceDefaults/Extensions.cs"), "MapHealthChecks\\(\"([^\"]+)\"")
            .Select(m => m.Groups[1].Value).ToHashSet();
}
