using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Bottleneck.Tests.Packaging;

/// <summary>
/// Packs the library (Bottleneck), the ML.NET integration (Bottleneck.MLNet) and the tool (Bottleneck.Cli) once per test run, with
/// <c>dotnet pack --no-build</c> from the build the tests run on, into a temporary folder feed, and writes a NuGet.config beside it
/// whose only sources are that feed and the machine's global packages folder (where the solution's own restore put every
/// dependency), so installing and restoring from it needs no network. Children get a fresh NUGET_PACKAGES, so a package of
/// the same version left over from an earlier run is never used.
/// </summary>
public sealed class PackageFeed : IDisposable
{
    /// <summary>The package version: the assembly's informational version up to '+' (set once, in Directory.Build.props).</summary>
    public static readonly string Version =
        typeof(Bottleneck.Tensors.Tensor).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];

    /// <summary>The temporary root: feed/, NuGet.config, packages/ (NUGET_PACKAGES of the children) and room for the tests.</summary>
    public string Root { get; } = Directory.CreateTempSubdirectory("bottleneck-pack-").FullName;

    /// <summary>The folder feed holding the .nupkg and .snupkg files.</summary>
    public string Feed => Path.Combine(Root, "feed");

    /// <summary>The repository root (the folder with Bottleneck.slnx), or null when the tests run outside a checkout.</summary>
    public string? RepositoryRoot { get; }

    /// <summary>Why packing was not possible (no checkout, pack failed), or null when the feed is ready.</summary>
    public string? Problem { get; }

    /// <summary>Seconds spent packing the three projects.</summary>
    public double PackSeconds { get; }

    public PackageFeed()
    {
        RepositoryRoot = FindRepositoryRoot();
        if (RepositoryRoot is null) { Problem = "no Bottleneck.slnx above the test assembly (not run from a checkout)"; return; }
        Directory.CreateDirectory(Feed);
        string globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(Root, "NuGet.config"),
            $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="bottleneck-local" value="{Feed}" />
                <add key="global-packages" value="{globalPackages}" />
              </packageSources>
            </configuration>
            """);
        // The configuration the tests were built in (bin/Release/... or bin/Debug/...): pack reuses that build.
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
        var sw = Stopwatch.StartNew();
        foreach (var project in new[] { "src/Bottleneck/Bottleneck.csproj", "src/Bottleneck.MLNet/Bottleneck.MLNet.csproj", "src/Bottleneck.Cli/Bottleneck.Cli.csproj" })
        {
            var r = Run(RepositoryRoot, "dotnet", "pack", Path.Combine(RepositoryRoot, project), "-c", configuration, "--no-build", "-o", Feed);
            if (r.Exit != 0) { Problem = $"dotnet pack {project} exited {r.Exit}:\n{r.Out}\n{r.Err}"; return; }
        }
        PackSeconds = sw.Elapsed.TotalSeconds;
    }

    private static string? FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Bottleneck.slnx"))) return dir.FullName;
        return null;
    }

    /// <summary>
    /// Runs <paramref name="file"/> with <paramref name="args"/> in <paramref name="workingDirectory"/> (at most
    /// <paramref name="timeoutSeconds"/>), with NUGET_PACKAGES set to this feed's private folder and the MSBuild variables the test
    /// host inherits from <c>dotnet test</c> removed (they would point a child build at the parent's MSBuild), and MSBuild node reuse off.
    /// </summary>
    public (int Exit, string Out, string Err) Run(string workingDirectory, string file, params string[] args) =>
        Run(workingDirectory, 300, file, args);

    /// <inheritdoc cref="Run(string, string, string[])"/>
    public (int Exit, string Out, string Err) Run(string workingDirectory, int timeoutSeconds, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList()) psi.Environment.Remove(key);
        psi.Environment["NUGET_PACKAGES"] = Path.Combine(Root, "packages");
        // No MSBuild nodes or build servers left running after the test.
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        psi.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        using var process = new Process { StartInfo = psi };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (stderr) stderr.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return (-1, stdout.ToString(), $"{file} {string.Join(' ', args)}: no exit after {timeoutSeconds} s\n{stderr}");
        }
        process.WaitForExit();
        lock (stdout) lock (stderr) return (process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
