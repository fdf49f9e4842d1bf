using Bottleneck.Models.Dagmm;
using Bottleneck.NN;
using Bottleneck.Tensors;
using Bottleneck.Tests.Autograd;

namespace Bottleneck.Tests.Models.Detectors;

/// <summary>Gradient checks of the ops the detector kinds add: matrix inverse and log-determinant, DAGMM's mixture estimates,
/// energy, covariance penalty and mixture input, and RandNet's masked layer.</summary>
public class DetectorGradientTests
{
    /// <summary>A well-conditioned symmetric positive definite batch: AᵀA/d + I.</summary>
    private static Tensor Spd(Rng r, int k, int d)
    {
        var a = GradCheck.Rand(r, [k, d, d], -1f, 1f);
        var t = Tensor.Zeros(k, d, d);
        for (int b = 0; b < k; b++)
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++)
                {
                    float s = i == j ? 1f : 0f;
                    for (int l = 0; l < d; l++) s += a.Span[b * d * d + l * d + i] * a.Span[b * d * d + l * d + j] / d;
                    t.Span[b * d * d + i * d + j] = s;
                }
        return t;
    }

    [Fact]
    public void InverseMatchesCentralDifferences()
    {
        var r = new Rng(1);
        var a = GradCheck.Rand(r, [2, 3, 3], -1f, 1f);
        for (int b = 0; b < 2; b++) for (int i = 0; i < 3; i++) a.Span[b * 9 + i * 4] += 3f;  // diagonally dominant, not symmetric
        GradCheck.Check("inverse", x => x[0].Inverse(), a);
    }

    [Fact]
    public void InverseTimesMatrixIsTheIdentity()
    {
        var a = Tensor.FromArray([4f, 7f, 2f, 6f], 2, 2);
        var inv = a.Inverse();
        // [[4, 7], [2, 6]]⁻¹ = [[0.6, −0.7], [−0.2, 0.4]]
        Assert.Equal([0.6f, -0.7f, -0.2f, 0.4f], inv.ToArray().Select(v => MathF.Round(v, 5)).ToArray());
        var singular = Tensor.FromArray([1f, 2f, 2f, 4f], 2, 2);
        Assert.Contains("singular", Assert.Throws<ArgumentException>(() => singular.Inverse()).Message);
        Assert.Throws<ShapeException>(() => Tensor.Zeros(2, 3).Inverse());
    }

    [Fact]
    public void LogDetMatchesCentralDifferencesAndKnownValues()
    {
        GradCheck.Check("logdet", x => x[0].LogDet(), Spd(new Rng(2), 3, 3));
        Assert.Equal(MathF.Log(10f), Tensor.FromArray([4f, 7f, 2f, 6f], 2, 2).LogDet().Item(), 5);
        Assert.True(float.IsNaN(Tensor.FromArray([0f, 1f, 1f, 0f], 2, 2).LogDet().Item()));   // det −1 → NaN, as torch.logdet
    }

    [Fact]
    public void MixtureParametersMatchCentralDifferences()
    {
        var r = new Rng(3);
        var z = GradCheck.Rand(r, [6, 2]);
        var a = GradCheck.Rand(r, [6, 3]);
        GradCheck.Check("mixture phi", x => GaussianMixture.Parameters(x[0], x[1].Softmax(1)).Phi, z, a);
        GradCheck.Check("mixture mu", x => GaussianMixture.Parameters(x[0], x[1].Softmax(1)).Mu, z, a);
        GradCheck.Check("mixture covariance", x => GaussianMixture.Parameters(x[0], x[1].Softmax(1)).Covariance, z, a);
    }

    [Fact]
    public void SampleEnergyAndPenaltyMatchCentralDifferences()
    {
        var r = new Rng(4);
        var z = GradCheck.Rand(r, [8, 2]);
        var a = GradCheck.Rand(r, [8, 2]);
        GradCheck.Check("energy", x =>
        {
            var (phi, mu, cov) = GaussianMixture.Parameters(x[0], x[1].Softmax(1));
            return GaussianMixture.Energy(x[0], phi, mu, cov, 0.05f);
        }, z, a);
        GradCheck.Check("covariance penalty", x =>
        {
            var (_, _, cov) = GaussianMixture.Parameters(x[0], x[1].Softmax(1));
            return GaussianMixture.CovariancePenalty(cov, 0.05f);
        }, z, a);
    }

    [Fact]
    public void EnergyOfFixedParametersMatchesCentralDifferencesInEveryInput()
    {
        var r = new Rng(5);
        var z = GradCheck.Rand(r, [5, 3]);
        var phi = Tensor.FromArray([0.3f, 0.7f], 2);
        var mu = GradCheck.Rand(r, [2, 3], -1f, 1f);
        var cov = Spd(r, 2, 3);
        GradCheck.Check("energy, fixed mixture", x => GaussianMixture.Energy(x[0], x[1], x[2], x[3], 1e-3f), z, phi, mu, cov);
    }

    [Fact]
    public void MixtureInputMatchesCentralDifferences()
    {
        var r = new Rng(6);
        GradCheck.Check("mixture input", x => DagmmModel.MixtureInput(x[0], x[1], x[2]),
            GradCheck.Rand(r, [4, 5]), GradCheck.Rand(r, [4, 2]), GradCheck.Rand(r, [4, 5]));
    }

    [Fact]
    public void MaskedLinearMatchesCentralDifferencesAndIgnoresRemovedConnections()
    {
        var layer = new MaskedLinear(5, 4, 0.5f, new Rng(7));
        var x = GradCheck.Rand(new Rng(8), [3, 5]);
        GradCheck.Check("masked linear", t => layer.Forward(t[0]), x);
        // a removed connection's weight does not change the output and gets no gradient
        int removed = layer.Mask.ToArray().ToList().IndexOf(0f);
        Assert.True(removed >= 0, "the mask removed no connection at dropConnect 0.5");
        var before = layer.Forward(x).ToArray();
        layer.Weight.Span[removed] += 10f;
        Assert.Equal(before, layer.Forward(x).ToArray());
        layer.ZeroGrad();
        layer.Forward(x).Sum().Backward();
        Assert.Equal(0f, layer.Weight.Grad!.Span[removed]);
        Assert.All(Enumerable.Range(0, 4), o => Assert.Contains(1f, layer.Mask.ToArray()[(o * 5)..(o * 5 + 5)]));
    }

    [Fact]
    public void WholeDagmmAndRandNetLossesMatchCentralDifferencesInTheInput()
    {
        // the loss of a whole eval-mode step (no dropout), differentiated with respect to the batch: every op between the input and
        // the energy, penalty and reconstruction terms (DAGMM) or the masked members (RandNet) is on the path
        var dagmm = new DagmmModel(new DagmmConfig(4, [5], 1, components: 2, covarianceEps: 1e-2f), new Rng(9));
        dagmm.Eval();
        GradCheck.Check("dagmm loss", x => dagmm.Compute(x[0]).Loss, GradCheck.Rand(new Rng(10), [6, 4]));
        var randnet = new Bottleneck.Models.RandNet.RandNetModel(new Bottleneck.Models.RandNet.RandNetConfig(4, [5], 2, members: 3, dropConnect: 0.5f), new Rng(11));
        randnet.Eval();
        GradCheck.Check("randnet loss", x => randnet.Compute(x[0]).Loss, GradCheck.Rand(new Rng(12), [5, 4]));
    }
}
