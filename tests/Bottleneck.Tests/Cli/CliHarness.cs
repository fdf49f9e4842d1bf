using Bottleneck.Cli;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Cli;

/// <summary>Runs the real command pipeline in-process with captured stdout/stderr.</summary>
public sealed class CliHarness
{
    public StringWriter Out { get; } = new();
    public StringWriter Err { get; } = new();
    public CliEnvironment Env { get; }

    public CliHarness() => Env = CliEnvironment.CreateCaptured(Out, Err);

    public Task<int> Run(params string[] args) => Bottleneck.Cli.Cli.RunAsync(args, Env);

    public string Stdout => Out.ToString();
    public string Stderr => Err.ToString();

    /// <summary>Asserts a user-mistake outcome: exit 2, exactly one "error: ..." line on stderr, no stack trace.</summary>
    public void AssertUsageError(int exitCode, params string[] fragments)
    {
        var lines = Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(exitCode == ExitCodes.UsageError, $"exit code {exitCode}, stderr: {Stderr}");
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.DoesNotContain("   at ", Stderr);
        foreach (var f in fragments) Assert.Contains(f, Stderr);
    }
}

/// <summary>Trains one tiny model (demo:600, 784-16-4, 1 epoch) for the tests that need a model folder.</summary>
public sealed class TrainedModelFixture : IDisposable
{
    public TempDir Dir { get; } = new();
    public string ModelDir => Dir.File("model");
    public string TrainStdout { get; }
    public int TrainExitCode { get; }

    public TrainedModelFixture()
    {
        var h = new CliHarness();
        TrainExitCode = h.Run("train", "--data", "demo:600", "--val-split", "0.1", "--hidden", "16", "--latent", "4", "--epochs", "1",
            "--batch-size", "64", "--out", ModelDir).GetAwaiter().GetResult();
        TrainStdout = h.Stdout + h.Stderr;
    }

    public void Dispose() => Dir.Dispose();
}
