using Bottleneck.Cli;
using Bottleneck.Cli.Commands;
using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.NN;

namespace Bottleneck.Tests.Cli;

public class CliParseTests
{
    private static readonly CliEnvironment Env = CliEnvironment.CreateCaptured(new StringWriter(), new StringWriter());

    private static System.CommandLine.ParseResult Parse(params string[] args)
    {
        var result = Bottleneck.Cli.Cli.CreateRootCommand(Env).Parse(args);
        Assert.True(result.Errors.Count == 0, string.Join("; ", result.Errors.Select(e => e.Message)));
        return result;
    }

    private static IReadOnlyList<string> Errors(params string[] args) =>
        Bottleneck.Cli.Cli.CreateRootCommand(Env).Parse(args).Errors.Select(e => e.Message).ToList();

    [Fact]
    public void TrainDefaults()
    {
        var s = TrainCommand.Bind(Parse("train"));
        var d = TrainSettings.Default;
        Assert.Equal("demo", s.Data);
        Assert.Equal("dense", s.Model);
        Assert.Equal([512, 128], s.Architecture.Hidden);
        Assert.Equal(32, s.Architecture.Latent);
        Assert.Equal(Activation.Relu, s.Architecture.Activation);
        Assert.Equal(Reconstruction.SigmoidBce, s.Architecture.Output);
        Assert.False(s.Architecture.Tied);
        Assert.False(s.Architecture.BatchNorm);
        Assert.Equal(0f, s.Architecture.Dropout);
        Assert.Equal(10, s.Epochs);
        Assert.Equal(128, s.BatchSize);
        Assert.Equal(1e-3f, s.LearningRate);
        Assert.Equal("adam", s.Optimizer);
        Assert.Equal("none", s.Schedule);
        Assert.True(double.IsNaN(s.ValSplit));              // automatic unless given
        Assert.Equal(0.0, s.ResolveValSplit(hasTestSplit: true));   // demo/mnist: train on everything, report on test
        Assert.Equal(0.1, s.ResolveValSplit(hasTestSplit: false));
        Assert.Equal(0.1, (s with { Patience = 3 }).ResolveValSplit(hasTestSplit: true));      // early stopping needs validation
        Assert.Equal(0.1, (s with { Schedule = "plateau" }).ResolveValSplit(hasTestSplit: true));
        Assert.Equal(0, s.Patience);
        Assert.Null(s.Scale);
        Assert.Equal(0UL, s.Seed);
        Assert.Equal(Path.Combine("runs", "model"), s.Out);
        Assert.False(s.Resume);
        Assert.Equal(d with { Architecture = s.Architecture }, s);
    }

    [Fact]
    public void TrainMapsEveryOption()
    {
        var s = TrainCommand.Bind(Parse("train", "--data", "csv:x.csv:label=y", "--model", "dense", "--hidden", "64, 16,8", "--latent", "3",
            "--activation", "leaky-relu", "--output", "linear-mse", "--tied", "--dropout", "0.2", "--batch-norm", "--l2", "0.01", "--l1", "0.001",
            "--epochs", "3", "--batch-size", "32", "--lr", "5e-4", "--optimizer", "AdamW", "--schedule", "cosine", "--weight-decay", "0.1",
            "--clip-norm", "1.5", "--val-split", "0.25", "--patience", "2", "--scale", "standardize", "--seed", "42", "--out", "o", "--resume"));
        Assert.Equal("csv:x.csv:label=y", s.Data);
        Assert.Equal([64, 16, 8], s.Architecture.Hidden);
        Assert.Equal(3, s.Architecture.Latent);
        Assert.Equal(Activation.LeakyRelu, s.Architecture.Activation);
        Assert.Equal(Reconstruction.LinearMse, s.Architecture.Output);
        Assert.True(s.Architecture.Tied);
        Assert.Equal(0.2f, s.Architecture.Dropout);
        Assert.True(s.Architecture.BatchNorm);
        Assert.Equal(0.01f, s.Architecture.L2);
        Assert.Equal(0.001f, s.Architecture.L1);
        Assert.Equal(3, s.Epochs);
        Assert.Equal(32, s.BatchSize);
        Assert.Equal(5e-4f, s.LearningRate);
        Assert.Equal("adamw", s.Optimizer);
        Assert.Equal("cosine", s.Schedule);
        Assert.Equal(0.1f, s.WeightDecay);
        Assert.Equal(1.5f, s.ClipNorm);
        Assert.Equal(0.25, s.ValSplit, 6);
        Assert.Equal(2, s.Patience);
        Assert.Equal(ScalingKind.Standardize, s.Scale);
        Assert.Equal(42UL, s.Seed);
        Assert.Equal("o", s.Out);
        Assert.True(s.Resume);

        var o = s.ToTrainingOptions();
        Assert.Equal(("adamw", "cosine", 3, 32, 2), (o.Optimizer, o.Schedule, o.Epochs, o.BatchSize, o.Patience));
    }

