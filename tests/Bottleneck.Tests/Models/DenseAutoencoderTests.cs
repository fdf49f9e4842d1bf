using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.NN;
using Bottleneck.Tensors;
using static Bottleneck.Tests.Models.ModelTestUtil;
using Bottleneck.Models.Registry;

namespace Bottleneck.Tests.Models;

public class DenseAutoencoderTests
{
    private static Linear Lin(Sequential s, int index) => Assert.IsType<Linear>(s.Layers[index]);

    [Fact]
    public void UntiedStateDictUsesPyTorchSequentialNames()
    {
        var m = new DenseAutoencoder(new DenseConfig(8, [6], 3), new Rng(1));
        Assert.Equal(
            ["encoder.0.weight", "encoder.0.bias", "encoder.2.weight", "encoder.2.bias",
             "decoder.0.weight", "decoder.0.bias", "decoder.2.weight", "decoder.2.bias"],
            m.StateDict().Select(e => e.Name));
        Assert.Equal([6, 8], m.StateDict()[0].Value.ShapeToArray());   // (out, in) as nn.Linear
        Assert.Equal(8 * 6 + 6 + 6 * 3 + 3 + 3 * 6 + 6 + 6 * 8 + 8, m.ParameterCount());
    }

    [Fact]
    public void TiedWeightsHaveNoDecoderMatricesAndMatchAHandComputation()
    {
        // Shallow tied autoencoder D = 3 → 2 → 3 with linear output: z = x·Wᵀ + b_enc, x̂ = z·W + b_dec.
        var m = new DenseAutoencoder(new DenseConfig(3, [], 2, output: Likelihood.Gaussian, tiedWeights: true), new Rng(1));
        Assert.Null(m.Decoder);
        Assert.Equal(3 * 2 + 2 + 3, m.ParameterCount());   // encoder weight + encoder bias + decoder bias, no decoder matrix
        Assert.DoesNotContain(m.StateDict(), e => e.Name.StartsWith("decoder", StringComparison.Ordinal) && e.Value.Rank == 2);

        var w = Lin(m.Encoder, 0);
        float[] W = [1f, 0f, -1f, 0.5f, 1f, 0f];
        W.CopyTo(w.Weight.Span);
        new[] { 0.1f, -0.2f }.CopyTo(w.Bias!.Span);
        var decBias = m.NamedParameters().Single(p => p.Name.StartsWith("decoder", StringComparison.Ordinal)).Parameter;
        new[] { 0f, 0.5f, 1f }.CopyTo(decBias.Span);

        var x = Tensor.FromArray([1f, 2f, 3f], 1, 3);
        var o = m.Compute(x);
        // z = [1 − 3 + 0.1, 0.5 + 2 − 0.2] = [−1.9, 2.3]
        Assert.Equal([-1.9f, 2.3f], o.Latent.ToArray().Select(v => MathF.Round(v, 5)));
        // x̂ = [−1.9 + 1.15, 2.3, 1.9] + b_dec = [−0.75, 2.8, 2.9]
        var xhat = o.Reconstruction.ToArray();
        Assert.Equal(-0.75, xhat[0], 5); Assert.Equal(2.8, xhat[1], 5); Assert.Equal(2.9, xhat[2], 5);
        // loss = 1.75² + 0.8² + 0.1² = 3.7125
        Assert.Equal(3.7125, o.Loss.Item(), 4);

        o.Loss.Backward();
        // dL/dx̂ = g = 2(x̂ − x) = [−3.5, 1.6, −0.2]; dL/dz = g·Wᵀ = [−3.3, −0.15].
        // dL/dW[i, j] = z_i·g_j (decoder use) + (dL/dz)_i·x_j (encoder use):
        // row 0: −1.9·g − 3.3·x = [3.35, −9.64, −9.52]; row 1: 2.3·g − 0.15·x = [−8.2, 3.38, −0.91]
        double[] expectedGrad = [3.35, -9.64, -9.52, -8.2, 3.38, -0.91];
        var grad = w.Weight.Grad!.ToArray();
        for (int i = 0; i < 6; i++) Assert.Equal(expectedGrad[i], grad[i], 4);
        Assert.Equal(new[] { -3.3, -0.15 }, w.Bias.Grad!.ToArray().Select(v => Math.Round(v, 4)));
        Assert.Equal(new[] { -3.5, 1.6, -0.2 }, decBias.Grad!.ToArray().Select(v => Math.Round(v, 4)));
    }

