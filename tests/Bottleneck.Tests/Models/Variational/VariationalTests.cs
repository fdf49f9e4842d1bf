using Bottleneck.Autograd;
using Bottleneck.Evaluation;
using Bottleneck.Models;
using Bottleneck.Models.Variational;
using Bottleneck.Tensors;
using Bottleneck.Tests.Autograd;

namespace Bottleneck.Tests.Models.Variational;

/// <summary>The variational family's terms against closed forms, central differences and brute force.</summary>
public class VariationalTests
{
    /// <summary>A Gaussian latent whose μ head is the identity and whose log σ² head is a constant per dimension.</summary>
    private static GaussianLatent IdentityLatent(float[] logVar, KlWeighting? weighting = null)
    {
        int k = logVar.Length;
        var g = new GaussianLatent(k, k, weighting ?? new KlWeighting(), new Rng(0));
        var w = g.Mu.Weight.Span; w.Clear();
        for (int j = 0; j < k; j++) w[j * k + j] = 1f;
        g.Mu.Bias!.Span.Clear();
        g.LogVar.Weight.Span.Clear();
        logVar.CopyTo(g.LogVar.Bias!.Span);
        return g;
    }

    [Fact]
    public void KlOfKnownGaussiansMatchesTheClosedFormPerDimensionAndSummed()
    {
        // KL(N(μ, σ²) ‖ N(0, 1)) = ln(1/σ) + (σ² + μ²)/2 − 1/2 per dimension; summed over dimensions, averaged over the batch.
        float[] mu = [0f, 1f, -2f, 0.5f, 3f, 0f];   // two samples of three dimensions
        float[] logVar = [0f, MathF.Log(0.25f), MathF.Log(4f)];
        var g = IdentityLatent(logVar);
        var h = Tensor.FromArray(mu, 2, 3);
        var term = g.Sample(h, StepContext.Evaluation).Terms.Single(t => t.Name == VariationalTerms.Kl).Value.Item();
        double expected = 0;
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
            {
                double sigma = Math.Exp(0.5 * logVar[j]), m = mu[i * 3 + j];
                expected += Math.Log(1 / sigma) + (sigma * sigma + m * m) / 2 - 0.5;
            }
        Assert.Equal(expected / 2, term, 5);
        Assert.True(term > 0);
        // Zero exactly at the prior.
        var prior = IdentityLatent([0f, 0f, 0f]);
        Assert.Equal(0f, prior.Sample(Tensor.Zeros(4, 3), StepContext.Evaluation).Terms[0].Value.Item());
    }

    [Fact]
    public void TrainingStepsWeightTheKlAndLogTheUnweightedValue()
    {
        float[] logVar = [0.3f, -0.2f];
        var h = Tensor.FromArray([1f, -1f, 0.5f, 2f], 2, 2);
        var plain = IdentityLatent(logVar).Sample(h, StepContext.Evaluation).Terms[0].Value.Item();
        var warm = IdentityLatent(logVar, new KlWeighting(2f, KlSchedule.Parse("linear:4", 10)));
        var s = warm.Sample(h, StepContext.ForTraining(2, 0, new Rng(1)) with { EpochsDone = 1 });
        Assert.Equal(2f * 0.25f * plain, s.Terms[0].Value.Item(), 4);                    // β·t/E = 2·1/4
        Assert.Equal(plain, s.Metrics.Single(m => m.Name == VariationalTerms.KlNats).Value.Item(), 5);
        Assert.Equal(0.5f, s.Metrics.Single(m => m.Name == VariationalTerms.Beta).Value.Item(), 5);
        // Evaluation steps use weight 1 whatever the schedule: the negative ELBO.
        Assert.Equal(plain, warm.Sample(h, StepContext.Evaluation).Terms[0].Value.Item(), 5);
    }

