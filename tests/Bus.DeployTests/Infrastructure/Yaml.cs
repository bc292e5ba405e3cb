using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Bus.DeployTests.Infrastructure;

/// <summary>YAML as plain objects (maps, lists, string scalars), with anchors and merge keys (<c>&lt;&lt;:</c>) resolved.</summary>
public static class Yaml
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder().Build();

    public static List<object> LoadAll(string text)
    {
        var parser = new MergingParser(new Parser(new StringReader(text)));
        parser.Consume<StreamStart>();
        var documents = new List<object>();
        while (parser.Accept<DocumentStart>(out _))
        {
            if (Deserializer.Deserialize<object>(parser) is { } document)
                documents.Add(document);
        }
        return documents;
    }

    public static object Load(string text) => LoadAll(text).Single();

    /// <summary>The value at <paramref name="path"/> (map keys, or list indexes as numbers), or null when absent.</summary>
    public static object? At(this object? node, params string[] path)
    {
        foreach (var key in path)
        {
            node = node switch
            {
                IDictionary<object, object> map => map.TryGetValue(key, out var value) ? value : null,
                IList<object> list when int.TryParse(key, out var i) && i < list.Count => list[i],
                _ => null,
            };
        }
        return node;
    }

    public static string? Text(this object? node, params string[] path) => node.At(path) as string;

    public static IDictionary<object, object> MapAt(this object? node, params string[] path) =>
        node.At(path) as IDictionary<object, object> ?? new Dictionary<object, object>();

    public static IList<object> ListAt(this object? node, params string[] path) =>
        node.At(path) as IList<object> ?? [];

    public static IEnumerable<(string Key, object Value)> Entries(this IDictionary<object, object> map) =>
        map.Select(pair => ((string)pair.Key, pair.Value));
}
