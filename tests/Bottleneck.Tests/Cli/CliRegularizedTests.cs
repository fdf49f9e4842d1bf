using System.Text.Json;
using Bottleneck.Cli.Commands;
using Bottleneck.Cli.Kinds;
using Bottleneck.Cli.Services;
using Bottleneck.Data;
using Bottleneck.ModelFiles;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.Models.Pca;
using Bottleneck.NN;
using Bottleneck.Tests.Data;
using Bottleneck.Models.Registry;

namespace Bottleneck.Tests.Cli;

/// <summary>Parsing and mapping of the regularized-kind options of <c>train</c> (sparse, denoising, contractive, stacked, pca, linear) by their binders.</summary>
public class CliRegularizedParseTests
{
    private static readonly Bottleneck.Cli.CliEnvironment Env = Bottleneck.Cli.CliEnvironment.CreateCaptured(new StringWriter(), new StringWriter());

    private static System.CommandLine.ParseResult Parse(params string[] args)
    {
        var result = Bottleneck.Cli.Cli.CreateRootCommand(Env).Parse(args);
        Assert.True(result.Errors.Count == 0, string.Join("; ", result.Errors.Select(e => e.Message)));
        return result;
    }

    private static TrainSettings Train(params string[] args) => TrainCommand.Bind(Parse(["train", .. args]));

    /// <summary>The config train would build for 784 image features (unit range) from <paramref name="args"/>.</summary>
    private static ModelConfig Config(params string[] args)
    {
        var s = Train(args);
        return s.Kind.Build(new KindData([784], UnitRange: true, s.Epochs, TrainingPurpose.Reconstruction));
    }

    private static List<string> ParseErrors(params string[] args) =>
        Bottleneck.Cli.Cli.CreateRootCommand(Env).Parse(["train", .. args]).Errors.Select(e => e.Message).ToList();

    [Fact]
    public void TheDefaultKindIsDenseWithNothingGiven()
    {
        var s = Train();
        Assert.Equal(new DenseBinder.Settings(DenseArchitecture.None), s.Kind);
        Assert.Equal("dense", Config().Kind);
    }

    [Fact]
    public void SparseOptionsMap()
    {
        var c = Assert.IsType<DenseConfig>(Config("--kind", "sparse", "--sparsity", "KL", "--sparsity-target", "0.1", "--sparsity-weight", "2", "--latent-activation", "sigmoid"));
        Assert.Equal("sparse", c.Kind);
        Assert.Equal(new SparsityKl(0.1f, 2f), c.Regularizer);
        Assert.Equal(Activation.Sigmoid, c.LatentActivation);
        c = Assert.IsType<DenseConfig>(Config("--kind", "sparse", "--sparsity-target", "0.1", "--sparsity-weight", "2"));
        Assert.Equal(Activation.Sigmoid, c.LatentActivation);   // chosen automatically for KL
    }

    [Fact]
    public void SparseDefaultsAreKlRho005Weight3WithASigmoidCode()
    {
        var c = Assert.IsType<DenseConfig>(Config("--kind", "sparse"));
        Assert.Equal(new SparsityKl(0.05f, 3f), c.Regularizer);
        Assert.Equal(Activation.Sigmoid, c.LatentActivation);
        Assert.Null(c.Corruption);
    }

    [Fact]
    public void SparseL1KeepsTheCodeActivation()
    {
        var c = Assert.IsType<DenseConfig>(Config("--kind", "sparse", "--sparsity", "l1"));
        Assert.Equal(new SparsityL1(1e-3f), c.Regularizer);
        Assert.Equal(Activation.Identity, c.LatentActivation);
        c = Assert.IsType<DenseConfig>(Config("--kind", "sparse", "--sparsity", "l1", "--sparsity-weight", "0.5", "--latent-activation", "relu"));
        Assert.Equal(new SparsityL1(0.5f), c.Regularizer);
        Assert.Equal(Activation.Relu, c.LatentActivation);
    }

    [Fact]
    public void DenoisingDefaultsToClippedGaussian05()
    {
        var c = Assert.IsType<DenseConfig>(Config("--kind", "denoising"));
        Assert.Equal("denoising", c.Kind);
        Assert.Equal(new GaussianNoise(0.5f, 0f, 1f), c.Corruption);
    }

