using System.Text.RegularExpressions;
using Bus.DeployTests.Infrastructure;
using k8s.Models;

namespace Bus.DeployTests;

/// <summary>
/// What the typed models cannot catch: values the API server rejects although their type is right — names and labels
/// that are not DNS names, unknown enum values, unparsable quantities, ports out of range.
/// </summary>
public partial class SchemaValueTests
{
    private static readonly Dictionary<string, string[]> Enums = new()
    {
        ["protocol"] = ["TCP", "UDP", "SCTP"],
        ["policyTypes"] = ["Ingress", "Egress"],
        ["imagePullPolicy"] = ["Always", "IfNotPresent", "Never"],
        ["restartPolicy"] = ["Always", "OnFailure", "Never"],
        ["whenUnsatisfiable"] = ["DoNotSchedule", "ScheduleAnyway"],
        ["pathType"] = ["Exact", "Prefix", "ImplementationSpecific"],
    };

    private static readonly HashSet<string> PortKeys = ["port", "containerPort", "targetPort"];

    public static TheoryData<string> Renders => new() { "deploy/k8s/base", "deploy/k8s/overlays/dev", "deploy/k8s/overlays/prod" };

    [SkippableTheory]
    [MemberData(nameof(Renders))]
    public void Names_labels_enums_quantities_and_ports_are_values_the_API_server_accepts(string directory)
    {
        var problems = new List<string>();
        foreach (var item in Kubectl.Kustomize(directory))
        {
            var where = $"{item.Text("kind")} {item.Text("metadata", "name")}";
            var name = item.Text("metadata", "name") ?? "";
            // Services and namespaces are DNS labels (63, letter first); everything else here a DNS subdomain.
            if (item.Text("kind") is "Service" or "Namespace" ? !DnsLabel().IsMatch(name) || !char.IsLetter(name[0]) : name.Length > 253 || !DnsSubdomain().IsMatch(name))
                problems.Add($"{where}: '{name}' is not a valid name");
            Walk(item, where, "", problems);
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void A_wrong_value_of_each_kind_is_found()
    {
        var problems = new List<string>();
        var wrong = Yaml.Load("""
            metadata: { labels: { "app.kubernetes.io/name": "-bad-" } }
            spec:
              policyTypes: [Ingres]
              containers:
                - name: Web_1
                  ports: [{ containerPort: 70000, protocol: tcp }]
                  resources: { limits: { memory: 256MB } }
            """);

        Walk(wrong, "test", "", problems);

        Assert.Equal(6, problems.Count);
        foreach (var expected in new[] { "'-bad-'", "'Ingres'", "'Web_1'", "70000", "'tcp'", "'256MB'" })
            Assert.Contains(problems, p => p.Contains(expected));
    }

    private static void Walk(object? node, string where, string key, List<string> problems)
    {
        switch (node)
        {
            case IDictionary<object, object> map:
                foreach (var (childKey, value) in map.Entries())
                {
                    if (childKey is "labels" or "matchLabels" && value is IDictionary<object, object> labels)
                        CheckLabels(labels, where, problems);
                    if (childKey is "requests" or "limits" && value is IDictionary<object, object> quantities)
                        CheckQuantities(quantities, where, problems);
                    if (childKey == "name" && key is "containers" or "initContainers" or "volumes" && value is string container && !DnsLabel().IsMatch(container))
                        problems.Add($"{where}: '{container}' is not a valid {key} name");
                    // A KEDA trigger's metadata belongs to its scaler (its `protocol` is amqp or http): SchemaTests checks its keys.
                    if (childKey != "triggers")
                        Walk(value, where, childKey, problems);
                }
                break;
            case IList<object> list:
                foreach (var element in list)
                    Walk(element, where, key, problems);
                break;
            case string value when Enums.TryGetValue(key, out var allowed) && !allowed.Contains(value):
                problems.Add($"{where}: {key} '{value}' is none of {string.Join(", ", allowed)}");
                break;
            case string value when PortKeys.Contains(key) && int.TryParse(value, out var port) && port is < 1 or > 65535:
                problems.Add($"{where}: {key} {port} is not a port");
                break;
        }
    }

    private static void CheckLabels(IDictionary<object, object> labels, string where, List<string> problems)
    {
        foreach (var (label, value) in labels.Entries())
        {
            var text = value as string ?? "";
            if (text.Length > 63 || !LabelValue().IsMatch(text))
                problems.Add($"{where}: label {label} has the invalid value '{text}'");
            var nameOnly = label.Split('/')[^1];
            if (nameOnly.Length > 63 || !LabelValue().IsMatch(nameOnly) || nameOnly.Length == 0)
                problems.Add($"{where}: '{label}' is not a valid label key");
        }
    }

    private static void CheckQuantities(IDictionary<object, object> quantities, string where, List<string> problems)
    {
        foreach (var (resource, value) in quantities.Entries())
        {
            try
            {
                _ = new ResourceQuantity((string)value).ToDecimal();
            }
            catch (Exception e) when (e is FormatException or ArgumentException or InvalidCastException)
            {
                problems.Add($"{where}: {resource} '{value}' is not a quantity");
            }
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();
}
