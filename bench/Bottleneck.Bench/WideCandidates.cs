using Bottleneck.Anomaly;
using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Bench;

/// <summary>
/// Candidates of the recipe selection added for issue 17's unmet bars, each a general idea from the literature applied to the
/// unsupervised recipe (none specific to a set): robust scaling and clipping, a step budget instead of an epoch count, the
/// recipe's error combined with a robust Mahalanobis distance, and z-scored ensembles whose members differ in seed and
/// architecture or in feature subset (feature bagging). Scores of a (name, split) are cached so a combination reuses its members.
/// </summary>
public static class WideCandidates
{
    private static readonly Dictionary<(string, int, int, int, double), WideScores> Cache = [];

    /// <summary>Caches <paramref name="run"/> under <paramref name="name"/> per split (the detectors are deterministic).</summary>
    public static Func<WideInput, WideScores> Cached(string name, Func<WideInput, WideScores> run) => input =>
    {
        var key = (name, input.Seed, input.Train.Rows, input.Test.Rows, Checksum(input.TrainRaw));
        lock (Cache)
            if (Cache.TryGetValue(key, out var hit)) return hit;
        var s = run(input);
        lock (Cache) Cache[key] = s;
        return s;
    };

    /// <summary>The robust Mahalanobis distance of the standardized row (<see cref="RobustMahalanobis"/>), no model.</summary>
    public static WideScores Mahalanobis(WideInput i)
    {
        var m = RobustMahalanobis.Fit(i.Train.Features, i.Train.FeatureCount);
        var test = new float[i.Test.Rows];
        var train = new float[i.Train.Rows];
        m.Score(i.Test.Features, test);
        m.Score(i.Train.Features, train);
        return new WideScores(test, train);
    }

    /// <summary>
    /// Robust scaling (<see cref="ScalingKind.Robust"/>: (x − median)/(IQR/1.349) per feature on the training rows, the sd where
    /// the IQR is 0), then <paramref name="recipe"/>; with <paramref name="withDistance"/> its score is combined with the robust
    /// Mahalanobis distance of the same scaled rows (each z-scored on its training scores, then the mean), as <c>train</c> does.
    /// </summary>
    /// <param name="i">The split.</param>
    /// <param name="recipe">The recipe trained on the robust-scaled rows.</param>
    /// <param name="withDistance">Combine its score with the robust Mahalanobis distance of the same rows.</param>
    public static WideScores RobustScaled(WideInput i, DenseRecipe recipe, bool withDistance = false) =>
        RobustScaledMembers(i, recipe, withDistance, knn: false);

    /// <summary>
    /// Robust scaling, then the z-scored mean of <paramref name="recipe"/>'s score and, when asked, the robust Mahalanobis distance
    /// and the kNN distance (<see cref="KnnDistance"/>, k = 5, at most 2,000 reference rows) of the same scaled rows. Each member's
    /// scores are cached per split under its own name, so candidates that share members train them once. A recipe other than
    /// <see cref="WideDetectors.Recipe"/> must be given its own <paramref name="recipeName"/>.
    /// </summary>
    public static WideScores RobustScaledMembers(WideInput i, DenseRecipe? recipe, bool withDistance, bool knn, string recipeName = "recipe")
    {
        var pre = Preprocessor.Fit(i.TrainRaw, ScalingKind.Robust);
        var scaled = i with { Train = pre.Transform(i.TrainRaw), Test = pre.Transform(i.TestRaw) };
        var runs = new List<WideScores>();
        if (recipe is not null) runs.Add(Cached("robust-scale/" + recipeName, s => recipe.Run(s.Train, s.Test, s.Seed))(scaled));
        if (withDistance) runs.Add(Cached("robust-scale/mahalanobis", Mahalanobis)(scaled));
        if (knn) runs.Add(Cached("robust-scale/knn", Knn)(scaled));
        return runs.Count == 1 ? runs[0] : ZMean(runs);
    }

    /// <summary>The kNN distance of the prepared row (<see cref="KnnDistance"/>: mean squared distance to the 5 nearest of at most
    /// 2,000 training rows; training rows scored leaving themselves out), no model.</summary>
    public static WideScores Knn(WideInput i)
    {
        var m = KnnDistance.Fit(i.Train.Features, i.Train.FeatureCount, seed: (ulong)i.Seed);
        var test = new float[i.Test.Rows];
        var train = new float[i.Train.Rows];
        m.Score(i.Test.Features, test);
        m.ScoreTraining(i.Train.Features, train);
        return new WideScores(test, train);
    }

    /// <summary>The recipe fitted on the standardized training rows clipped to ±<paramref name="clip"/> (winsorized), scored unclipped.</summary>
    public static WideScores Clipped(WideInput i, DenseRecipe recipe, float clip)
    {
        var f = (float[])i.Train.Features.Clone();
        for (int k = 0; k < f.Length; k++) f[k] = Math.Clamp(f[k], -clip, clip);
        var fitRows = new Dataset(f, i.Train.Rows, i.Train.FeatureCount);
        return recipe.Run(fitRows, i.Test, i.Seed, scoreTrain: i.Train);
    }