    [Theory]
    [InlineData("gaussian:0.3", false, "gaussian sigma 0.3")]
    [InlineData("gaussian:0.3", true, "gaussian sigma 0.3, clipped to [0, 1]")]
    [InlineData("mask:0.25", false, "mask p 0.25")]
    [InlineData("masking:0.25", true, "mask p 0.25")]
    [InlineData("salt-pepper:0.1", false, "salt-pepper p 0.1")]
    [InlineData(" Salt-And-Pepper : 1 ", false, "salt-pepper p 1")]
    [InlineData("gaussian:0", false, "gaussian sigma 0")]
    public void NoiseSpecsParse(string text, bool clip, string described) =>
        Assert.Equal(described, Corruption.Parse(text, clip).Describe());

    [Theory]
    [InlineData("gaussian")]
    [InlineData("pink:0.2")]
    [InlineData("mask:x")]
    [InlineData("")]
    public void BadNoiseSpecsAreRejected(string text)
    {
        var e = Assert.Throws<FormatException>(() => Corruption.Parse(text));
        Assert.Contains("gaussian:SIGMA, mask:P or salt-pepper:P", e.Message);
    }

    [Theory]
    [InlineData("mask:1.5", "p must be in [0, 1], got 1.5")]
    [InlineData("gaussian:-1", "sigma must be ≥ 0, got -1")]
    public void NoiseLevelsOutOfRangeAreTheCorruptionsErrors(string text, string message) =>
        Assert.Contains(message, Assert.Throws<ArgumentOutOfRangeException>(() => Corruption.Parse(text)).Message);

    [Fact]
    public void NoiseMapsToTheLibraryCorruptions()
    {
        Assert.Equal(new MaskingNoise(0.25f), Assert.IsType<DenseConfig>(Config("--kind", "denoising", "--noise", "mask:0.25")).Corruption);
        Assert.Equal(new SaltAndPepperNoise(0.1f), Assert.IsType<DenseConfig>(Config("--kind", "denoising", "--noise", "salt-pepper:0.1")).Corruption);
        Assert.Equal(new GaussianNoise(0.2f, 0f, 1f), Assert.IsType<DenseConfig>(Config("--kind", "denoising", "--noise", "gaussian:0.2")).Corruption);
        // Unbounded data with a linear output: no clipping.
        var s = Train("--kind", "denoising", "--noise", "gaussian:0.2", "--output", "linear-mse");
        var c = Assert.IsType<DenseConfig>(s.Kind.Build(new KindData([10], UnitRange: false, 10, TrainingPurpose.Reconstruction)));
        Assert.Equal(new GaussianNoise(0.2f), c.Corruption);
        // A sparse denoising autoencoder is still of kind sparse.
        c = Assert.IsType<DenseConfig>(Config("--kind", "sparse", "--noise", "mask:0.1"));
        Assert.Equal(("sparse", new MaskingNoise(0.1f)), (c.Kind, c.Corruption));
    }

    [Fact]
    public void ContractiveOptionsMap()
    {
        var c = Assert.IsType<DenseConfig>(Config("--kind", "contractive"));
        Assert.Equal(new Contractive(0.1f, ContractiveMethod.Exact), c.Regularizer);
        c = Assert.IsType<DenseConfig>(Config("--kind", "contractive", "--contractive-weight", "0.5", "--contractive-method", "random-projection"));
        Assert.Equal(("contractive", new Contractive(0.5f, ContractiveMethod.RandomProjection)), (c.Kind, c.Regularizer));
    }

    [Theory]
    [InlineData(10, 5)]
    [InlineData(7, 3)]
    [InlineData(1, 1)]
    public void StackedPretrainEpochsDefaultToHalfTheEpochs(int epochs, int perLayer)
    {
        var c = Assert.IsType<DenseConfig>(Config("--kind", "stacked", "--epochs", epochs.ToString()));
        Assert.Equal(("stacked", perLayer), (c.Kind, c.Pretraining!.EpochsPerLayer));
        Assert.Null(c.Pretraining.Corruption);
    }

    [Fact]
    public void StackedOptionsMap()
    {
        var c = Assert.IsType<DenseConfig>(Config("--kind", "stacked", "--pretrain-epochs", "3", "--pretrain-noise", "mask:0.2"));
        Assert.Equal(new GreedyPretraining(3, new MaskingNoise(0.2f)), c.Pretraining);
        Assert.Null(c.Corruption);
    }