    [Fact]
    public void TiedDecoderPathAloneSendsGradientToEncoderWeights()
    {
        var m = new DenseAutoencoder(new DenseConfig(5, [4], 2, tiedWeights: true), new Rng(2));
        var z = Batch01(3, 2, 9);
        m.DecodeLogits(z).Sum().Backward();
        foreach (var lin in new[] { Lin(m.Encoder, 0), Lin(m.Encoder, 2) })
        {
            Assert.NotNull(lin.Weight.Grad);
            Assert.Contains(lin.Weight.Grad!.ToArray(), g => g != 0f);
            Assert.True(lin.Bias!.Grad is null || lin.Bias.Grad.ToArray().All(g => g == 0f), "encoder biases are not on the decoder path");
        }
        // deep tied parameter count: encoder (5·4 + 4) + (4·2 + 2), decoder biases 4 + 5
        Assert.Equal(5 * 4 + 4 + 4 * 2 + 2 + 4 + 5, m.ParameterCount());
    }

    [Fact]
    public void DropoutIsActiveOnlyInTrainMode()
    {
        var m = new DenseAutoencoder(new DenseConfig(20, [32], 4, dropout: 0.5f), new Rng(3));
        Assert.Contains(m.Encoder.Layers, l => l is Dropout);
        var x = Batch01(8, 20, 1);
        m.Eval();
        var e1 = NoGrad(() => m.Reconstruct(x));
        var e2 = NoGrad(() => m.Reconstruct(x));
        AssertBitEqual(e1, e2, "eval-mode reconstructions");
        m.Train();
        var t1 = NoGrad(() => m.Reconstruct(x));
        var t2 = NoGrad(() => m.Reconstruct(x));
        Assert.NotEqual(t1, t2);
        Assert.NotEqual(e1, t1);
        m.Eval();
        AssertBitEqual(e1, NoGrad(() => m.Reconstruct(x)), "eval after train");
    }

    [Fact]
    public void BatchNormIsInTheStateDictWithPyTorchNames()
    {
        var m = new DenseAutoencoder(new DenseConfig(8, [6, 4], 2, batchNorm: true), new Rng(4));
        string[] Bn(string prefix) => [$"{prefix}.weight", $"{prefix}.bias", $"{prefix}.running_mean", $"{prefix}.running_var", $"{prefix}.num_batches_tracked"];
        string[] Lin(string prefix) => [$"{prefix}.weight", $"{prefix}.bias"];
        string[] expected =
        [
            .. Lin("encoder.0"), .. Bn("encoder.1"), .. Lin("encoder.3"), .. Bn("encoder.4"), .. Lin("encoder.6"),
            .. Lin("decoder.0"), .. Bn("decoder.1"), .. Lin("decoder.3"), .. Bn("decoder.4"), .. Lin("decoder.6"),
        ];
        Assert.Equal(expected, m.StateDict().Select(e => e.Name));
        var state = m.StateDict().ToDictionary(e => e.Name, e => e.Value);
        Assert.Equal([6], state["encoder.1.running_mean"].ShapeToArray());
        Assert.Equal([4], state["decoder.1.running_var"].ShapeToArray());

        var x = Batch01(16, 8, 2);
        m.Eval();
        NoGrad(() => m.Reconstruct(x));
        Assert.All(state["encoder.1.running_mean"].ToArray(), v => Assert.Equal(0f, v));
        m.Train();
        NoGrad(() => m.Reconstruct(x));
        Assert.Contains(state["encoder.1.running_mean"].ToArray(), v => v != 0f);
        Assert.Equal(1f, state["encoder.1.num_batches_tracked"].Item());
    }