    [Fact]
    public void HiddenNoneMeansShallow()
    {
        Assert.Empty(TrainCommand.Bind(Parse("train", "--hidden", "none")).Architecture.Hidden);
        Assert.Empty(TrainCommand.Bind(Parse("train", "--hidden", "")).Architecture.Hidden);
    }

    [Theory]
    [InlineData(true, null, ScalingKind.None)]
    [InlineData(false, null, ScalingKind.MinMax)]
    [InlineData(false, "linear-mse", ScalingKind.Standardize)]
    [InlineData(true, "linear-mse", ScalingKind.None)]
    public void AutoScaleDependsOnDataAndOutput(bool image, string? output, ScalingKind expected)
    {
        var args = output == null ? new[] { "train" } : new[] { "train", "--output", output };
        Assert.Equal(expected, TrainCommand.Bind(Parse(args)).ResolveScale(image));
    }

    [Fact]
    public void ExplicitScaleWins() =>
        Assert.Equal(ScalingKind.MinMax, TrainCommand.Bind(Parse("train", "--scale", "minmax")).ResolveScale(isImage: true));

    [Theory]
    [InlineData("--epochs", "0", "--epochs must be >= 1")]
    [InlineData("--batch-size", "0", "--batch-size must be >= 1")]
    [InlineData("--latent", "0", "--latent must be >= 1")]
    [InlineData("--lr", "0", "--lr must be > 0")]
    [InlineData("--lr", "abc", "abc")]
    [InlineData("--dropout", "1", "--dropout must be < 1")]
    [InlineData("--val-split", "1", "--val-split must be >= 0 and < 1")]
    [InlineData("--val-split", "-0.1", "--val-split must be >= 0 and < 1")]
    [InlineData("--l2", "-1", "--l2 must be >= 0")]
    [InlineData("--patience", "-1", "--patience must be >= 0")]
    [InlineData("--hidden", "128,x", "--hidden takes comma-separated positive integers")]
    [InlineData("--hidden", "128,0", "--hidden takes comma-separated positive integers")]
    [InlineData("--activation", "swish", "--activation must be one of")]
    [InlineData("--output", "mse", "--output must be one of")]
    [InlineData("--optimizer", "lbfgs", "--optimizer must be one of")]
    [InlineData("--schedule", "linear", "--schedule must be one of")]
    [InlineData("--scale", "log", "--scale must be one of")]
    public void TrainRejectsBadValues(string option, string value, string message)
    {
        var errors = Errors("train", option, value);
        Assert.NotEmpty(errors);
        Assert.Contains(errors, e => e.Contains(message));
    }

