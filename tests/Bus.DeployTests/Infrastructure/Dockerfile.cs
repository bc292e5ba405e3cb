using System.Text.RegularExpressions;

namespace Bus.DeployTests.Infrastructure;

/// <summary>A Dockerfile's instructions by stage, continuation lines joined and comments dropped.</summary>
public sealed partial class Dockerfile
{
    public sealed record Instruction(string Keyword, string Arguments);

    public sealed record Stage(string Name, string BaseImage, IReadOnlyList<Instruction> Instructions)
    {
        public IEnumerable<string> All(string keyword) =>
            Instructions.Where(i => i.Keyword == keyword).Select(i => i.Arguments);
    }

    public IReadOnlyList<Stage> Stages { get; }

    private Dockerfile(IReadOnlyList<Stage> stages) => Stages = stages;

    public Stage this[string name] => Stages.Single(s => s.Name == name);

    public static Dockerfile Parse(string text)
    {
        var lines = Regex.Replace(text, @"\\\r?\n", " ").Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'));
        var stages = new List<Stage>();
        foreach (var line in lines)
        {
            var match = InstructionPattern().Match(line);
            var instruction = new Instruction(match.Groups[1].Value.ToUpperInvariant(), match.Groups[2].Value.Trim());
            if (instruction.Keyword == "FROM")
            {
                var from = FromPattern().Match(instruction.Arguments);
                stages.Add(new Stage(from.Groups[2].Success ? from.Groups[2].Value : $"stage{stages.Count}", from.Groups[1].Value, new List<Instruction>()));
            }
            else
            {
                ((List<Instruction>)stages[^1].Instructions).Add(instruction);
            }
        }
        return new Dockerfile(stages);
    }

    [GeneratedRegex(@"^(\S+)\s*(.*)$")]
    private static partial Regex InstructionPattern();

    [GeneratedRegex(@"^(\S+)(?:\s+AS\s+(\S+))?$", RegexOptions.IgnoreCase)]
    private static partial Regex FromPattern();
}
