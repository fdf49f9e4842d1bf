using Bottleneck.Anomaly;
using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.Models.Registry;
using Bottleneck.Models.Sequence;
using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Anomaly;

/// <summary>The mahalanobis scores of <see cref="AnomalyScorer"/>: d² of each row's |x − x̂| from the Gaussian of normal rows' errors.</summary>
public class MahalanobisScoreTests
{
    // a shallow untied dense model 3 → 2 → 3 with a linear output: x̂ = W2 (W1 x + b1) + b2
    private static DenseAutoencoder Tiny() => new(new DenseConfig(3, [], 2, Activation.Relu, Activation.Identity, Likelihood.Parse("linear-mse")), new Rng(7));

    private static float[] HandAbsoluteErrors(DenseAutoencoder m, float[] x)
    {
        var sd = m.StateDict().ToDictionary(e => e.Name, e => e.Value.ToArray());
        var w1 = sd["encoder.0.weight"]; var b1 = sd["encoder.0.bias"]; var w2 = sd["decoder.0.weight"]; var b2 = sd["decoder.0.bias"];
        var e = new float[x.Length];
        for (int r = 0; r < x.Length / 3; r++)
        {
            var z = new double[2];
            for (int k = 0; k < 2; k++) { z[k] = b1[k]; for (int j = 0; j < 3; j++) z[k] += w1[k * 3 + j] * x[r * 3 + j]; }
            for (int j = 0; j < 3; j++) { double v = b2[j]; for (int k = 0; k < 2; k++) v += w2[j * 2 + k] * z[k]; e[r * 3 + j] = (float)Math.Abs(x[r * 3 + j] - v); }
        }
        return e;
    }

    private static float[] Normal(int rows)
    {
        var rng = new Random(3);
        return Enumerable.Range(0, rows * 3).Select(_ => (float)rng.NextDouble()).ToArray();
    }

    [Theory]
    [InlineData(ReconstructionError.Mahalanobis)]
    [InlineData(ReconstructionError.MahalanobisDiagonal)]
    public void Scores_AreTheMahalanobisDistanceOfTheHandComputedAbsoluteErrors(ReconstructionError error)
    {
        // Given a model and 40 normal rows, the Gaussian fitted by hand on their |x − x̂|
        var m = Tiny();
        var normal = Normal(40);
        var expected = ErrorGaussian.Fit(HandAbsoluteErrors(m, normal), 3,
            error == ReconstructionError.Mahalanobis ? ErrorCovariance.Full : ErrorCovariance.Diagonal);
        // When the scorer fits its Gaussian on the same rows and scores new ones (in blocks of 2 rows)
        var scorer = new AnomalyScorer(m, error, batchSize: 2);
        var g = scorer.FitErrorGaussian(new Dataset(normal, 40, 3));
        Assert.Equal(40, g.Samples);
        for (int j = 0; j < 3; j++) Assert.Equal(expected.Mean[j], g.Mean[j], 5);
        float[] x = [0.1f, 0.9f, 0.4f, 3.0f, -1.0f, 0.5f, 0.3f, 0.3f, 0.8f];
        var scores = new float[3];
        var shares = new float[9];
        scorer.Score(x, scores, shares);
        // Then each score is d² of that row's hand-computed error vector, and the shares sum to it
        var e = HandAbsoluteErrors(m, x);
        for (int i = 0; i < 3; i++)
        {
            double d2 = expected.Score(e.AsSpan(i * 3, 3));
            Assert.True(Math.Abs(d2 - scores[i]) <= 1e-3 * Math.Max(1, d2), $"row {i}: {scores[i]} vs {d2}");
            Assert.Equal(scores[i], shares[i * 3] + shares[i * 3 + 1] + shares[i * 3 + 2], 2);
        }
        // the row far from the normal data is the most anomalous
        Assert.True(scores[1] > 10 * Math.Max(scores[0], scores[2]), string.Join(", ", scores));
        Assert.Equal("mahalanobis" + (error == ReconstructionError.MahalanobisDiagonal ? "-diagonal" : ""), AnomalyScorer.Name(error));
        Assert.Equal(error, AnomalyScorer.ParseError(AnomalyScorer.Name(error)));
    }

    [Fact]
    public void Score_BeforeTheGaussianIsFitted_SaysWhatIsMissing()
    {
        var scorer = new AnomalyScorer(Tiny(), ReconstructionError.Mahalanobis);
        var ex = Assert.Throws<InvalidOperationException>(() => scorer.Score(new Dataset(Normal(2), 2, 3)));
        Assert.Contains("FitErrorGaussian", ex.Message);
        Assert.Contains("mahalanobis", Assert.Throws<InvalidOperationException>(() => new AnomalyScorer(Tiny(), ReconstructionError.Mse).FitErrorGaussian(new Dataset(Normal(2), 2, 3))).Message);
    }

    [Fact]
    public void PaddedSequences_AreRefused()
    {
        // Given an lstm model and two padded sequences of 4 steps (real lengths 4 and 2)
        var m = ModelRegistry.Create(new SequenceConfig(4, 1, 2, hidden: 4) { Kind = "lstm" }, new Rng(1));
        var scorer = new AnomalyScorer(m, ReconstructionError.Mahalanobis);
        var padded = new Dataset([1f, 2f, 3f, 4f, 1f, 2f, 0f, 0f], 2, 4) { Sequence = new SequenceShape(4, 1), StepCounts = [4, 2] };
        Assert.Contains("padded", Assert.Throws<ArgumentException>(() => scorer.FitErrorGaussian(padded)).Message);
        scorer.FitErrorGaussian(new Dataset([1f, 2f, 3f, 4f, 2f, 3f, 4f, 5f, 0f, 1f, 0f, 1f], 3, 4));
        Assert.Contains("one length", Assert.Throws<ArgumentException>(() => scorer.Score(padded.Features, new float[2], default, padded.StepCounts)).Message);
    }
}