    [Fact]
    public void PcaComponentsDefaultToLatentAndTheOutputIsLinear()
    {
        var s = Train("--kind", "pca");
        var data = new KindData([784], false, 10, TrainingPurpose.Reconstruction);
        Assert.Equal(Likelihood.Gaussian, s.Kind.Output(data));
        Assert.Equal(ScalingKind.Standardize, s.ResolveScale(isImage: false, s.Kind.Output(data)));
        Assert.Equal(ScalingKind.None, s.ResolveScale(isImage: true, s.Kind.Output(data)));
        Assert.Equal(32, Assert.IsType<PcaConfig>(Config("--kind", "pca")).Components);
        Assert.Equal(5, Assert.IsType<PcaConfig>(Config("--kind", "pca", "--components", "5")).Components);
        Assert.Equal(7, Assert.IsType<PcaConfig>(Config("--kind", "pca", "--latent", "7")).Components);
        Assert.Equal(10, Assert.IsType<PcaConfig>(Train("--kind", "pca").Kind.Build(new KindData([10], false, 10, TrainingPurpose.Reconstruction))).Components);
    }

    [Fact]
    public void LinearHasNoHiddenLayersAndALinearOutput()
    {
        var c = Assert.IsType<DenseConfig>(Config("--kind", "linear", "--latent", "3", "--tied"));
        Assert.Equal(("linear", 3, true), (c.Kind, c.LatentDim, c.TiedWeights));
        Assert.Equal(Likelihood.Gaussian, c.Likelihood);
        Assert.Empty(c.Hidden);
    }

    [Fact]
    public void LatentActivationAppliesToDense()
    {
        var c = Assert.IsType<DenseConfig>(Config("--latent-activation", "tanh"));
        Assert.Equal(("dense", Activation.Tanh), (c.Kind, c.LatentActivation));
    }

    [Theory]
    [InlineData("--sparsity-target applies to --kind sparse, not --kind dense", "--sparsity-target", "0.1")]
    [InlineData("--sparsity-weight applies to --kind sparse", "--kind", "denoising", "--sparsity-weight", "1")]
    [InlineData("--sparsity applies to --kind sparse", "--kind", "contractive", "--sparsity", "l1")]
    [InlineData("--contractive-weight applies to --kind contractive", "--kind", "sparse", "--contractive-weight", "1")]
    [InlineData("--contractive-method applies to --kind contractive", "--contractive-method", "exact")]
    [InlineData("--pretrain-epochs applies to --kind stacked", "--kind", "denoising", "--pretrain-epochs", "2")]
    [InlineData("--pretrain-noise applies to --kind stacked", "--pretrain-noise", "mask:0.1")]
    [InlineData("--components applies to --kind pca", "--kind", "linear", "--components", "3")]
    [InlineData("--noise applies to --kind sparse, denoising, contractive, stacked", "--noise", "mask:0.1")]
    [InlineData("--noise applies to", "--kind", "pca", "--noise", "mask:0.1")]
    [InlineData("--latent-activation applies to --kind dense, sparse, denoising, contractive, stacked", "--kind", "linear", "--latent-activation", "relu")]
    [InlineData("--hidden applies to", "--kind", "linear", "--hidden", "8")]
    [InlineData("--hidden applies to", "--kind", "pca", "--hidden", "8", "--activation", "tanh")]
    [InlineData("unknown model kind 'no-such-kind'; known kinds: dense, sparse", "--kind", "no-such-kind")]
    [InlineData("--model is the old name of --kind: give only --kind", "--kind", "dense", "--model", "sparse")]
    [InlineData("--sparsity must be one of kl, l1", "--kind", "sparse", "--sparsity", "l2")]
    [InlineData("--contractive-method must be one of", "--kind", "contractive", "--contractive-method", "fast")]
    [InlineData("--noise: expected gaussian:SIGMA", "--kind", "denoising", "--noise", "pink:0.1")]
    [InlineData("--latent-activation must be one of", "--latent-activation", "swish")]
    [InlineData("--output must be one of sigmoid-bce, linear-mse, tanh-mse, gaussian-nll", "--output", "poisson")]
    public void InapplicableOptionsAndBadNamesAreParseErrors(string message, params string[] args) =>
        Assert.Contains(ParseErrors(args), e => e.Contains(message));