    [Fact]
    public void WeightPenaltiesEqualHandSums()
    {
        const float l1 = 0.01f, l2 = 0.02f;
        var m = new DenseAutoencoder(new DenseConfig(5, [4], 3, output: Likelihood.Gaussian, l1: l1, l2: l2, batchNorm: true), new Rng(5));
        var x = Batch01(6, 5, 3);
        // weight matrices only: Linear weights (rank 2), not biases nor batch-norm scales
        var mats = m.NamedParameters().Where(p => p.Parameter.Rank == 2).Select(p => p.Parameter.ToArray()).ToList();
        Assert.Equal(4, mats.Count);
        double sumAbs = mats.Sum(a => a.Sum(v => Math.Abs((double)v)));
        double sumSq = mats.Sum(a => a.Sum(v => (double)v * v));
        m.Eval();
        var o = m.Compute(x);
        AssertClose(l1 * sumAbs + l2 * sumSq, o.RegularizationLoss.Item(), 1e-5, "regularization");
        AssertClose(o.ReconstructionLoss.Item() + o.RegularizationLoss.Item(), o.Loss.Item(), 1e-6, "total");

        var onlyL2 = new DenseAutoencoder(new DenseConfig(5, [4], 3, l2: l2), new Rng(5));
        AssertClose(l2 * sumSq, onlyL2.Compute(x).RegularizationLoss.Item(), 1e-5, "L2 only");
        var onlyL1 = new DenseAutoencoder(new DenseConfig(5, [4], 3, l1: l1), new Rng(5));
        AssertClose(l1 * sumAbs, onlyL1.Compute(x).RegularizationLoss.Item(), 1e-5, "L1 only");
        var none = new DenseAutoencoder(new DenseConfig(5, [4], 3), new Rng(5));
        Assert.Equal(0f, none.Compute(x).RegularizationLoss.Item());

        // tied: the shared matrices are penalised once
        var tied = new DenseAutoencoder(new DenseConfig(5, [4], 3, tiedWeights: true, l2: l2), new Rng(5));
        double tiedSq = tied.NamedParameters().Where(p => p.Parameter.Rank == 2).Sum(p => p.Parameter.ToArray().Sum(v => (double)v * v));
        AssertClose(l2 * tiedSq, tied.Compute(x).RegularizationLoss.Item(), 1e-5, "tied L2");
    }

    [Theory]
    [InlineData("sigmoid-bce")]
    [InlineData("linear-mse")]
    [InlineData("tanh-mse")]
    public void ReconstructionLossMatchesHandComputation(string kindName)
    {
        var kind = Likelihood.Parse(kindName);
        const int n = 4, d = 6;
        var m = new DenseAutoencoder(new DenseConfig(d, [5], 3, output: kind), new Rng(6));
        m.Eval();
        // spread the output biases so the logits reach the saturating range of sigmoid/tanh
        var last = Lin(m.Decoder!, m.Decoder!.Layers.Count - 1);
        new[] { -6f, -2.5f, 0f, 1f, 3f, 7f }.CopyTo(last.Bias!.Span);
        var xs = Uniform01(n, d, 8);
        if (kind == Likelihood.BoundedGaussian) for (int i = 0; i < xs.Length; i++) xs[i] = 2 * xs[i] - 1;
        var x = Tensor.FromArray(xs, n, d);
        var o = m.Compute(x);
        var logits = o.Logits.ToArray();
        var rec = o.Reconstruction.ToArray();
        double total = 0;
        for (int i = 0; i < n * d; i++)
        {
            double l = logits[i], t = xs[i];
            switch (kind.Name)
            {
                case "sigmoid-bce":
                    // −[t·log σ(l) + (1 − t)·log(1 − σ(l))], written as in PyTorch's BCEWithLogits
                    total += Math.Max(l, 0) - l * t + Math.Log(1 + Math.Exp(-Math.Abs(l)));
                    AssertClose(1 / (1 + Math.Exp(-l)), rec[i], 1e-6, "sigmoid");
                    break;
                case "linear-mse":
                    total += (l - t) * (l - t);
                    Assert.Equal(l, rec[i]);
                    break;
                case "tanh-mse":
                    total += (Math.Tanh(l) - t) * (Math.Tanh(l) - t);
                    AssertClose(Math.Tanh(l), rec[i], 1e-6, "tanh");
                    break;
            }
        }
        Assert.Contains(logits, l => Math.Abs(l) > 2);  // the saturating branch is exercised
        AssertClose(total / n, o.ReconstructionLoss.Item(), 1e-5, $"{kind} loss (per sample summed over features, batch mean)");
        AssertClose(total / n, o.Loss.Item(), 1e-5, $"{kind} total loss");
        Assert.Equal(o.Reconstruction.ToArray(), m.LikelihoodHead.Mean(o.Logits).ToArray());
    }