    [Fact]
    public void SchedulesFollowTheirDefinitions()
    {
        var linear = KlSchedule.Parse("linear:10", 30);
        Assert.Equal(0, linear.Weight(1, 0));
        Assert.Equal(0.5, linear.Weight(1, 5), 9);
        Assert.Equal(3, linear.Weight(3, 25), 9);
        var cyc = KlSchedule.Parse("cyclical:4:0.5", 40);     // period 10 epochs, rising over the first 5
        Assert.Equal(0, cyc.Weight(1, 0));
        Assert.Equal(0.4, cyc.Weight(1, 2), 9);
        Assert.Equal(1, cyc.Weight(1, 7), 9);
        Assert.Equal(0, cyc.Weight(1, 10), 9);
        Assert.Equal(0.2, cyc.Weight(1, 11), 9);
        var cap = KlSchedule.Parse("capacity:25:100", 200);
        Assert.Equal(12.5, cap.CapacityAt(50), 9);
        Assert.Equal(25, cap.CapacityAt(150), 9);
        Assert.Equal("none", KlSchedule.Parse(null, 5).Describe());
        foreach (var bad in new[] { "linear", "linear:0", "linear:-1", "cyclical:0", "cyclical:2:0", "cyclical:2:1.5", "capacity:-1:5", "capacity:5:0", "warm:3", "linear:x" })
        {
            var e = Assert.ThrowsAny<ArgumentException>(() => KlSchedule.Parse(bad, 10));
            Assert.Equal("klSchedule", e.ParamName);
        }
    }

    [Fact]
    public void FreeBitsKeepEachDimensionAtLeastLambda()
    {
        var g = IdentityLatent([0f, 0f], new KlWeighting(FreeBits: 0.5f));
        var h = Tensor.FromArray([0.1f, 2f, -0.1f, 2f], 2, 2);   // dim 0: KL 0.005 < λ; dim 1: KL 2 > λ
        var term = g.Sample(h, StepContext.ForTraining(1, 0, new Rng(0))).Terms[0].Value.Item();
        Assert.Equal(0.5 + 2.0, term, 4);
    }

    public static TheoryData<string> GradientCases() => ["kl", "free-bits", "capacity", "tc", "mmd-imq", "mmd-rbf", "vq-codebook", "vq-commitment"];

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void EveryNewLossTermPassesTheGradientCheck(string name)
    {
        var rng = new Rng(7);
        var mu = GradCheck.Rand(rng, [5, 3], -1.5f, 1.5f);
        var lv = GradCheck.Rand(rng, [5, 3], -1f, 1f);
        var eps = GradCheck.Rand(rng, [5, 3], -2f, 2f);
        var prior = GradCheck.Rand(rng, [5, 3], -2f, 2f);
        Func<Tensor[], Tensor> f = name switch
        {
            "kl" => t => ((t[0] * t[0] + t[1].Exp() - 1f - t[1]) * 0.5f).Sum() * 0.2f,
            "free-bits" => t => ((t[0] * t[0] + t[1].Exp() - 1f - t[1]) * 0.5f).Mean(0).Clamp(min: 0.05f).Sum(),
            "capacity" => t => (((t[0] * t[0] + t[1].Exp() - 1f - t[1]) * 0.5f).Sum() * 0.2f - 1f).Abs() * 3f,
            "tc" => t =>
            {
                var z = t[0] + (t[1] * 0.5f).Exp() * eps;
                var (mi, tc, dk) = GaussianLatent.Decompose(z, t[0], t[1], 100);
                return mi + tc * 2f + dk;
            },
            "mmd-imq" => t => MmdPenalty.Estimate(t[0], t[1], MmdKernel.Imq),
            "mmd-rbf" => t => MmdPenalty.Estimate(t[0], t[1], MmdKernel.Rbf),
            // the codebook loss ‖sg(z_e) − e‖² through IndexSelect, checked in the codebook (input 1) only
            "vq-codebook" => t => (t[0].Detach() - t[1].IndexSelect(0, [2, 0, 4, 4, 1])).Pow(2f).Sum(),
            // the commitment loss β‖z_e − sg(e)‖², checked in z_e (input 0) only
            "vq-commitment" => t => (t[0] - t[1].IndexSelect(0, [2, 0, 4, 4, 1]).Detach()).Pow(2f).Sum() * 0.25f,
            _ => throw new ArgumentException(name),
        };
        var inputs = name.StartsWith("mmd") ? new[] { mu, prior } : new[] { mu, lv };
        bool[]? check = name switch { "vq-codebook" => [false, true], "vq-commitment" => [true, false], _ => null };
        var failures = GradCheck.Run(f, inputs, check: check);
        Assert.True(failures.Count == 0, $"{name}: {failures.Count} mismatches, first {failures.FirstOrDefault()}");
    }

