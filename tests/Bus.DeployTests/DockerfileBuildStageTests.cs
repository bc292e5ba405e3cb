using System.Diagnostics;
using Bus.DeployTests.Infrastructure;

namespace Bus.DeployTests;

/// <summary>
/// No Docker engine here, so the build stage of one Dockerfile is replayed by hand: its COPY instructions fill an
/// empty directory from the repository (honouring .dockerignore), then its <c>dotnet</c> RUN instructions run there
/// unchanged except that <c>/src</c> and <c>/app</c> are directories of the test. A file the build needs but the
/// Dockerfile does not copy fails this test, as it would fail <c>docker build</c>.
/// </summary>
public class DockerfileBuildStageTests : IDisposable
{
    private readonly string _sandbox = Path.Combine(Path.GetTempPath(), $"bus-docker-build-{Guid.NewGuid():N}");

    [Fact]
    public void The_email_build_stage_publishes_the_service_from_only_the_files_it_copies()
    {
        var service = Repository.Service("email");
        var build = Dockerfile.Parse(Repository.Read(service.Dockerfile))["build"];
        var ignore = DockerIgnore.Load();
        var workDir = "/";

        foreach (var instruction in build.Instructions)
        {
            switch (instruction.Keyword)
            {
                case "WORKDIR":
                    workDir = instruction.Arguments;
                    Directory.CreateDirectory(Sandboxed(workDir));
                    break;
                case "COPY":
                    var parts = instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    var destination = Sandboxed(parts[^1].StartsWith('/') ? parts[^1] : $"{workDir}/{parts[^1]}");
                    foreach (var source in parts[..^1])
                        Copy(source, destination, ignore);
                    break;
                case "RUN":
                    Assert.StartsWith("dotnet ", instruction.Arguments);
                    Run(instruction.Arguments, Sandboxed(workDir));
                    break;
                default:
                    Assert.Fail($"the replay does not know {instruction.Keyword}; teach it or keep the build stage simple");
                    break;
            }
        }

        var published = Sandboxed("/app");
        Assert.True(File.Exists(Path.Combine(published, $"{service.Assembly}.dll")), $"no {service.Assembly}.dll in the publish output");
        Assert.True(File.Exists(Path.Combine(published, "appsettings.json")));
        Assert.False(File.Exists(Path.Combine(published, "appsettings.Development.json")), ".dockerignore should keep development settings out of the image");
    }

    private string Sandboxed(string containerPath) => Path.Combine(_sandbox, containerPath.TrimStart('/'));

    private static void Copy(string source, string destination, DockerIgnore ignore)
    {
        var from = Repository.PathOf(source.TrimEnd('/'));
        if (Directory.Exists(from))
        {
            foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(Repository.Root, file).Replace('\\', '/');
                if (ignore.Excludes(relative))
                    continue;
                var target = Path.Combine(destination, Path.GetRelativePath(from, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target, overwrite: true);
            }
        }
        else
        {
            Assert.True(File.Exists(from), $"COPY {source}: no such file in the build context");
            Directory.CreateDirectory(destination);
            File.Copy(from, Path.Combine(destination, Path.GetFileName(from)), overwrite: true);
        }
    }

    private void Run(string command, string workingDirectory)
    {
        var args = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var start = new ProcessStartInfo(args[0]) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args[1..])
            start.ArgumentList.Add(arg == "/app" ? Sandboxed("/app") : arg);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        // The test host's MSBuild settings must not leak into the replayed build.
        start.Environment.Remove("MSBuildExtensionsPath");
        start.Environment.Remove("MSBuildSDKsPath");
        start.Environment.Remove("MSBUILD_EXE_PATH");
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"RUN {command} failed ({process.ExitCode}):\n{output}\n{error.Result}");
    }

    public void Dispose()
    {
        if (Directory.Exists(_sandbox))
            Directory.Delete(_sandbox, recursive: true);
    }

    /// <summary>The patterns of the root .dockerignore that this repository uses: <c>dir/</c>, <c>**/dir/</c>, <c>**/name</c>, <c>**/*.ext</c>.</summary>
    private sealed class DockerIgnore(IReadOnlyList<string> patterns)
    {
        public static DockerIgnore Load() => new(Repository.Read(".dockerignore").Split('\n')
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList());

        public bool Excludes(string path)
        {
            var segments = path.Split('/');
            return patterns.Any(pattern => pattern switch
            {
                _ when pattern.StartsWith("**/*.") => path.EndsWith(pattern[3..][1..], StringComparison.Ordinal),
                _ when pattern.StartsWith("**/") && pattern.EndsWith('/') => segments[..^1].Contains(pattern[3..^1]),
                _ when pattern.StartsWith("**/") => segments[^1] == pattern[3..],
                _ when pattern.EndsWith('/') => path.StartsWith(pattern, StringComparison.Ordinal),
                _ => path == pattern,
            });
        }
    }
}
