using System.Text.Json;
using Bottleneck.Cli.Commands;
using Bottleneck.Cli.Services;
using Bottleneck.Data;
using Bottleneck.ModelFiles;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.Models.Pca;
using Bottleneck.NN;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Cli;

/// <summary>Parsing and mapping of the regularized-kind options of <c>train</c> (sparse, denoising, contractive, stacked, pca, linear).</summary>
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
        return ModelOptions.CreateConfig(s.Model, s.Architecture, 784, unitRange: true, s.Epochs);
    }

    [Fact]
    public void NoRegularizedOptionsByDefault()
    {
        var s = Train();
        Assert.Equal(RegularizedSettings.None with { ExplicitArchitecture = s.Architecture.Regularized.ExplicitArchitecture }, s.Architecture.Regularized);
        Assert.Empty(s.Architecture.Regularized.ExplicitArchitecture);
        Assert.Equal("dense", Config().Kind);
    }

    [Fact]
    public void SparseOptionsMap()
    {
        var r = Train("--model", "sparse", "--sparsity", "KL", "--sparsity-target", "0.1", "--sparsity-weight", "2", "--latent-activation", "sigmoid").Architecture.Regularized;
        Assert.Equal((SparsityPenalty.Kl, 0.1f, 2f, Activation.Sigmoid), (r.Sparsity, r.SparsityTarget, r.SparsityWeight, r.LatentActivation));
        var c = Assert.IsType<DenseConfig>(Config("--model", "sparse", "--sparsity-target", "0.1", "--sparsity-weight", "2"));
        Assert.Equal("sparse", c.Kind);
        Assert.Equal(new SparsityKl(0.1f, 2f), c.Regularizer);
        Assert.Equal(Activation.Sigmoid, c.LatentActivation);   // chosen automatically for KL
    }

    [Fact]
    public void SparseDefaultsAreKlRho005Weight3WithASigmoidCode()
    {
        var c = Assert.IsType<DenseConfig>(Config("--model", "sparse"));
        Assert.Equal(new SparsityKl(0.05f, 3f), c.Regularizer);
        Assert.Equal(Activation.Sigmoid, c.LatentActivation);
        Assert.Null(c.Corruption);
    }

    [Fact]
    public void SparseL1KeepsTheCodeActivation()
    {
        var c = Assert.IsType<DenseConfig>(Config("--model", "sparse", "--sparsity", "l1"));
        Assert.Equal(new SparsityL1(1e-3f), c.Regularizer);
        Assert.Equal(Activation.Identity, c.LatentActivation);
        c = Assert.IsType<DenseConfig>(Config("--model", "sparse", "--sparsity", "l1", "--sparsity-weight", "0.5", "--latent-activation", "relu"));
        Assert.Equal(new SparsityL1(0.5f), c.Regularizer);
        Assert.Equal(Activation.Relu, c.LatentActivation);
    }

    [Fact]
    public void DenoisingDefaultsToClippedGaussian05()
    {
        var c = Assert.IsType<DenseConfig>(Config("--model", "denoising"));
        Assert.Equal("denoising", c.Kind);
        Assert.Equal(new GaussianNoise(0.5f, 0f, 1f), c.Corruption);
    }

    [Theory]
    [InlineData("gaussian:0.3", NoiseKind.Gaussian, 0.3f)]
    [InlineData("mask:0.25", NoiseKind.Mask, 0.25f)]
    [InlineData("masking:0.25", NoiseKind.Mask, 0.25f)]
    [InlineData("salt-pepper:0.1", NoiseKind.SaltPepper, 0.1f)]
    [InlineData(" Salt-And-Pepper : 1 ", NoiseKind.SaltPepper, 1f)]
    [InlineData("gaussian:0", NoiseKind.Gaussian, 0f)]
    public void NoiseSpecsParse(string text, NoiseKind kind, float level) =>
        Assert.Equal(new NoiseSpec(kind, level), NoiseSpec.Parse(text, "--noise"));

    [Theory]
    [InlineData("gaussian")]
    [InlineData("pink:0.2")]
    [InlineData("mask:x")]
    [InlineData("mask:1.5")]
    [InlineData("salt-pepper:-0.1")]
    [InlineData("gaussian:-1")]
    [InlineData("")]
    public void BadNoiseSpecsAreRejected(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => NoiseSpec.Parse(text, "--noise"));
        Assert.StartsWith("--noise", e.Message);
    }

    [Fact]
    public void NoiseMapsToTheLibraryCorruptions()
    {
        Assert.Equal(new MaskingNoise(0.25f), Assert.IsType<DenseConfig>(Config("--model", "denoising", "--noise", "mask:0.25")).Corruption);
        Assert.Equal(new SaltAndPepperNoise(0.1f), Assert.IsType<DenseConfig>(Config("--model", "denoising", "--noise", "salt-pepper:0.1")).Corruption);
        Assert.Equal(new GaussianNoise(0.2f, 0f, 1f), Assert.IsType<DenseConfig>(Config("--model", "denoising", "--noise", "gaussian:0.2")).Corruption);
        // Unbounded data with a linear output: no clipping.
        var s = Train("--model", "denoising", "--noise", "gaussian:0.2", "--output", "linear-mse");
        var c = Assert.IsType<DenseConfig>(ModelOptions.CreateConfig(s.Model, s.Architecture, 10, unitRange: false));
        Assert.Equal(new GaussianNoise(0.2f), c.Corruption);
        // A sparse denoising autoencoder is still of kind sparse.
        c = Assert.IsType<DenseConfig>(Config("--model", "sparse", "--noise", "mask:0.1"));
        Assert.Equal(("sparse", new MaskingNoise(0.1f)), (c.Kind, c.Corruption));
    }

    [Fact]
    public void ContractiveOptionsMap()
    {
        var c = Assert.IsType<DenseConfig>(Config("--model", "contractive"));
        Assert.Equal(new Contractive(0.1f, ContractiveMethod.Exact), c.Regularizer);
        c = Assert.IsType<DenseConfig>(Config("--model", "contractive", "--contractive-weight", "0.5", "--contractive-method", "random-projection"));
        Assert.Equal(("contractive", new Contractive(0.5f, ContractiveMethod.RandomProjection)), (c.Kind, c.Regularizer));
    }

    [Theory]
    [InlineData(10, 5)]
    [InlineData(7, 3)]
    [InlineData(1, 1)]
    public void StackedPretrainEpochsDefaultToHalfTheEpochs(int epochs, int perLayer)
    {
        var c = Assert.IsType<DenseConfig>(Config("--model", "stacked", "--epochs", epochs.ToString()));
        Assert.Equal(("stacked", perLayer), (c.Kind, c.Pretraining!.EpochsPerLayer));
        Assert.Null(c.Pretraining.Corruption);
    }

    [Fact]
    public void StackedOptionsMap()
    {
        var c = Assert.IsType<DenseConfig>(Config("--model", "stacked", "--pretrain-epochs", "3", "--pretrain-noise", "mask:0.2"));
        Assert.Equal(new GreedyPretraining(3, new MaskingNoise(0.2f)), c.Pretraining);
        Assert.Null(c.Corruption);
    }

    [Fact]
    public void PcaComponentsDefaultToLatentAndTheOutputIsLinear()
    {
        var s = Train("--model", "pca");
        Assert.Equal(Reconstruction.LinearMse, s.Architecture.Output);
        Assert.Equal(ScalingKind.Standardize, s.ResolveScale(isImage: false));
        Assert.Equal(ScalingKind.None, s.ResolveScale(isImage: true));
        Assert.Equal(32, Assert.IsType<PcaConfig>(Config("--model", "pca")).Components);
        Assert.Equal(5, Assert.IsType<PcaConfig>(Config("--model", "pca", "--components", "5")).Components);
        Assert.Equal(7, Assert.IsType<PcaConfig>(Config("--model", "pca", "--latent", "7")).Components);
    }

    [Fact]
    public void LinearHasNoHiddenLayersAndALinearOutput()
    {
        var c = Assert.IsType<DenseConfig>(Config("--model", "linear", "--latent", "3", "--tied"));
        Assert.Equal(("linear", 3, true), (c.Kind, c.LatentDim, c.TiedWeights));
        Assert.True(c.IsLinear);
        Assert.Empty(c.Hidden);
    }

    [Fact]
    public void LatentActivationAppliesToDense()
    {
        var c = Assert.IsType<DenseConfig>(Config("--latent-activation", "tanh"));
        Assert.Equal(("dense", Activation.Tanh), (c.Kind, c.LatentActivation));
    }

    [Theory]
    [InlineData("--sparsity-target applies to --model sparse", "--sparsity-target", "0.1")]
    [InlineData("--sparsity-weight applies to --model sparse", "--model", "denoising", "--sparsity-weight", "1")]
    [InlineData("--sparsity applies to --model sparse", "--model", "contractive", "--sparsity", "l1")]
    [InlineData("--contractive-weight applies to --model contractive", "--model", "sparse", "--contractive-weight", "1")]
    [InlineData("--contractive-method applies to --model contractive", "--contractive-method", "exact")]
    [InlineData("--pretrain-epochs applies to --model stacked", "--model", "denoising", "--pretrain-epochs", "2")]
    [InlineData("--pretrain-noise applies to --model stacked", "--pretrain-noise", "mask:0.1")]
    [InlineData("--components applies to --model pca", "--model", "linear", "--components", "3")]
    [InlineData("--noise applies to --model denoising", "--noise", "mask:0.1")]
    [InlineData("--noise applies to --model denoising", "--model", "pca", "--noise", "mask:0.1")]
    [InlineData("--latent-activation applies to", "--model", "linear", "--latent-activation", "relu")]
    [InlineData("--sparsity-target applies to --sparsity kl", "--model", "sparse", "--sparsity", "l1", "--sparsity-target", "0.1")]
    [InlineData("--sparsity kl needs sigmoid code units", "--model", "sparse", "--latent-activation", "relu")]
    [InlineData("--hidden does not apply to --model linear", "--model", "linear", "--hidden", "8")]
    [InlineData("--hidden, --activation do not apply to --model pca", "--model", "pca", "--hidden", "8", "--activation", "tanh")]
    [InlineData("--output sigmoid-bce does not apply", "--model", "pca", "--output", "sigmoid-bce")]
    [InlineData("--components 5 and --latent 4 disagree", "--model", "pca", "--components", "5", "--latent", "4")]
    [InlineData("drop --batch-norm", "--model", "contractive", "--batch-norm")]
    [InlineData("drop --dropout", "--model", "contractive", "--dropout", "0.1")]
    [InlineData("does not support gelu", "--model", "contractive", "--activation", "gelu")]
    [InlineData("drop --batch-norm", "--model", "stacked", "--batch-norm")]
    public void InapplicableOptionsAreRejected(string message, params string[] args)
    {
        var e = Assert.Throws<ArgumentException>(() => Config(args));
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData("--sparsity-target", "1.5", "--sparsity-target must be > 0 and < 1")]
    [InlineData("--sparsity-target", "0", "--sparsity-target must be > 0 and < 1")]
    [InlineData("--sparsity-weight", "-1", "--sparsity-weight must be >= 0")]
    [InlineData("--sparsity", "l2", "--sparsity must be one of kl, l1")]
    [InlineData("--contractive-weight", "-0.1", "--contractive-weight must be >= 0")]
    [InlineData("--contractive-method", "fast", "--contractive-method must be one of")]
    [InlineData("--pretrain-epochs", "0", "--pretrain-epochs must be >= 1")]
    [InlineData("--components", "0", "--components must be >= 1")]
    [InlineData("--noise", "pink:0.1", "--noise takes gaussian:SIGMA")]
    [InlineData("--pretrain-noise", "mask:2", "--pretrain-noise: the probability must be in [0, 1]")]
    [InlineData("--latent-activation", "swish", "--latent-activation must be one of")]
    public void BadValuesAreParseErrors(string option, string value, string message)
    {
        var errors = Bottleneck.Cli.Cli.CreateRootCommand(Env).Parse(["train", option, value]).Errors.Select(e => e.Message).ToList();
        Assert.Contains(errors, e => e.Contains(message));
    }

    [Theory]
    [InlineData("--sparsity-target applies to --model sparse, not --model dense", "--sparsity-target", "0.1")]
    [InlineData("--resume is not supported for --model pca", "--model", "pca", "--resume")]
    [InlineData("--resume is not supported for --model stacked", "--model", "stacked", "--resume")]
    public async Task InapplicableOptionsExit2WithOneErrorLine(string message, params string[] args)
    {
        using var dir = new TempDir();
        var h = new CliHarness();
        h.AssertUsageError(await h.Run(["train", "--data", "demo:20", "--out", dir.File("m"), .. args]), message);
        Assert.False(File.Exists(dir.File("m/config.json")));
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
    public async Task HelpDescribesTheNewOptionsAndCommand()
    {
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("train", "--help"));
        foreach (var o in new[] { "--sparsity-target", "--sparsity-weight", "--sparsity", "--noise", "--contractive-weight", "--contractive-method",
                                  "--pretrain-epochs", "--pretrain-noise", "--components", "--latent-activation", "gaussian:0.5" })
            Assert.Contains(o, h.Stdout);
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
            int code = h.Run(["train", "--model", kind, "--data", "demo:300", "--latent", "4", "--epochs", "1", "--batch-size", "64",
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
        Assert.Contains("all 4", output);
        Assert.DoesNotContain("train loss", output);
        Assert.DoesNotContain("best epoch", output);
        var pca = Assert.IsType<PcaModel>(ModelStore.Load(models.ModelDir("pca")).Model);
        double total = pca.ExplainedVarianceRatio.Sum();
        Assert.InRange(total, 0.05, 1.0);
        var h = new CliHarness();
        await h.Run("info", "--model", models.ModelDir("pca"));
        Assert.Contains("explained variance", h.Stdout);
        Assert.Contains(RegularizedText.Percent(total), h.Stdout);
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