    [Theory]
    [InlineData("--sparsity-target applies to --sparsity kl", "--kind", "sparse", "--sparsity", "l1", "--sparsity-target", "0.1")]
    [InlineData("--latent-activation: the KL sparsity penalty needs sigmoid code units", "--kind", "sparse", "--latent-activation", "relu")]
    [InlineData("--kind pca has a linear-mse output; --output sigmoid-bce does not apply", "--kind", "pca", "--output", "sigmoid-bce")]
    [InlineData("--kind linear has a linear-mse output; --output tanh-mse does not apply", "--kind", "linear", "--output", "tanh-mse")]
    [InlineData("--pretrain-noise must be in [0, 1], got 2", "--kind", "stacked", "--noise", "gaussian:0.1", "--pretrain-noise", "mask:2")]
    [InlineData("--kind pca: --components 5 and --latent 4 disagree", "--kind", "pca", "--components", "5", "--latent", "4")]
    [InlineData("--batch-norm: the contractive penalty needs an encoder of Linear+activation layers: no batch norm", "--kind", "contractive", "--batch-norm")]
    [InlineData("--dropout: the contractive penalty needs an encoder of Linear+activation layers: no dropout", "--kind", "contractive", "--dropout", "0.1")]
    [InlineData("--activation: the contractive penalty does not support gelu", "--kind", "contractive", "--activation", "gelu")]
    [InlineData("--batch-norm: greedy layer-wise pretraining needs an encoder of Linear+activation layers", "--kind", "stacked", "--batch-norm")]
    [InlineData("--sparsity-target: sparsity target rho must be in (0, 1), got 1.5", "--kind", "sparse", "--sparsity-target", "1.5")]
    [InlineData("--sparsity-target: sparsity target rho must be in (0, 1), got 0", "--kind", "sparse", "--sparsity-target", "0")]
    [InlineData("--sparsity-weight must be ≥ 0, got -1", "--kind", "sparse", "--sparsity-weight", "-1")]
    [InlineData("--contractive-weight must be ≥ 0, got -0.1", "--kind", "contractive", "--contractive-weight", "-0.1")]
    [InlineData("--pretrain-epochs must be ≥ 1, got 0", "--kind", "stacked", "--pretrain-epochs", "0")]
    [InlineData("--components must be ≥ 1, got 0", "--kind", "pca", "--components", "0")]
    [InlineData("--noise must be in [0, 1], got 2", "--kind", "denoising", "--noise", "mask:2")]
    [InlineData("--noise must be ≥ 0, got -1", "--kind", "denoising", "--noise", "gaussian:-1")]
    [InlineData("--latent must be ≥ 1, got 0", "--latent", "0")]
    [InlineData("--dropout must be in [0, 1), got 1", "--dropout", "1")]
    [InlineData("--hidden takes comma-separated positive integers", "--hidden", "8,-1")]
    public void BadValuesGiveTheLibraryMessageNamingTheOption(string message, params string[] args)
    {
        var errors = ParseErrors(args);
        if (errors.Count > 0) { Assert.Contains(errors, e => e.Contains(message)); return; }
        var e = Assert.Throws<ArgumentException>(() => Config(args));
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData("--sparsity-target applies to --kind sparse, not --kind dense", "--sparsity-target", "0.1")]
    [InlineData("--resume is not supported for --kind pca", "--kind", "pca", "--resume")]
    [InlineData("--resume is not supported for --kind stacked", "--kind", "stacked", "--resume")]
    [InlineData("--pretrain-epochs must be ≥ 1, got 0", "--kind", "stacked", "--pretrain-epochs", "0")]
    [InlineData("--epochs must be ≥ 1, got 0", "--epochs", "0")]
    [InlineData("--lr must be > 0, got 0 (see 'bottleneck train --help')", "--lr", "0")]
    [InlineData("--val-split: validation fraction must be in [0, 1)", "--val-split", "1")]
    [InlineData("--latent-activation: the KL sparsity penalty needs sigmoid code units", "--kind", "sparse", "--latent-activation", "relu")]
    [InlineData("--components must be ≤ inputDim (784), got 1000", "--kind", "pca", "--components", "1000")]   // needs the data's width
    [InlineData("--threshold: threshold rule f1 needs labelled anomalies", "--threshold", "f1")]                // needs the data's labels
    public async Task InapplicableOptionsAndBadValuesExit2WithOneErrorLineBeforeAnythingIsWritten(string message, params string[] args)
    {
        using var dir = new TempDir();
        var h = new CliHarness();
        h.AssertUsageError(await h.Run(["train", "--data", "demo:20", "--out", dir.File("m"), .. args]), message);
        Assert.False(Directory.Exists(dir.File("m")));
    }

