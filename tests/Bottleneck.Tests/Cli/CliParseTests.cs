using Bottleneck.Cli;
using Bottleneck.Cli.Commands;
using Bottleneck.Cli.Kinds;
using Bottleneck.Models.Dense;
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
        Assert.Equal(new TrainSettings(), s);
        Assert.Equal("demo", s.Data);
        var dense = Assert.IsType<DenseBinder.Settings>(s.Kind);
        Assert.Equal(DenseArchitecture.None, dense.Architecture);
        var c = Assert.IsType<DenseConfig>(s.Kind.Build(new KindData([784], true, 10, TrainingPurpose.Reconstruction)));
        Assert.Equal(("dense", 32, Activation.Relu, Activation.Identity, Likelihood.Bernoulli, false, false, 0f), (c.Kind, c.LatentDim, c.HiddenActivation,
            c.LatentActivation, c.Output, c.TiedWeights, c.BatchNorm, c.Dropout));
        Assert.Equal([512, 128], c.Hidden);
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
    }

    [Fact]
    public void TrainMapsEveryOption()
    {
        var s = TrainCommand.Bind(Parse("train", "--data", "csv:x.csv:label=y", "--kind", "dense", "--hidden", "64, 16,8", "--latent", "3",
            "--activation", "leaky-relu", "--output", "linear-mse", "--tied", "--dropout", "0.2", "--batch-norm", "--l2", "0.01", "--l1", "0.001",
            "--epochs", "3", "--batch-size", "32", "--lr", "5e-4", "--optimizer", "AdamW", "--schedule", "cosine", "--weight-decay", "0.1",
            "--clip-norm", "1.5", "--val-split", "0.25", "--patience", "2", "--scale", "standardize", "--seed", "42", "--out", "o", "--resume"));
        Assert.Equal("csv:x.csv:label=y", s.Data);
        var c = Assert.IsType<DenseConfig>(s.Kind.Build(new KindData([10], false, s.Epochs, TrainingPurpose.Reconstruction)));
        Assert.Equal([64, 16, 8], c.Hidden);
        Assert.Equal((10, 3, Activation.LeakyRelu, Likelihood.Gaussian, true, 0.2f, true, 0.01f, 0.001f),
            (c.InputDim, c.LatentDim, c.HiddenActivation, c.Output, c.TiedWeights, c.Dropout, c.BatchNorm, c.L2, c.L1));
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
        var data = new KindData([10], false, 10, TrainingPurpose.Reconstruction);
        Assert.Empty(Assert.IsType<DenseConfig>(TrainCommand.Bind(Parse("train", "--hidden", "none")).Kind.Build(data)).Hidden);
        Assert.Empty(Assert.IsType<DenseConfig>(TrainCommand.Bind(Parse("train", "--hidden", "")).Kind.Build(data)).Hidden);
    }

    [Theory]
    [InlineData(true, null, ScalingKind.None)]
    [InlineData(false, null, ScalingKind.MinMax)]
    [InlineData(false, "linear-mse", ScalingKind.Standardize)]
    [InlineData(false, "gaussian-nll", ScalingKind.Standardize)]
    [InlineData(false, "tanh-mse", ScalingKind.MinMax)]
    [InlineData(true, "linear-mse", ScalingKind.None)]
    public void AutoScaleDependsOnDataAndOutput(bool image, string? output, ScalingKind expected)
    {
        var args = output == null ? new[] { "train" } : new[] { "train", "--output", output };
        var s = TrainCommand.Bind(Parse(args));
        Assert.Equal(expected, s.ResolveScale(image, s.Kind.Output(new KindData([10], false, 10, TrainingPurpose.Reconstruction))));
    }

    [Fact]
    public void ExplicitScaleWins() =>
        Assert.Equal(ScalingKind.MinMax, TrainCommand.Bind(Parse("train", "--scale", "minmax")).ResolveScale(isImage: true, Likelihood.Gaussian));

    [Theory]
    [InlineData("--lr", "abc", "abc")]
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

    [Theory]
    [InlineData("--epochs", "0", "--epochs must be ≥ 1, got 0")]
    [InlineData("--batch-size", "0", "--batch-size must be ≥ 1, got 0")]
    [InlineData("--lr", "0", "--lr must be > 0, got 0")]
    [InlineData("--weight-decay", "-1", "--weight-decay must be ≥ 0, got -1")]
    [InlineData("--clip-norm", "-1", "--clip-norm must be ≥ 0, got -1")]
    [InlineData("--patience", "-1", "--patience must be ≥ 0, got -1")]
    public void TrainingValuesAreCheckedByTheLibraryAndNameTheOption(string option, string value, string message)
    {
        var s = TrainCommand.Bind(Parse("train", option, value));
        var e = Assert.ThrowsAny<ArgumentException>(() => s.ToTrainingOptions());
        Assert.Equal(message, Bottleneck.Cli.Services.CliService.OneLine(e));
    }

    [Theory]
    [InlineData("--latent", "0", "--latent must be ≥ 1, got 0")]
    [InlineData("--dropout", "1", "--dropout must be in [0, 1), got 1")]
    [InlineData("--l2", "-1", "--l2 must be ≥ 0, got -1")]
    [InlineData("--l1", "-1", "--l1 must be ≥ 0, got -1")]
    public void ArchitectureValuesAreCheckedByTheConfigAndNameTheOption(string option, string value, string message)
    {
        var s = TrainCommand.Bind(Parse("train", option, value));
        var e = Assert.ThrowsAny<ArgumentException>(() => s.Kind.Build(KindData.Probe(10)));
        Assert.Equal(message, Bottleneck.Cli.Services.CliService.OneLine(e));
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
}