    [Fact]
    public void MmdMatchesTheClosedFormForGaussians()
    {
        // RBF k = exp(−‖d‖²/C): for d ~ N(m, s²I) in k dims, E k = (1 + 2s²/C)^(−k/2) exp(−‖m‖²/(C + 2s²)).
        int n = 1000, k = 2, repeats = 6;
        var rng = new Rng(11);
        double c = 2.0 * k;
        double E(double s2, double m2) => Math.Pow(1 + 2 * s2 / c, -k / 2.0) * Math.Exp(-m2 / (c + 2 * s2));
        double exact = E(2, 0) + E(2, 0) - 2 * E(2, 2 * 0.49);
        double estimate = 0;
        for (int r = 0; r < repeats; r++)
            using (GradMode.NoGrad()) estimate += MmdPenalty.Estimate(Tensor.RandN(rng, n, k), Tensor.RandN(rng, n, k) + 0.7f, MmdKernel.Rbf).Item() / repeats;
        Assert.InRange(estimate, exact - 0.008, exact + 0.008);   // sd of the mean of 6 estimates ≈ 0.003
        double same;
        using (GradMode.NoGrad()) same = MmdPenalty.Estimate(Tensor.RandN(rng, n, k), Tensor.RandN(new Rng(12), n, k), MmdKernel.Imq).Item();
        Assert.InRange(same, -0.01, 0.01);   // unbiased: ≈ 0 for two samples of one distribution (and may be negative)
    }

    [Fact]
    public void ImportanceWeightedNllConvergesToTheExactMarginalLikelihoodOfATinyModel()
    {
        // latentDim 1: log p(x) = log ∫ p(x|z) N(z; 0, 1) dz by quadrature on a fine grid, against the IWAE estimate.
        var model = new VariationalAutoencoder(new VariationalConfig(4, [3], 1), new Rng(5));
        model.Eval();
        var x = Tensor.FromArray([0.9f, 0.1f, 0.7f, 0.2f, 0.3f, 0.6f, 0.1f, 0.95f], 2, 4);
        double[] exact = new double[2];
        using (GradMode.NoGrad())
        {
            int steps = 4001;
            var grid = Enumerable.Range(0, steps).Select(i => -8f + 16f * i / (steps - 1)).ToArray();
            for (int r = 0; r < 2; r++)
            {
                var xr = Tensor.FromArray(x.Span.Slice(r * 4, 4).ToArray().SelectMany(v => Enumerable.Repeat(v, 1)).ToArray(), 1, 4);
                var logits = model.DecodeLogits(Tensor.FromArray(grid, steps, 1), null).ToArray();
                double max = double.NegativeInfinity;
                var logs = new double[steps];
                for (int i = 0; i < steps; i++)
                {
                    double lp = -0.5 * (grid[i] * (double)grid[i] + Math.Log(2 * Math.PI));
                    for (int j = 0; j < 4; j++)
                    {
                        double l = logits[i * 4 + j], t = xr.Span[j];
                        lp -= Math.Max(l, 0) - l * t + Math.Log(1 + Math.Exp(-Math.Abs(l)));
                    }
                    logs[i] = lp; max = Math.Max(max, lp);
                }
                double sum = logs.Sum(v => Math.Exp(v - max)) * (16.0 / (steps - 1));
                exact[r] = -(max + Math.Log(sum));
            }
            var iw = model.ImportanceWeightedNll(x, null, 20000, new Rng(3));
            var elbo = model.ElboTerms(x, null, null);
            for (int r = 0; r < 2; r++)
            {
                Assert.InRange(iw[r], exact[r] - 0.02, exact[r] + 0.02);
                // the IWAE bound is tighter than the ELBO at the posterior mean… and the ELBO is an upper bound of −log p(x)
                var k1 = model.ImportanceWeightedNll(x, null, 1, new Rng(4));
                Assert.True(elbo.Reconstruction[r] + elbo.Kl[r] >= exact[r] - 1e-3, $"−ELBO {elbo.Reconstruction[r] + elbo.Kl[r]} below −log p(x) {exact[r]}");
                Assert.True(double.IsFinite(k1[r]));
            }
        }
    }