    [Fact]
    public async Task TrainModelStillWorksWithADeprecationLine()
    {
        Assert.Equal("sparse", Train("--model", "sparse").Kind.Kind);
        using var dir = new TempDir();
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("train", "--model", "linear", "--data", "demo:30", "--latent", "2", "--epochs", "1", "--out", dir.File("m")));
        Assert.Contains("warning: 'train --model linear' is deprecated", h.Stderr);
        Assert.Contains("use --kind linear", h.Stderr);
        Assert.Equal("linear", ModelStore.Load(dir.File("m")).Model.Config.Kind);
    }

    [Fact]
    public void ApplyCommandsMapTheNewOptions()
    {
        Assert.Equal(new DenoiseSettings("m", "npy:x.npy", "c.csv"), DenoiseCommand.Bind(Parse("denoise", "--model", "m", "--data", "npy:x.npy", "--out", "c.csv")));
        Assert.Equal("g.png", EvaluateCommand.Bind(Parse("evaluate", "--model", "m", "--data", "demo", "--png", "g.png")).Png);
        Assert.Null(EvaluateCommand.Bind(Parse("evaluate", "--model", "m", "--data", "demo")).Png);
        Assert.NotEmpty(Bottleneck.Cli.Cli.CreateRootCommand(Env).Parse(["denoise", "--model", "m", "--data", "demo"]).Errors);
    }

    [Fact]
    public async Task HelpListsTheKindsFromTheRegistryAndTheirOptions()
    {
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("train", "--help"));
        foreach (var o in new[] { "--kind", "--sparsity-target", "--sparsity-weight", "--sparsity", "--noise", "--contractive-weight", "--contractive-method",
                                  "--pretrain-epochs", "--pretrain-noise", "--components", "--latent-activation", "gaussian:0.5", "gaussian-nll" })
            Assert.Contains(o, h.Stdout);
        foreach (var kind in Bottleneck.Models.Registry.ModelRegistry.All)
            Assert.Contains($"  {kind.Name,-12}{kind.Description}", h.Stdout);
        h = new CliHarness();
        Assert.Equal(0, await h.Run("denoise", "--help"));
        Assert.Contains("bottleneck denoise ", h.Stdout);
        Assert.Contains("Example", h.Stdout);
        h = new CliHarness();
        Assert.Equal(0, await h.Run());
        Assert.Contains("denoise", h.Stdout);
    }
}

/// <summary>Trains one tiny model of every regularized kind on demo:300 (784-16-4, 1 epoch) for the end-to-end tests.</summary>
public sealed class RegularizedModelsFixture : IDisposable
{
    public TempDir Dir { get; } = new();
    public Dictionary<string, (int ExitCode, string Output)> Runs { get; } = [];

    public static readonly string[] Kinds = ["sparse", "denoising", "contractive", "stacked", "pca", "linear"];

    public RegularizedModelsFixture()
    {
        foreach (var kind in Kinds)
        {
            string[] extra = kind switch
            {
                "pca" or "linear" => [],
                "stacked" => ["--hidden", "16", "--pretrain-noise", "mask:0.2"],
                "denoising" => ["--hidden", "16", "--noise", "gaussian:0.4"],
                _ => ["--hidden", "16"],
            };
            var h = new CliHarness();
            int code = h.Run(["train", "--kind", kind, "--data", "demo:300", "--latent", "4", "--epochs", "1", "--batch-size", "64",
                              "--out", ModelDir(kind), .. extra]).GetAwaiter().GetResult();
            Runs[kind] = (code, h.Stdout + h.Stderr);
        }
    }

    public string ModelDir(string kind) => Dir.File(kind);

    public void Dispose() => Dir.Dispose();
}

