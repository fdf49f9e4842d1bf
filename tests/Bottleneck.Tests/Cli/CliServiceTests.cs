using Bottleneck.Cli;
using Bottleneck.Cli.Commands;
using Bottleneck.Cli.Kinds;
using Bottleneck.Cli.Services;
using Bottleneck.Data;
using Bottleneck.ModelFiles;
using Bottleneck.Tests.Data;
using Spectre.Console;
using Bottleneck.Models;

namespace Bottleneck.Tests.Cli;

/// <summary>Services driven directly with typed settings and a captured, non-interactive Spectre console.</summary>
public class CliServiceTests
{
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();
    private readonly IAnsiConsole _console;

    public CliServiceTests()
    {
        _console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(_out),
            Interactive = InteractionSupport.No,
            Ansi = AnsiSupport.No,
        });
    }

    private static TrainSettings Tiny(string data, string outDir) => new()
    {
        Data = data, Out = outDir, Epochs = 1, BatchSize = 32,
        Kind = new DenseBinder.Settings(DenseArchitecture.None with { Hidden = [6], Latent = 2 }),
    };

    private static string TabularCsv(TempDir dir, int rows = 120)
    {
        var rng = new Random(1);
        var lines = new List<string> { "a,b,c,d,e,label" };
        for (int i = 0; i < rows; i++)
        {
            double t = rng.NextDouble();
            lines.Add(FormattableString.Invariant($"{10 * t},{-5 + t},{100 * t * t},{rng.NextDouble()},{3 - t},{i % 2}"));
        }
        return dir.Write("tab.csv", string.Join("\n", lines) + "\n");
    }

    private void AssertOneErrorLine(int code, string fragment)
    {
        Assert.Equal(ExitCodes.UsageError, code);
        var lines = _err.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(fragment, lines[0]);
        Assert.DoesNotContain("   at ", _err.ToString());
    }

    [Fact]
    public void TrainOnTabularCsvUsesMinMaxAndReconstructsInOriginalSpace()
    {
        using var dir = new TempDir();
        var csv = TabularCsv(dir);
        var outDir = dir.File("m");
        int code = new TrainService(_console, _err).Run(Tiny($"csv:{csv}:label=label", outDir));
        Assert.True(code == 0, _err.ToString());
        Assert.Contains("scaling minmax", _out.ToString());
        Assert.Contains("108 train, 12 validation", _out.ToString());
        Assert.DoesNotContain("test", _out.ToString().Split('\n').First(l => l.StartsWith("split")));
        Assert.False(File.Exists(Path.Combine(outDir, TrainService.GridFile)));   // not image data
        var saved = ModelStore.Load(outDir);
        Assert.Equal(ScalingKind.MinMax, saved.Preprocessing.Kind);
        Assert.Equal(5, saved.Model.InputDim);

        var rec = dir.File("rec.csv");
        Assert.Equal(0, new ReconstructService(_console, _err).Run(new ReconstructSettings(outDir, $"csv:{csv}:label=label", rec)));
        var lines = File.ReadAllLines(rec);
        Assert.Equal("label,a,b,c,d,e", lines[0]);
        Assert.Equal(121, lines.Length);
        // Column c spans [0, 100] in the data: reconstructions (sigmoid in [0,1] scaled back) must live in that range, not in [0,1].
        var c = lines.Skip(1).Select(l => double.Parse(l.Split(',')[3], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(c.Max() > 1.5, $"max {c.Max()}");
        Assert.False(File.Exists(dir.File("rec.png")));
    }

    [Fact]
    public void TrainWithLinearOutputStandardizes()
    {
        using var dir = new TempDir();
        var csv = TabularCsv(dir);
        var s = Tiny($"csv:{csv}:label=label", dir.File("m")) with
        {
            Kind = new DenseBinder.Settings(DenseArchitecture.None with { Hidden = [], Latent = 2, Output = Likelihood.Gaussian }),
        };
        Assert.Equal(0, new TrainService(_console, _err).Run(s));
        Assert.Equal(ScalingKind.Standardize, ModelStore.Load(dir.File("m")).Preprocessing.Kind);
        Assert.Contains("dense 5-2-5", _out.ToString());   // the kind is the one trained (stored, not derived from the fields)
    }

    [Fact]
    public void CancelledTrainingExits130WithAResumeHint()
    {
        using var dir = new TempDir();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        int code = new TrainService(_console, _err).Run(Tiny("demo:50", dir.File("m")), cts.Token);
        Assert.Equal(ExitCodes.Cancelled, code);
        Assert.Contains("interrupted", _err.ToString());
        Assert.False(File.Exists(Path.Combine(dir.File("m"), ModelStore.ConfigFile)));
    }

    [Fact]
    public void TrainMissingFile()
    {
        using var dir = new TempDir();
        AssertOneErrorLine(new TrainService(_console, _err).Run(Tiny("csv:" + dir.File("missing.csv"), dir.File("m"))), "missing.csv");
    }

    [Fact]
    public void TrainBadSpec()
    {
        using var dir = new TempDir();
        AssertOneErrorLine(new TrainService(_console, _err).Run(Tiny("feather:x", dir.File("m"))), "invalid data SPEC");
    }

    [Fact]
    public void TrainUnknownModelKind()
    {
        using var dir = new TempDir();
        AssertOneErrorLine(new TrainService(_console, _err).Run(Tiny("demo:20", dir.File("m")) with { Kind = new UnknownKind() }), "unknown model kind 'convolutional'");
    }

    /// <summary>Settings of a kind the registry does not have.</summary>
    private sealed record UnknownKind() : KindSettings("convolutional")
    {
        public override Likelihood Output(KindData data) => Likelihood.Gaussian;
        protected override ModelConfig Create(KindData data) => throw new InvalidOperationException("not reached: the kind is looked up first");
        protected override string? OptionFor(string parameter) => null;
    }

    [Fact]
    public void TrainInvalidTrainingOptionHasNoParameterSuffix()
    {
        using var dir = new TempDir();
        AssertOneErrorLine(new TrainService(_console, _err).Run(Tiny("demo:20", dir.File("m")) with { Epochs = 0 }), "epochs must be");
        Assert.DoesNotContain("Parameter", _err.ToString());
        Assert.DoesNotContain("Actual value", _err.ToString());
    }

    [Fact]
    public void EncodeMissingModelFolder()
    {
        using var dir = new TempDir();
        AssertOneErrorLine(new EncodeService(_console, _err).Run(new EncodeSettings(dir.File("nope"), "demo:5", dir.File("z.csv"))), "does not exist");
    }

    [Fact]
    public void EncodeRejectsUnknownOutputExtensionBeforeLoading()
    {
        using var dir = new TempDir();
        AssertOneErrorLine(new EncodeService(_console, _err).Run(new EncodeSettings(dir.File("nope"), "demo:5", dir.File("z.parquet"))), ".csv, .tsv or .npy");
    }

    [Fact]
    public void InfoOnAFolderWithoutConfig()
    {
        using var dir = new TempDir();
        AssertOneErrorLine(new InfoService(_console, _err).Run(new InfoSettings(dir.Path)), ModelStore.ConfigFile);
    }

    private sealed class ThrowingService(IAnsiConsole console, TextWriter error, bool verbose) : CliService(console, error, verbose)
    {
        public int Run(Exception e) => Guard(() => throw e);
    }

    [Fact]
    public void UnexpectedErrorsExit1WithStackTraceOnlyWhenVerbose()
    {
        Assert.Equal(ExitCodes.Failure, new ThrowingService(_console, _err, false).Run(new InvalidOperationException("boom")));
        Assert.Contains("error: unexpected InvalidOperationException: boom", _err.ToString());
        Assert.DoesNotContain("   at ", _err.ToString());

        var verbose = new StringWriter();
        Assert.Equal(ExitCodes.Failure, new ThrowingService(_console, verbose, true).Run(MakeThrown()));
        Assert.Contains("   at ", verbose.ToString());

        static Exception MakeThrown() { try { throw new InvalidOperationException("boom"); } catch (Exception e) { return e; } }
    }

    [Theory]
    [InlineData(typeof(DataException))]
    [InlineData(typeof(ArgumentException))]
    [InlineData(typeof(ArgumentOutOfRangeException))]
    [InlineData(typeof(FileNotFoundException))]
    public void UserErrorsExit2(Type type)
    {
        var e = type == typeof(DataException) ? new DataException("bad data") : (Exception)Activator.CreateInstance(type, "bad value")!;
        Assert.Equal(ExitCodes.UsageError, new ThrowingService(_console, _err, false).Run(e));
        Assert.Single(_err.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void OneLineStripsArgumentExceptionDecorations()
    {
        Assert.Equal("epochs must be ≥ 1, got 0", CliService.OneLine(new ArgumentOutOfRangeException("epochs", 0, "epochs must be ≥ 1, got 0")));
        Assert.Equal("first; second", CliService.OneLine(new DataException("first\nsecond")));
    }
}