    [Fact]
    public void VectorQuantizerPicksTheNearestCodeAndRestartsDeadOnes()
    {
        var vq = new VectorQuantizer(4, 2, 0.25f, 0f, restartDeadCodes: true, new Rng(0));
        float[] codebook = [0, 0, 1, 0, 0, 1, 5, 5];
        codebook.CopyTo(vq.Codebook.Span);
        var h = Tensor.FromArray([0.9f, 0.1f, 0.1f, 0.8f, 0.05f, 0.02f, 0.6f, 0.45f], 2, 4);   // vectors near codes 1, 2, 0, and (0.6,0.45) → 1
        Assert.Equal([1, 2, 0, 1], vq.Assign(h));
        var s = vq.Sample(h, StepContext.ForTraining(1, 0, new Rng(1)));
        Assert.Equal([1f, 0f, 0f, 1f, 0f, 0f, 1f, 0f], s.Z.ToArray());
        var names = s.Terms.Select(t => t.Name).ToArray();
        Assert.Equal([VariationalTerms.Codebook, VariationalTerms.Commitment], names);
        double sq = 0;
        float[] hv = h.ToArray(), q = s.Z.ToArray();
        for (int i = 0; i < hv.Length; i++) sq += (hv[i] - q[i]) * (hv[i] - q[i]);
        Assert.Equal(sq / 2, s.Terms[0].Value.Item(), 5);
        Assert.Equal(0.25 * sq / 2, s.Terms[1].Value.Item(), 5);
        Assert.Equal(Math.Exp(-(0.25 * Math.Log(0.25) * 2 + 0.5 * Math.Log(0.5))), s.Metrics[0].Value.Item(), 4);
        // Code 3 at (5, 5) is never used: after enough steps its usage decays under the threshold and it moves onto an input.
        for (int step = 0; step < 800; step++)
        {
            vq.Sample(h, StepContext.ForTraining(1, step, new Rng((ulong)step)));
            vq.AfterStep(StepContext.ForTraining(1, step, new Rng((ulong)step)));
        }
        var e3 = vq.Codebook.Span.Slice(6, 2).ToArray();
        Assert.Contains(Enumerable.Range(0, 4), v => hv[v * 2] == e3[0] && hv[v * 2 + 1] == e3[1]);
    }