/// <summary>End-to-end runs of the regularized kinds: train, save/load, evaluate, info, denoise.</summary>
public class CliRegularizedEndToEndTests(RegularizedModelsFixture models) : IClassFixture<RegularizedModelsFixture>
{
    public static TheoryData<string> Kinds => new(RegularizedModelsFixture.Kinds);

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task EveryKindTrainsSavesLoadsAndEvaluates(string kind)
    {
        var (code, output) = models.Runs[kind];
        Assert.True(code == 0, output);
        Assert.Contains($"model       {kind} ", output);
        var saved = ModelStore.Load(models.ModelDir(kind));
        Assert.Equal(kind, saved.Model.Config.Kind);
        Assert.Equal((784, 4), (saved.Model.InputDim, saved.Model.LatentDim));
        Assert.True(File.Exists(Path.Combine(models.ModelDir(kind), TrainService.GridFile)));

        var h = new CliHarness();
        Assert.Equal(0, await h.Run("evaluate", "--model", models.ModelDir(kind), "--data", "demo:40", "--json"));
        using var doc = JsonDocument.Parse(h.Stdout);
        Assert.Equal(40, doc.RootElement.GetProperty("samples").GetInt32());
        Assert.True(double.IsFinite(doc.RootElement.GetProperty("mse").GetDouble()));
        Assert.Equal(kind == "denoising", doc.RootElement.TryGetProperty("denoising", out _));

        h = new CliHarness();
        Assert.Equal(0, await h.Run("info", "--model", models.ModelDir(kind)));
        Assert.Contains(kind, h.Stdout);
    }

    [Fact]
    public async Task InfoShowsRegularizerNoiseAndPretraining()
    {
        var h = new CliHarness();
        await h.Run("info", "--model", models.ModelDir("sparse"));
        Assert.Contains("KL sparsity rho 0.05, weight 3", h.Stdout);
        h = new CliHarness();
        await h.Run("info", "--model", models.ModelDir("denoising"));
        Assert.Contains("gaussian sigma 0.4, clipped to [0, 1]", h.Stdout);
        h = new CliHarness();
        await h.Run("info", "--model", models.ModelDir("contractive"));
        Assert.Contains("contractive weight 0.1 (exact)", h.Stdout);
        h = new CliHarness();
        await h.Run("info", "--model", models.ModelDir("stacked"));
        Assert.Contains("greedy layer-wise, 1 epoch per layer, noise mask p 0.2", h.Stdout);
    }

    [Fact]
    public void StackedHistoryHasPretrainingAndFinetuneStages()
    {
        var output = models.Runs["stacked"].Output;
        foreach (var s in new[] { "pretraining 1 epoch for each of 2 layers with noise mask p 0.2", "pretrain-1 epoch 1/1", "pretrain-2 epoch 1/1",
                                  "finetune epoch 1/1", "│ stage", "│ finetune", "best epoch  1" })
            Assert.Contains(s, output);
        var history = ModelStore.Load(models.ModelDir("stacked")).History;
        Assert.Equal(["pretrain-1", "pretrain-2", "finetune"], history.Select(e => e.Stage));
    }