    [Fact]
    public void ApplyCommandsMapOptions()
    {
        Assert.Equal(new EncodeSettings("m", "demo:5", "z.csv"), EncodeCommand.Bind(Parse("encode", "--model", "m", "--data", "demo:5", "--out", "z.csv")));
        Assert.Equal(new ReconstructSettings("m", "csv:a.csv", "r.npy"), ReconstructCommand.Bind(Parse("reconstruct", "--model", "m", "--data", "csv:a.csv", "--out", "r.npy")));
        Assert.Equal(new EvaluateSettings("m", "mnist:d", true), EvaluateCommand.Bind(Parse("evaluate", "--model", "m", "--data", "mnist:d", "--json")));
        Assert.Equal(new EvaluateSettings("m", "demo", false), EvaluateCommand.Bind(Parse("evaluate", "--model", "m", "--data", "demo")));
        Assert.Equal(new InfoSettings("m"), InfoCommand.Bind(Parse("info", "--model", "m")));
    }

    [Theory]
    [InlineData("encode", "--data", "demo", "--out", "x.csv")]
    [InlineData("encode", "--model", "m", "--out", "x.csv")]
    [InlineData("encode", "--model", "m", "--data", "demo")]
    [InlineData("evaluate", "--model", "m")]
    [InlineData("info")]
    public void RequiredOptionsAreEnforced(params string[] args) => Assert.NotEmpty(Errors(args));

    [Fact]
    public async Task ParseErrorsGiveOneLineAndExitCode2()
    {
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--activation", "swish"), "--activation must be one of", "bottleneck train --help");
        h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--no-such-option"), "--no-such-option");
        h = new CliHarness();
        h.AssertUsageError(await h.Run("frobnicate"), "unknown command or option 'frobnicate'", "train");
    }

    [Fact]
    public async Task NoArgumentsPrintsHelp()
    {
        var h = new CliHarness();
        Assert.Equal(0, await h.Run());
        foreach (var command in new[] { "train", "encode", "reconstruct", "evaluate", "info" }) Assert.Contains(command, h.Stdout);
        Assert.Contains("Examples:", h.Stdout);
        Assert.Equal("", h.Stderr);
    }

    [Theory]
    [InlineData("train")]
    [InlineData("encode")]
    [InlineData("reconstruct")]
    [InlineData("evaluate")]
    [InlineData("info")]
    public async Task EveryCommandHasHelpWithExamples(string command)
    {
        var h = new CliHarness();
        Assert.Equal(0, await h.Run(command, "--help"));
        Assert.Contains("Example", h.Stdout);
        Assert.Contains($"bottleneck {command} ", h.Stdout);
        Assert.Contains("--", h.Stdout);
    }

    [Fact]
    public async Task TrainHelpShowsDefaults()
    {
        var h = new CliHarness();
        await h.Run("train", "--help");
        foreach (var d in new[] { "[default: demo]", "[default: 512,128]", "[default: 32]", "[default: 10]", "[default: 128]", "[default: 0.001]",
                                  "[default: adam]", "[default: 0.1]", "runs" })
            Assert.Contains(d, h.Stdout);
    }

    [Fact]
    public async Task VersionPrintsTheVersion()
    {
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("--version"));
        Assert.Matches(@"^\d+\.\d+\.\d+", h.Stdout.Trim());
    }

    [Fact]
    public void ModelOptionsMapToDenseConfig()
    {
        var a = new ArchitectureSettings([32, 8], 2, Activation.Tanh, Reconstruction.TanhMse, true, 0.1f, true, 0.5f, 0.25f);
        var c = Assert.IsType<Bottleneck.Models.Dense.DenseConfig>(ModelOptions.CreateConfig("dense", a, 10));
        Assert.Equal((10, 2, Activation.Tanh, Reconstruction.TanhMse, true, 0.1f, true, 0.5f, 0.25f),
            (c.InputDim, c.LatentDim, c.HiddenActivation, c.Output, c.TiedWeights, c.Dropout, c.BatchNorm, c.L2, c.L1));
        Assert.Equal([32, 8], c.Hidden);
        var e = Assert.ThrowsAny<ArgumentException>(() => ModelOptions.CreateConfig("conv", a, 10));
        Assert.Contains("dense", e.Message);
    }
}