    [Fact]
    public void LatentPathsInterpolateAndTraverse()
    {
        float[] a = [1, 0], b = [0, 1];
        var lin = LatentPaths.Interpolate(a, b, 3, spherical: false);
        Assert.Equal([1f, 0f, 0.5f, 0.5f, 0f, 1f], lin);
        var slerp = LatentPaths.Interpolate(a, b, 3, spherical: true);
        Assert.Equal(MathF.Sqrt(0.5f), slerp[2], 5);
        Assert.Equal(1f, MathF.Sqrt(slerp[2] * slerp[2] + slerp[3] * slerp[3]), 5);   // stays on the unit circle
        var tr = LatentPaths.Traverse([0.5f, 0.5f, 0.5f], [2], -1f, 1f, 3);
        Assert.Equal([0.5f, 0.5f, -1f, 0.5f, 0.5f, 0f, 0.5f, 0.5f, 1f], tr);
        Assert.Throws<ArgumentOutOfRangeException>(() => LatentPaths.Traverse([0f], [1], 0, 1, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => LatentPaths.Interpolate(a, b, 1, false));
        var grid = LatentPaths.Grid(3, 2, -1f, 1f);
        Assert.Equal([-1f, 1f, 0f, 1f, 1f, 0f, -1f, -1f, 0f, 1f, -1f, 0f], grid);   // top row: dim 1 = +1; columns sweep dim 0
        Assert.Throws<ArgumentOutOfRangeException>(() => LatentPaths.Grid(1, 3, 0, 1));
    }

    [Fact]
    public void ConfigRefusesValuesThatCannotWorkNamingThem()
    {
        Assert.Equal("beta", Assert.Throws<ArgumentOutOfRangeException>(() => new VariationalConfig(4, [3], 2, beta: -1f)).ParamName);
        Assert.Equal("freeBits", Assert.Throws<ArgumentOutOfRangeException>(() => new VariationalConfig(4, [3], 2, freeBits: float.NaN)).ParamName);
        Assert.Equal("codebookSize", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new VariationalConfig(4, [3], 4, latent: LatentKind.VectorQuantized, codebookSize: 1, codeDim: 2)).ParamName);
        Assert.Equal("codeDim", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new VariationalConfig(4, [3], 5, latent: LatentKind.VectorQuantized, codeDim: 2)).ParamName);
        Assert.Equal("emaDecay", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new VariationalConfig(4, [3], 4, latent: LatentKind.VectorQuantized, codeDim: 2, emaDecay: 1f)).ParamName);
        Assert.Equal("classes", Assert.Throws<ArgumentOutOfRangeException>(() => new VariationalConfig(4, [3], 2, classes: 1)).ParamName);
        Assert.Throws<ArgumentException>(() => new VariationalConfig(4, [3], 2, latent: LatentKind.Deterministic));
        var cvae = new VariationalAutoencoder(new VariationalConfig(4, [3], 2, classes: 3), new Rng(0));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => cvae.OneHot([0, 3], 2));
        Assert.Contains("3 classes", e.Message);
        Assert.Throws<InvalidOperationException>(() => new VariationalAutoencoder(new VariationalConfig(4, [3], 4, latent: LatentKind.VectorQuantized, codeDim: 2), new Rng(0))
            .SamplePrior(2, new Rng(0)));
    }

    [Fact]
    public void SamplingIsReproducibleFromASeedAndTemperatureScalesThePrior()
    {
        var model = new VariationalAutoencoder(new VariationalConfig(6, [4], 3), new Rng(2));
        model.Eval();
        using var _ = GradMode.NoGrad();
        Assert.Equal(model.SamplePrior(5, new Rng(9)).ToArray(), model.SamplePrior(5, new Rng(9)).ToArray());
        var cold = model.SamplePrior(2000, new Rng(1), 0.5f).ToArray();
        double sd = Math.Sqrt(cold.Sum(v => (double)v * v) / cold.Length);
        Assert.InRange(sd, 0.47, 0.53);
    }

    [Fact]
    public void EvaluatorReportsActiveUnitsAndTheElboTermsReproducibly()
    {
        var model = new VariationalAutoencoder(new VariationalConfig(5, [4], 3), new Rng(3));
        var data = new Bottleneck.Data.Dataset(Bottleneck.Tests.Models.ModelTestUtil.Uniform01(30, 5, 4), 30, 5, source: "uniform");
        var a = VariationalEvaluator.Evaluate(model, data, iwSamples: 10, iwLimit: 7, seed: 1);
        var b = VariationalEvaluator.Evaluate(model, data, iwSamples: 10, iwLimit: 7, seed: 1);
        Assert.Equal(a.NegElbo, b.NegElbo);
        Assert.Equal(a.IwNll, b.IwNll);
        Assert.Equal(a.Reconstruction + a.Kl, a.NegElbo, 9);
        Assert.Equal(3, a.KlPerDimension.Length);
        Assert.Equal(a.Kl, a.KlPerDimension.Sum(), 4);
        Assert.Equal(7, a.IwRows);
        Assert.NotNull(a.ActiveUnits);
        Assert.InRange(a.ActiveUnits!.Value, 0, 3);
    }

    [Fact]
    public void VariationalAnomalyScoresAreTheKlTheReconstructionProbabilityAndTheirSum()
    {
        var model = new VariationalAutoencoder(new VariationalConfig(5, [4], 2), new Rng(8));
        var data = new Bottleneck.Data.Dataset(Bottleneck.Tests.Models.ModelTestUtil.Uniform01(12, 5, 2), 12, 5, source: "uniform");
        var kl = new Bottleneck.Anomaly.AnomalyScorer(model, Bottleneck.Anomaly.ReconstructionError.Kl).Score(data);
        var rp = new Bottleneck.Anomaly.AnomalyScorer(model, Bottleneck.Anomaly.ReconstructionError.ReconstructionProbability).Score(data);
        var ne = new Bottleneck.Anomaly.AnomalyScorer(model, Bottleneck.Anomaly.ReconstructionError.NegElbo).Score(data);
        var (_, klRef, _) = model.ElboTerms(Tensor.FromArray(data.Features, 12, 5), null, null);
        for (int i = 0; i < 12; i++)
        {
            Assert.Equal(klRef[i], kl[i], 5);
            Assert.Equal(rp[i] + kl[i], ne[i], 3);   // same seeded draws
            Assert.True(rp[i] > 0);
        }
        Assert.Equal(rp, new Bottleneck.Anomaly.AnomalyScorer(model, Bottleneck.Anomaly.ReconstructionError.ReconstructionProbability).Score(data));
        var dense = new Bottleneck.Models.Dense.DenseAutoencoder(new Bottleneck.Models.Dense.DenseConfig(5, [4], 2), new Rng(1));
        Assert.Contains("variational", Assert.Throws<ArgumentException>(() => new Bottleneck.Anomaly.AnomalyScorer(dense, Bottleneck.Anomaly.ReconstructionError.Kl)).Message);
        Assert.Equal(Bottleneck.Anomaly.ReconstructionError.ReconstructionProbability, Bottleneck.Anomaly.AnomalyScorer.ParseError("reconstruction-probability"));
    }

    [Fact]
    public void LadderLatentKlPassesTheGradientCheckAndItsIwaeBoundIsTighterThanTheElbo()
    {
        var ladder = new LadderLatent(4, 3, 2, 5, new KlWeighting(), new Rng(4));
        var h = GradCheck.Rand(new Rng(9), [3, 4], -1f, 1f);
        var failures = GradCheck.Run(t => ladder.Sample(t[0], StepContext.Evaluation).Terms[0].Value, [h]);
        Assert.True(failures.Count == 0, $"ladder KL: {failures.Count} mismatches, first {failures.FirstOrDefault()}");

        var model = new VariationalAutoencoder(new VariationalConfig(6, [5], 3, latent: LatentKind.Ladder, topLatentDim: 2, ladderHidden: 4), new Rng(2));
        model.Eval();
        var x = Tensor.FromArray(Bottleneck.Tests.Models.ModelTestUtil.Uniform01(4, 6, 3), 4, 6);
        using var _ = GradMode.NoGrad();
        // E[−ELBO] over many one-sample draws ≥ IWAE(k = 500) (Burda et al. 2016, theorem 1); one-draw IWAE averages to the ELBO.
        double elbo = 0, iw1 = 0;
        int draws = 400;
        var rng = new Rng(5);
        for (int r = 0; r < draws; r++)
        {
            var (rec, kl, _) = model.ElboTerms(x, null, rng);
            elbo += (rec.Sum() + kl.Sum()) / draws;
        }
        var iw = model.ImportanceWeightedNll(x, null, 500, new Rng(6)).Sum();
        for (int r = 0; r < draws; r++) iw1 += model.ImportanceWeightedNll(x, null, 1, rng).Sum() / draws;
        Assert.True(iw < elbo, $"IWAE {iw} should be below the −ELBO {elbo}");
        Assert.True(iw1 >= elbo - 0.5, $"one-draw IWAE {iw1} averages to at least the −ELBO {elbo} (the KL is analytic there)");
        var eval = VariationalEvaluator.Evaluate(model, new Bottleneck.Data.Dataset(x.ToArray(), 4, 6, source: "x"), iwSamples: 50, iwLimit: 4);
        Assert.NotNull(eval.ActiveUnits);
        Assert.Empty(eval.KlPerDimension);
        Assert.NotNull(eval.IwNll);
    }

    [Fact]
    public void KeepLabelsHidesAllButABalancedSeededSubset()
    {
        var labels = Enumerable.Range(0, 60).Select(i => i % 3).ToArray();
        var data = new Bottleneck.Data.Dataset(new float[60 * 2], 60, 2, labels, source: "d");
        var kept = SemiSupervisedData.KeepLabels(data, 7, 3, 5);
        var l = kept.Labels!;
        Assert.Equal(7, l.Count(v => v >= 0));
        Assert.Equal([3, 2, 2], Enumerable.Range(0, 3).Select(c => l.Count(v => v == c)).ToArray());
        Assert.All(Enumerable.Range(0, 60), i => Assert.True(l[i] == -1 || l[i] == labels[i]));
        Assert.Equal(l, SemiSupervisedData.KeepLabels(data, 7, 3, 5).Labels);
        Assert.NotEqual(l, SemiSupervisedData.KeepLabels(data, 7, 3, 6).Labels);
        Assert.Throws<ArgumentOutOfRangeException>(() => SemiSupervisedData.KeepLabels(data, 61, 3, 0));
        Assert.Throws<ArgumentException>(() => SemiSupervisedData.KeepLabels(new Bottleneck.Data.Dataset(new float[4], 2, 2, source: "u"), 1, 2, 0));
    }

    [Fact]
    public void SemiSupervisedStepMarginalisesUnlabelledRowsOverTheClassifier()
    {
        var model = new VariationalAutoencoder(new VariationalConfig(5, [4], 2, classes: 3, semiSupervised: true, classificationWeight: 2f), new Rng(3));
        model.Eval();
        var x = Tensor.FromArray(Bottleneck.Tests.Models.ModelTestUtil.Uniform01(4, 5, 1), 4, 5);
        using var _ = GradMode.NoGrad();
        var o = model.Step(new RowBatch(x, Labels: [0, -1, 2, -1]), StepContext.Evaluation);
        Assert.Equal([LossTerms.Reconstruction, VariationalTerms.Kl, VariationalTerms.NegEntropy, VariationalTerms.Classification], o.Terms.Select(t => t.Name).ToArray());
        // Rebuild each term from per-label ELBO terms (posterior means, no noise) and the classifier.
        var logits = model.Classifier!.Forward(x).ToArray();
        double rec = 0, kl = 0, negH = 0, ce = 0;
        int[] known = [0, 2];
        foreach (int i in known)
        {
            var (r, k, _) = model.ElboTerms(x.Slice(0, i, 1), [i == 0 ? 0 : 2], null);
            rec += r[0]; kl += k[0];
            var row = logits.Skip(i * 3).Take(3).Select(v => (double)v).ToArray();
            double lse = Math.Log(row.Sum(Math.Exp));
            ce += 2.0 * (lse - row[i == 0 ? 0 : 2]);
        }
        foreach (int i in new[] { 1, 3 })
        {
            var row = logits.Skip(i * 3).Take(3).Select(v => (double)v).ToArray();
            double lse = Math.Log(row.Sum(Math.Exp));
            for (int c = 0; c < 3; c++)
            {
                double q = Math.Exp(row[c] - lse);
                var (r, k, _) = model.ElboTerms(x.Slice(0, i, 1), [c], null);
                rec += q * r[0]; kl += q * k[0]; negH += q * Math.Log(q);
            }
        }
        Assert.Equal(rec / 4, o.Terms[0].Value.Item(), 3);
        Assert.Equal(kl / 4, o.Terms[1].Value.Item(), 4);
        Assert.Equal(negH / 4, o.Terms[2].Value.Item(), 5);
        Assert.Equal(ce / 4, o.Terms[3].Value.Item(), 4);
        Assert.Equal(model.Predict(x), model.ResolveLabels(x, null));
    }

    [Fact]
    public void AnAdversarialAutoencoderAlternatesItsPhasesAndAResumedRunIsBitIdentical()
    {
        var config = new VariationalConfig(6, [5], 2, latent: LatentKind.Deterministic, adversarial: true, discriminatorHidden: 4);
        var data = new Bottleneck.Data.Dataset(Bottleneck.Tests.Models.ModelTestUtil.Uniform01(64, 6, 2), 64, 6, source: "u");
        var options = new Bottleneck.Training.TrainingOptions(epochs: 3, batchSize: 16, learningRate: 5e-3f, seed: 3);
        var model = new VariationalAutoencoder(config, new Rng(1));
        Assert.Equal(["reconstruction", "discriminator", "generator"], model.TrainingPhases.Select(p => p.Name).ToArray());
        Assert.Equal(["model", "discriminator", "generator"], model.ParameterGroups().Select(g => g.Name).ToArray());
        // The generator phase steps the encoder with an optimizer of its own (not the reconstruction phase's Adam moments), and
        // neither it nor the discriminator phase moves the decoder.
        var generator = model.ParameterGroups()[2];
        Assert.True(generator.SharesParameters);
        Assert.Equal(model.Encoder.Parameters(), generator.Parameters);
        Assert.Equal([["model"], ["discriminator"], ["generator"]], model.TrainingPhases.Select(p => p.Groups!.ToArray()).ToArray());
        // Training steps both groups (the discriminator in its phase) and logs both adversarial terms.
        var before = Bottleneck.Tests.Models.ModelTestUtil.Weights(model);
        var result = new Bottleneck.Training.Trainer(options).Fit(model, data);
        Assert.All(result.History, h => Assert.True(h.Terms!["discriminator"] is double d && d > 0 && h.Terms["generator"] is double g && g > 0));
        var after = Bottleneck.Tests.Models.ModelTestUtil.Weights(model);
        Assert.Contains(after.Keys, k => k.StartsWith("discriminator.") && !after[k].SequenceEqual(before[k]));

        using var dir = new Bottleneck.Tests.Data.TempDir();
        using var cts = new CancellationTokenSource();
        var first = new VariationalAutoencoder(config, new Rng(1));
        var part = new Bottleneck.Training.Trainer(options) { CheckpointDirectory = dir.Path }.Fit(first, data, null,
            new Bottleneck.Tests.Models.SyncProgress<Bottleneck.Training.TrainingProgress>(p => { if (p.Completed?.Epoch == 1) cts.Cancel(); }), cts.Token);
        Assert.True(part.Cancelled);
        var second = new VariationalAutoencoder(config, new Rng(42));
        new Bottleneck.Training.Trainer(options) { CheckpointDirectory = dir.Path, Resume = true }.Fit(second, data);
        var resumed = Bottleneck.Tests.Models.ModelTestUtil.Weights(second);
        foreach (var (name, w) in after) Assert.True(w.SequenceEqual(resumed[name]), $"{name} differs after resume");
    }

    [Fact]
    public void LadderPrecisionWeightingMatchesTheTextbookFormulaAndStaysFiniteAtExtremeLogVariances()
    {
        float[] mu1 = [0.5f, -1f, 2f], lv1 = [0.3f, -2f, 1.5f], muP = [-0.2f, 0.4f, 1f], lvP = [-0.7f, 1f, 1.5f];
        var (mu, lv) = LadderLatent.Combine(Tensor.FromArray(mu1, 1, 3), Tensor.FromArray(lv1, 1, 3), Tensor.FromArray(muP, 1, 3), Tensor.FromArray(lvP, 1, 3));
        for (int j = 0; j < 3; j++)
        {
            double p1 = Math.Exp(-lv1[j]), pp = Math.Exp(-lvP[j]);
            Assert.Equal((mu1[j] * p1 + muP[j] * pp) / (p1 + pp), mu.Span[j], 5);
            Assert.Equal(-Math.Log(p1 + pp), lv.Span[j], 5);
        }
        // −60 and +60 overflow e^−lv in float32 in the direct formula; the stable one keeps the tighter Gaussian.
        var (m2, l2) = LadderLatent.Combine(Tensor.FromArray([1f, 1f], 1, 2), Tensor.FromArray([-120f, 60f], 1, 2), Tensor.FromArray([0f, 0f], 1, 2), Tensor.FromArray([60f, -120f], 1, 2));
        Assert.All(m2.ToArray().Concat(l2.ToArray()), v => Assert.True(float.IsFinite(v)));
        Assert.Equal(1f, m2.Span[0], 5);
        Assert.Equal(0f, m2.Span[1], 5);
        Assert.Equal(-120f, l2.Span[0], 3);
    }
}