    [Fact]
    public async Task PcaIsFittedInClosedFormAndReportsExplainedVariance()
    {
        var output = models.Runs["pca"].Output;
        Assert.Contains("closed-form PCA fit of 4 components", output);
        Assert.Contains("explained variance", output);
        Assert.Contains("of the training variance with 4 components", output);
        Assert.DoesNotContain("train loss", output);
        Assert.DoesNotContain("best epoch", output);
        var pca = Assert.IsType<PcaModel>(ModelStore.Load(models.ModelDir("pca")).Model);
        double total = pca.ExplainedVarianceRatio.Sum();
        Assert.InRange(total, 0.05, 1.0);
        var h = new CliHarness();
        await h.Run("info", "--model", models.ModelDir("pca"));
        Assert.Contains("explained variance", h.Stdout);
        Assert.Contains((100 * total).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) + "%", h.Stdout);
    }

    [Fact]
    public async Task EvaluateOnADenoisingModelReportsBothPsnrsAndWritesTheGrid()
    {
        string dir = models.ModelDir("denoising");
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("evaluate", "--model", dir, "--data", "demo:30"));
        foreach (var s in new[] { "noisy", "denoised", "PSNR vs clean (dB)", "MSE / element vs clean", "gaussian sigma 0.4", "seed 0", "PSNR gain" })
            Assert.Contains(s, h.Stdout);
        string grid = Path.Combine(dir, DenoisingEvaluation.GridFile);
        Assert.True(File.Exists(grid));
        var (width, height) = PngSize(grid);
        Assert.Equal((10 * 56 + 11 * 2, 3 * 56 + 4 * 2), (width, height));   // 10 images of 28x28 at scale 2 in 3 rows, 2-pixel separators

        using var tmp = new TempDir();
        h = new CliHarness();
        Assert.Equal(0, await h.Run("evaluate", "--model", dir, "--data", "demo:30", "--json", "--png", tmp.File("g.png")));
        using var doc = JsonDocument.Parse(h.Stdout);
        var d = doc.RootElement.GetProperty("denoising");
        double noisy = d.GetProperty("noisyPsnr").GetDouble(), denoised = d.GetProperty("denoisedPsnr").GetDouble();
        Assert.True(noisy > 0 && denoised > 0);
        Assert.Equal(denoised - noisy, d.GetProperty("psnrGain").GetDouble(), 9);
        Assert.Equal(30, d.GetProperty("samples").GetInt32());
        Assert.Equal(tmp.File("g.png"), d.GetProperty("png").GetString());
        Assert.True(File.Exists(tmp.File("g.png")));

        // Seeded noise: the same numbers again.
        h = new CliHarness();
        await h.Run("evaluate", "--model", dir, "--data", "demo:30", "--json", "--png", tmp.File("g2.png"));
        using var again = JsonDocument.Parse(h.Stdout);
        Assert.Equal(noisy, again.RootElement.GetProperty("denoising").GetProperty("noisyPsnr").GetDouble());
    }

    [Fact]
    public async Task EvaluateOnAModelWithoutNoiseHasNoDenoisingReport()
    {
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("evaluate", "--model", models.ModelDir("sparse"), "--data", "demo:20"));
        Assert.DoesNotContain("denoised", h.Stdout);
        Assert.False(File.Exists(Path.Combine(models.ModelDir("sparse"), DenoisingEvaluation.GridFile)));
    }

    [Fact]
    public async Task DenoiseWritesTheDenoisedDataAndAGrid()
    {
        using var tmp = new TempDir();
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("denoise", "--model", models.ModelDir("denoising"), "--data", "demo:12", "--out", tmp.File("c.csv")));
        Assert.DoesNotContain("note:", h.Stdout);
        var lines = File.ReadAllLines(tmp.File("c.csv"));
        Assert.Equal(13, lines.Length);
        Assert.StartsWith("label,c0,c1,", lines[0]);
        Assert.Equal(1 + 784, lines[0].Split(',').Length);
        Assert.True(File.Exists(tmp.File("c.png")));
        Assert.Equal((10 * 56 + 11 * 2, 2 * 56 + 3 * 2), PngSize(tmp.File("c.png")));   // noisy above denoised

        h = new CliHarness();
        Assert.Equal(0, await h.Run("denoise", "--model", models.ModelDir("denoising"), "--data", "demo:12", "--out", tmp.File("c.npy")));
        var (shape, values) = NpyLoader.Read(tmp.File("c.npy"));
        Assert.Equal([12, 784], shape);
        Assert.All(values, v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public async Task DenoiseWithAModelNotTrainedAsADenoiserPrintsANote()
    {
        using var tmp = new TempDir();
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("denoise", "--model", models.ModelDir("pca"), "--data", "demo:5", "--out", tmp.File("c.npy")));
        Assert.Contains("note:", h.Stdout);
        Assert.Contains("not trained as a denoiser", h.Stdout);
        Assert.Equal([5, 784], NpyLoader.Read(tmp.File("c.npy")).Shape);
    }

    [Fact]
    public async Task DenoiseErrorsAreUsageErrors()
    {
        using var tmp = new TempDir();
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("denoise", "--model", models.ModelDir("denoising"), "--data", "demo:5", "--out", tmp.File("c.txt")), "unsupported format");
        h = new CliHarness();
        h.AssertUsageError(await h.Run("denoise", "--model", tmp.File("missing"), "--data", "demo:5", "--out", tmp.File("c.csv")));
    }

    private static (int Width, int Height) PngSize(string path)
    {
        var b = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, b[..4]);
        int Be(int o) => (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
        return (Be(16), Be(20));
    }
}
