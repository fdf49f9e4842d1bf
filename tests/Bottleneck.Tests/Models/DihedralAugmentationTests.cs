using Bottleneck.Models;
using Bottleneck.Models.Conv;
using Bottleneck.Models.Registry;
using Bottleneck.Models.SuperResolution;
using Bottleneck.Tensors;
using static Bottleneck.Tests.Models.ModelTestUtil;

namespace Bottleneck.Tests.Models;

/// <summary>Dihedral augmentation of image batches: the 8 transforms, pairs kept together, and the training step that uses it.</summary>
public class DihedralAugmentationTests
{
    // A 2-channel 3x3 image with distinct values: channel c, pixel (y, x) = 100c + 10y + x.
    private static float[] Sample(int h, int w) =>
        Enumerable.Range(0, 2 * h * w).Select(i => (float)(100 * (i / (h * w)) + 10 * (i % (h * w) / w) + i % w)).ToArray();

    private static float At(float[] v, int c, int y, int x, int h, int w) => v[c * h * w + y * w + x];

    [Fact]
    public void TheEightTransformsOfASquareImageAreItsFlipsAndQuarterTurns()
    {
        // Given a 3x3 two-channel image
        const int n = 3;
        var src = Sample(n, n);
        var outputs = new List<float[]>();
        for (int t = 0; t < 8; t++)
        {
            var dst = new float[src.Length];
            DihedralAugmentation.Transform(src, dst, 2, n, n, t);
            outputs.Add(dst);
        }

        // Then: t = 0 is the identity, 1 the left-right flip, 2 the up-down flip, 3 the half turn, 4 the transposition,
        // 5 and 6 the quarter turns (numpy's rot90 with k = 1 and k = -1), 7 the anti-transposition; all 8 differ
        for (int c = 0; c < 2; c++)
            for (int y = 0; y < n; y++)
                for (int x = 0; x < n; x++)
                {
                    float v(int yy, int xx) => At(src, c, yy, xx, n, n);
                    Assert.Equal(v(y, x), At(outputs[0], c, y, x, n, n));
                    Assert.Equal(v(y, n - 1 - x), At(outputs[1], c, y, x, n, n));
                    Assert.Equal(v(n - 1 - y, x), At(outputs[2], c, y, x, n, n));
                    Assert.Equal(v(n - 1 - y, n - 1 - x), At(outputs[3], c, y, x, n, n));
                    Assert.Equal(v(x, y), At(outputs[4], c, y, x, n, n));
                    Assert.Equal(v(x, n - 1 - y), At(outputs[5], c, y, x, n, n));           // counter-clockwise quarter turn: np.rot90(a, 1)
                    Assert.Equal(v(n - 1 - x, y), At(outputs[6], c, y, x, n, n));           // clockwise: np.rot90(a, -1)
                    Assert.Equal(v(n - 1 - x, n - 1 - y), At(outputs[7], c, y, x, n, n));
                }
        Assert.Equal(8, outputs.Select(o => string.Join(",", o)).Distinct().Count());
    }

