using System.Collections;
using System.Reflection;
using Bus.ServiceDefaults.Options;

namespace Bus.DeployTests.Infrastructure;

/// <summary>
/// The settings a service binds, found by reflection: every options class with a <c>Section</c> constant in the
/// service's assembly and in ServiceDefaults. Tells whether an environment variable (<c>Section__Key</c>) lands on a
/// property, so a misspelt or removed setting in compose or Kubernetes fails a test instead of being ignored.
/// </summary>
public sealed class OptionsCatalog
{
    // Bound once per name (Queues:<queue>:…), not as one object.
    private static readonly HashSet<Type> NamedPerKey = [typeof(QueueOptions)];

    // Read by the .NET host or OpenTelemetry, not by an options class.
    private static readonly string[] PlatformPrefixes = ["ASPNETCORE_", "DOTNET_", "OTEL_"];

    private readonly List<(string[] Path, Type Type)> _sections;

    private OptionsCatalog(IEnumerable<Assembly> assemblies)
    {
        _sections = assemblies
            .SelectMany(a => a.GetTypes())
            .Select(t => (Type: t, Field: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)))
            .Where(x => x.Field is { IsLiteral: true } && x.Field.FieldType == typeof(string))
            .Select(x => (((string)x.Field!.GetRawConstantValue()!).Split(':'), x.Type))
            .OrderByDescending(x => x.Item1.Length)
            .ToList();
    }

    public static OptionsCatalog For(DeployedService service) =>
        new([Assembly.Load(service.Assembly), typeof(RabbitMqOptions).Assembly]);

    public IReadOnlyCollection<string> Sections => _sections.Select(s => string.Join(':', s.Path)).ToList();

    /// <summary>Null when <paramref name="environmentVariable"/> sets an options property; otherwise why not.</summary>
    public string? WhyNotBound(string environmentVariable)
    {
        if (PlatformPrefixes.Any(environmentVariable.StartsWith))
            return null;
        var segments = environmentVariable.Split("__");
        foreach (var (path, type) in _sections)
        {
            if (segments.Length <= path.Length || !path.SequenceEqual(segments[..path.Length], StringComparer.OrdinalIgnoreCase))
                continue;
            var rest = segments[path.Length..];
            if (NamedPerKey.Contains(type))
                rest = rest[1..];
            return Walk(type, rest, environmentVariable);
        }
        return $"{environmentVariable}: no options section of the service starts it (sections: {string.Join(", ", Sections)})";
    }

    private static string? Walk(Type type, string[] rest, string name)
    {
        if (rest.Length == 0)
            return IsLeaf(type) ? null : $"{name} names a section ({type.Name}), not a setting";
        if (IsLeaf(type))
            return $"{name} goes below a single value ({type.Name})";

        var dictionary = type.GetInterfaces().Append(type)
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        if (dictionary is not null)
            return Walk(dictionary.GetGenericArguments()[1], rest[1..], name);

        if (type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type))
        {
            var element = type.IsArray ? type.GetElementType()! : type.GetGenericArguments().Single();
            return int.TryParse(rest[0], out _) ? Walk(element, rest[1..], name) : $"{name}: '{rest[0]}' is not a list index";
        }

        var property = type.GetProperty(rest[0], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        return property is null
            ? $"{name}: {type.Name} has no property '{rest[0]}'"
            : Walk(property.PropertyType, rest[1..], name);
    }

    private static bool IsLeaf(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
               || type == typeof(DateTimeOffset) || type == typeof(DateTime) || type == typeof(Uri) || type == typeof(Guid);
    }
}
