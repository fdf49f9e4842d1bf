using Bottleneck.Data;
using Bottleneck.ModelFiles;
using Bottleneck.Models;
using Bottleneck.Models.Conv;
using Bottleneck.Models.Registry;
using Bottleneck.Models.Variational;
using Bottleneck.Tensors;
using Bottleneck.Training;
using Bottleneck.Tests.Data;
using static Bottleneck.Tests.Models.ModelTestUtil;

namespace Bottleneck.Tests.Models.Variational;

/// <summary>The convolutional VAE: the variational kinds with a <see cref="ConvBackbone"/> instead of the MLP (composition, no new class).</summary>
public class ConvolutionalVaeTests
{
    private static VariationalConfig Vae(LatentKind latent = LatentKind.Gaussian) => latent switch
    {
        LatentKind.Deterministic => new VariationalConfig(1 * 12 * 12, [], 4, latent: latent, mmdWeight: 10f, convolutional: new ConvBackbone(1, 12, 12, [3, 5])),
        LatentKind.VectorQuantized => new VariationalConfig(144, [], 8, latent: latent, codebookSize: 16, codeDim: 4, convolutional: new ConvBackbone(1, 12, 12, [3, 5])),
        _ => new VariationalConfig(144, [], 4, latent: latent, convolutional: new ConvBackbone(1, 12, 12, [3, 5])),
    };

    [Theory]
    [InlineData(LatentKind.Gaussian)]
    [InlineData(LatentKind.Ladder)]
    [InlineData(LatentKind.Deterministic)]
    [InlineData(LatentKind.VectorQuantized)]
    public void EveryLatentTrainsOnImageRowsAndRoundTripsThroughTheModelFolder(LatentKind latent)
    {
        // Given a conv VAE on 12x12 image rows
        var model = new VariationalAutoencoder(Vae(latent), new Rng(3));
        var data = Dataset01(64, 144, 4, new ImageShape(1, 12, 12));

        // When it trains two epochs
        var result = new Trainer(new TrainingOptions(epochs: 2, batchSize: 16, seed: 1)).Fit(model, RowSource.For(model, data), null, new FitContext());

        // Then the losses are finite, the layers are convolutions, and the folder gives back the same model
        Assert.All(result.History, h => Assert.True(double.IsFinite(h.TrainLoss)));
        Assert.Contains(model.StateDict(), e => e.Name == "encoder.1.weight" && e.Value.Rank == 4);    // Conv2d(1 → 3, 3, 3)
        Assert.Contains(model.StateDict(), e => e.Name.StartsWith("decoder.", StringComparison.Ordinal) && e.Value.Rank == 4);
        using var dir = new TempDir();
        ModelStore.Save(dir.Path, new SavedModel(model, new PreprocessorState(ScalingKind.None, [], []), null, [], null, "test"));
        var loaded = ModelStore.Load(dir.Path);
        Assert.Equal(model.Config, loaded.Model.Config);
        Assert.Equal(Vae(latent).Convolutional, ((VariationalConfig)loaded.Model.Config).Convolutional);
        var x = Batch01(5, 144, 9);
        AssertBitEqual(NoGrad(() => model.Reconstruct(x)), NoGrad(() => loaded.Model.Reconstruct(x)), "Reconstruct");
        Assert.Equal([5, 144], model.Reconstruct(x).ShapeToArray());
    }

    [Fact]
    public void TheGaussianConvVaeHasTheElboMachineryOfTheDenseOne()
    {
        // Given a Gaussian conv VAE
        var model = new VariationalAutoencoder(Vae(), new Rng(5));
        var x = Batch01(6, 144, 2);

        // When the ELBO terms, the IWAE bound and prior samples are computed
        var (rec, kl, mean) = model.ElboTerms(x, null, new Rng(1));
        var iw = model.ImportanceWeightedNll(x, null, 8, new Rng(2));
        var samples = model.Decode(model.SamplePrior(3, new Rng(3)), null);

        // Then they have one value per row, KL ≥ 0, the IWAE NLL is finite, and samples are images in (0, 1)
        Assert.Equal(6, rec.Length);
        Assert.All(kl, k => Assert.True(k >= 0));
        Assert.All(iw, v => Assert.True(double.IsFinite(v)));
        Assert.Equal([6, 4], mean.ShapeToArray());
        Assert.Equal([3, 144], samples.ShapeToArray());
        Assert.All(samples.ToArray(), v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void BackboneMismatchesHiddenWidthsAndClassesAreRefused()
    {
        var cb = new ConvBackbone(1, 12, 12, [3]);
        Assert.Contains("takes 1x12x12 images (144 values), the input has 100",
            Assert.Throws<ArgumentException>(() => new VariationalConfig(100, [], 4, convolutional: cb)).Message);
        Assert.Contains("hidden widths do not apply",
            Assert.Throws<ArgumentException>(() => new VariationalConfig(144, [32], 4, convolutional: cb)).Message);
        Assert.Contains("does not take class labels",
            Assert.Throws<ArgumentException>(() => new VariationalConfig(144, [], 4, classes: 3, convolutional: cb)).Message);
        Assert.Contains("kernelSize must be odd", Assert.Throws<ArgumentOutOfRangeException>(() => new ConvBackbone(1, 12, 12, [3], kernelSize: 2)).Message);
    }

    [Fact]
    public void TheConvKindKeepsItsLayersAndNames()
    {
        // The conv kind's parts were refactored to share the convolution stacks with the backbone: names and shapes are unchanged.
        var model = new ConvAutoencoder(new ConvConfig(1, 28, 28, [32, 64], latent: 32), new Rng(0));
        var names = model.StateDict().Select(e => $"{e.Name} {string.Join("x", e.Value.ShapeToArray())}").ToArray();
        Assert.Equal(
        [
            "encoder.0.weight 32x1x3x3", "encoder.0.bias 32", "encoder.2.weight 64x32x3x3", "encoder.2.bias 64", "encoder.5.weight 32x3136", "encoder.5.bias 32",
            "decoder.0.weight 3136x32", "decoder.0.bias 3136", "decoder.3.weight 64x32x3x3", "decoder.3.bias 32", "decoder.5.weight 32x1x3x3", "decoder.5.bias 1",
        ], names);
    }
}