    [Theory]
    [InlineData(2)]   // under-complete
    [InlineData(6)]   // exactly complete
    [InlineData(10)]  // over-complete
    public void AnyLatentSizeIsAllowed(int latent)
    {
        var config = new DenseConfig(6, [8], latent);
        Assert.Equal(6.0 / latent, config.CompressionRatio);
        Assert.Equal([6, 8, latent], config.EncoderWidths());
        var m = new DenseAutoencoder(config, new Rng(7));
        var o = m.Compute(Batch01(3, 6, 1));
        Assert.Equal([3, latent], o.Latent.ShapeToArray());
        Assert.Equal([3, 6], o.Reconstruction.ShapeToArray());
        Assert.True(float.IsFinite(o.Loss.Item()));
    }

    [Fact]
    public void HiddenAndLatentActivationsAreApplied()
    {
        var m = new DenseAutoencoder(new DenseConfig(6, [5], 3, latentActivation: Activation.Sigmoid), new Rng(8));
        var z = NoGrad(() => m.Encode(Batch01(4, 6, 2)));
        Assert.All(z, v => Assert.InRange(v, 0f, 1f));
        Assert.IsType<ActivationLayer>(m.Encoder.Layers[^1]);
    }

    [Theory]
    [InlineData("latentDim", "latentDim must be ≥ 1, got 0")]
    [InlineData("inputDim", "inputDim must be ≥ 1, got 0")]
    [InlineData("hidden[1]", "hidden[1] must be ≥ 1, got 0")]
    [InlineData("dropout", "dropout must be in [0, 1), got 1")]
    [InlineData("l2", "l2 must be ≥ 0, got -1")]
    [InlineData("l1", "l1 must be ≥ 0, got NaN")]
    public void ConfigValidationNamesFieldAndValue(string field, string message)
    {
        Func<DenseConfig> make = field switch
        {
            "latentDim" => () => new DenseConfig(6, [4], 0),
            "inputDim" => () => new DenseConfig(0, [4], 2),
            "hidden[1]" => () => new DenseConfig(6, [4, 0], 2),
            "dropout" => () => new DenseConfig(6, [4], 2, dropout: 1f),
            "l2" => () => new DenseConfig(6, [4], 2, l2: -1f),
            _ => () => new DenseConfig(6, [4], 2, l1: float.NaN),
        };
        var e = Assert.Throws<ArgumentOutOfRangeException>(make);
        Assert.Equal(field, e.ParamName);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void InvalidJsonConfigIsRejectedNamingTheField()
    {
        var json = ModelRegistry.ToJson(new DenseConfig(6, [4], 2));
        var text = json.GetRawText().Replace("\"latentDim\": 2", "\"latentDim\": 0");
        Assert.Contains("\"latentDim\": 0", text);
        var bad = System.Text.Json.JsonDocument.Parse(text).RootElement;
        var e = Assert.ThrowsAny<ArgumentException>(() => ModelRegistry.FromJson("dense", bad));
        Assert.Contains("latentDim must be ≥ 1, got 0", e.Message);
    }

    [Fact]
    public void NonDefaultConfigRoundTripsThroughJson()
    {
        var config = new DenseConfig(10, [8, 6], 4, Activation.Tanh, Activation.Sigmoid, Likelihood.BoundedGaussian,
            tiedWeights: true, dropout: 0.25f, batchNorm: true, l2: 1e-4f, l1: 3e-5f);
        var json = ModelRegistry.ToJson(config);
        Assert.Contains("tanh-mse", json.GetRawText());
        var back = Assert.IsType<DenseConfig>(ModelRegistry.FromJson("dense", json));
        Assert.Equal(config, back);
        Assert.Equal([8, 6], back.Hidden);
        Assert.NotEqual(config, new DenseConfig(10, [8, 5], 4, Activation.Tanh, Activation.Sigmoid, Likelihood.BoundedGaussian,
            tiedWeights: true, dropout: 0.25f, batchNorm: true, l2: 1e-4f, l1: 3e-5f));
    }
}
