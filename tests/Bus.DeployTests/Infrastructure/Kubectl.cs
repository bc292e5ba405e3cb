using System.Diagnostics;

namespace Bus.DeployTests.Infrastructure;

public static class Kubectl
{
    private static readonly Dictionary<string, (string Text, List<object> Objects)> Rendered = [];

    /// <summary>The objects <c>kubectl kustomize</c> renders from <paramref name="directory"/> (relative to the repository).</summary>
    public static List<object> Kustomize(string directory) => Render(directory).Objects;

    /// <summary>The same, one YAML document per object.</summary>
    public static IReadOnlyList<string> KustomizeDocuments(string directory) =>
        Render(directory).Text.Split("\n---\n", StringSplitOptions.RemoveEmptyEntries);

    private static (string Text, List<object> Objects) Render(string directory)
    {
        lock (Rendered)
        {
            if (!Rendered.TryGetValue(directory, out var rendered))
            {
                var text = Run("kustomize", Repository.PathOf(directory));
                Rendered[directory] = rendered = (text, Yaml.LoadAll(text));
            }
            return rendered;
        }
    }

    private static string Run(params string[] args)
    {
        var start = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Said, not hidden: the run lists these tests as skipped with this reason.
            throw new SkipException("kubectl is not installed and no package source offered it (scripts/infra tries apt-get install kubectl)");
        }
        using (process)
        {
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"kubectl {string.Join(' ', args)} failed ({process.ExitCode}): {error.Result}");
            return output;
        }
    }
}