    [Fact]
    public void ANonSquareImageHasFourTransformsAndRefusesTransposition()
    {
        Assert.Equal(4, DihedralAugmentation.Count(2, 3));
        Assert.Equal(8, DihedralAugmentation.Count(5, 5));
        var src = Sample(2, 3);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => DihedralAugmentation.Transform(src, new float[src.Length], 2, 2, 3, 4));
        Assert.Contains("[0, 4) for a 2 × 3 image", ex.Message);
    }

    [Fact]
    public void APairIsTransformedTogetherAndEverySampleGetsItsOwnDraw()
    {
        // Given a batch of 64 images (1, 4, 4) and targets equal to the image plus 1
        const int n = 64, d = 16;
        var x = Tensor.FromArray(Uniform01(n, d, 3), n, 1, 4, 4);
        var target = Tensor.FromArray(x.ToArray().Select(v => v + 1).ToArray(), n, 1, 4, 4);

        // When the batch is augmented
        var rng = new Rng(11);
        var augmented = DihedralAugmentation.Apply(new RowBatch(x, target, Labels: Enumerable.Range(0, n).ToArray()), rng);

        // Then each target is still its input plus 1, labels are kept, values are permuted within each sample,
        // and the draws are those of rng.NextInt(8) per sample, in order
        var xi = augmented.Input.ToArray();
        var ti = augmented.Target!.ToArray();
        for (int i = 0; i < xi.Length; i++) Assert.Equal(xi[i] + 1, ti[i]);
        Assert.Equal(Enumerable.Range(0, n), augmented.Labels!);
        var draws = new Rng(11);
        int changed = 0;
        for (int s = 0; s < n; s++)
        {
            var expected = new float[d];
            DihedralAugmentation.Transform(x.ToArray().AsSpan(s * d, d), expected, 1, 4, 4, draws.NextInt(8));
            Assert.Equal(expected, xi[(s * d)..((s + 1) * d)]);
            Assert.Equal(x.ToArray()[(s * d)..((s + 1) * d)].Order(), expected.Order());
            if (!expected.SequenceEqual(x.ToArray()[(s * d)..((s + 1) * d)])) changed++;
        }
        Assert.InRange(changed, n / 2, n);   // 7 in 8 samples move on average
        Assert.Equal([n, 1, 4, 4], x.ShapeToArray());
    }

    [Fact]
    public void AnAugmentedTrainingStepIsTheStepOnTheTransformedBatch()
    {
        // Given a super-resolution model that trains with augmentation, and its twin without
        var config = new SuperResolutionConfig(1, 8, 8, 2, [4], augment: true);
        var model = new SuperResolutionModel(config, new Rng(2));
        var plain = new SuperResolutionModel(new SuperResolutionConfig(1, 8, 8, 2, [4]), new Rng(2));
        var x = Tensor.FromArray(Uniform01(6, 64, 9), 6, 1, 8, 8);

        // When the augmented model takes a training step with noise seed 5
        var loss = model.Step(new RowBatch(x), StepContext.ForTraining(1, 0, new Rng(5))).Loss.Item();

        // Then its loss is the plain model's on the batch transformed with the same draws, and differs from the untransformed one
        var transformed = DihedralAugmentation.Apply(new RowBatch(x), new Rng(5));
        Assert.Equal(plain.Step(transformed, StepContext.ForTraining(1, 0, new Rng(5))).Loss.Item(), loss);
        Assert.NotEqual(plain.Step(new RowBatch(x), StepContext.ForTraining(1, 0, new Rng(5))).Loss.Item(), loss);
        // and evaluation steps are not augmented
        Assert.Equal(plain.Compute(x).Loss.Item(), model.Compute(x).Loss.Item());
    }

    [Fact]
    public void TheOptionSurvivesJsonAndShowsInTheDescription()
    {
        var sr = new SuperResolutionConfig(1, 8, 8, 2, [4], augment: true);
        Assert.Equal(sr, ModelRegistry.FromJson("super-resolution", ModelRegistry.ToJson(sr)));
        Assert.True(((SuperResolutionConfig)ModelRegistry.FromJson("super-resolution", ModelRegistry.ToJson(sr))).Augment);
        Assert.Contains("flips and rotations", sr.Describe());
        var conv = new ConvConfig(1, 8, 8, [2], latent: null, latentChannels: 2, output: Likelihood.Gaussian, augment: true, residual: true);
        var back = (ConvConfig)ModelRegistry.FromJson("conv", ModelRegistry.ToJson(conv));
        Assert.Equal(conv, back);
        Assert.True(back.Augment && back.Residual);
        // a config written before the options existed loads with both off
        var node = System.Text.Json.Nodes.JsonNode.Parse(ModelRegistry.ToJson(new ConvConfig(1, 8, 8, [2], latent: 3)).GetRawText())!.AsObject();
        Assert.True(node.Remove("augment") && node.Remove("residual"), node.ToJsonString());
        var loaded = (ConvConfig)ModelRegistry.FromJson("conv", System.Text.Json.JsonDocument.Parse(node.ToJsonString()).RootElement);
        Assert.False(loaded.Augment || loaded.Residual);
    }
}