    /// <summary>The recipe with a budget of <paramref name="steps"/> optimizer steps: epochs = clamp(⌈steps / ⌈N/B⌉⌉, 1, <paramref name="maxEpochs"/>).</summary>
    public static WideScores StepBudget(WideInput i, DenseRecipe recipe, int steps, int maxEpochs)
    {
        int batches = (i.Train.Rows + recipe.BatchSize - 1) / recipe.BatchSize;
        int epochs = Math.Clamp((steps + batches - 1) / batches, 1, maxEpochs);
        return (recipe with { Epochs = epochs }).Run(i);
    }

    /// <summary>
    /// Feature bagging (Lazarevic &amp; Kumar, "Feature bagging for outlier detection", KDD 2005) with autoencoders: member k trains
    /// <paramref name="recipe"/> on a random subset of between ⌈D/2⌉ and D − 1 features (all of them when D &lt; 3) with seed
    /// seed·100 + k; each member's scores are z-scored on its training scores and averaged.
    /// </summary>
    public static WideScores FeatureBagged(WideInput i, DenseRecipe recipe, int members)
    {
        int d = i.Train.FeatureCount;
        var runs = new List<WideScores>();
        for (int k = 0; k < members; k++)
        {
            var rng = new Rng((ulong)(i.Seed * 100 + k) + 0x5EED);
            int size = d < 3 ? d : (d + 1) / 2 + rng.NextInt(d - 1 - (d + 1) / 2 + 1);
            var cols = rng.Permutation(d).Take(size).Order().ToArray();
            runs.Add(recipe.Run(Columns(i.Train, cols), Columns(i.Test, cols), i.Seed * 100 + k));
        }
        return ZMean(runs);
    }

    /// <summary>Members of <paramref name="recipe"/> that differ in seed and in (hidden, code) widths, z-scored and averaged.</summary>
    public static WideScores ArchitectureEnsemble(WideInput i, DenseRecipe recipe, (int Hidden, int Latent)[] widths)
    {
        var runs = new List<WideScores>();
        for (int k = 0; k < widths.Length; k++)
        {
            var (h, z) = widths[k];
            var r = recipe with { Architecture = dim => new DenseConfig(dim, [h], z, Activation.Relu, Activation.Relu, Likelihood.BoundedGaussian,
                dropout: AnomalyDefaults.UnsupervisedDropout, batchNorm: true) };
            runs.Add(r.Run(i.Train, i.Test, i.Seed * 100 + k));
        }
        return ZMean(runs);
    }

    /// <summary>Robust scaling, then the recipe trained for a budget of <paramref name="steps"/> steps (<see cref="StepBudget"/>).</summary>
    public static WideScores StepBudgetRobust(WideInput i, DenseRecipe recipe, int steps, int maxEpochs)
    {
        var pre = Preprocessor.Fit(i.TrainRaw, ScalingKind.Robust);
        return Cached($"robust-scale/recipe-steps{steps}", s => StepBudget(s, recipe, steps, maxEpochs))(i with { Train = pre.Transform(i.TrainRaw), Test = pre.Transform(i.TestRaw) });
    }

    /// <summary>Robust scaling; <see cref="ArchitectureEnsemble"/> on the scaled rows; then it, the robust Mahalanobis distance and the
    /// kNN distance of the same rows, each z-scored, averaged (each family weighs 1/3).</summary>
    public static WideScores RobustArchitectureEnsembleWithDistances(WideInput i, DenseRecipe recipe, (int Hidden, int Latent)[] widths)
    {
        var pre = Preprocessor.Fit(i.TrainRaw, ScalingKind.Robust);
        var scaled = i with { Train = pre.Transform(i.TrainRaw), Test = pre.Transform(i.TestRaw) };
        var ae = ArchitectureEnsemble(scaled, recipe, widths);
        return ZMean([ae, RobustScaledMembers(i, null, true, false), RobustScaledMembers(i, null, false, true)]);
    }

    /// <summary>Each run z-scored on its training scores (<see cref="ScoreEnsemble"/>), then the mean.</summary>
    public static WideScores ZMean(IReadOnlyList<WideScores> runs)
    {
        int m = runs.Count, nTest = runs[0].Test.Length, nTrain = runs[0].Train!.Length;
        var mean = new float[m];
        var sd = new float[m];
        for (int k = 0; k < m; k++)
        {
            var (mu, s) = ScoreEnsemble.Fit(runs[k].Train);
            (mean[k], sd[k]) = ((float)mu, (float)s);
        }
        var test = new float[nTest];
        var train = new float[nTrain];
        ScoreEnsemble.Combine(runs.SelectMany(r => r.Test).ToArray(), mean, sd, ScoreCombination.Mean, test);
        ScoreEnsemble.Combine(runs.SelectMany(r => r.Train!).ToArray(), mean, sd, ScoreCombination.Mean, train);
        return new WideScores(test, train);
    }

    private static Dataset Columns(Dataset d, int[] cols)
    {
        int f = d.FeatureCount;
        var x = new float[d.Rows * cols.Length];
        for (int r = 0; r < d.Rows; r++)
            for (int j = 0; j < cols.Length; j++) x[r * cols.Length + j] = d.Features[r * f + cols[j]];
        return new Dataset(x, d.Rows, cols.Length, d.Labels);
    }

    private static double Checksum(Dataset d)
    {
        double s = d.Rows * 31.0 + d.FeatureCount;
        int n = Math.Min(d.Features.Length, 4096);
        for (int i = 0; i < n; i++) s += d.Features[i] * (i % 7 + 1);
        return s;
    }
}
