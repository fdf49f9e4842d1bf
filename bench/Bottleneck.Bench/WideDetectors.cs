using Bottleneck.Anomaly;
using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.Models.Registry;
using Bottleneck.NN;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Bench;

/// <summary>Which training rows a detector of the wide benchmark sees.</summary>
public enum WideTraining
{
    /// <summary>Unsupervised (PyOD's protocol): every row of the training split, anomalies included.</summary>
    Unsupervised,
    /// <summary>Semi-supervised (<c>train --normal-only</c>): the training split's normal rows only.</summary>
    NormalOnly,
}

/// <summary>
/// What a detector of the wide benchmark gets for one set and seed. <see cref="Train"/> and <see cref="Test"/> are standardized
/// with the mean and population sd of the rows the detector trains on (constant columns keep sd 1); the raw rows are there for
/// detectors that scale differently.
/// </summary>
/// <param name="TrainRaw">The training rows (the whole training split, or its normal rows for <see cref="WideTraining.NormalOnly"/>), unscaled.</param>
/// <param name="TestRaw">The test split, unscaled, labels 1 = anomaly.</param>
/// <param name="Train">TrainRaw standardized.</param>
/// <param name="Test">TestRaw standardized with the same statistics.</param>
/// <param name="Seed">The split's seed; use it for initialization and shuffling.</param>
public sealed record WideInput(Dataset TrainRaw, Dataset TestRaw, Dataset Train, Dataset Test, int Seed);

/// <summary>A detector's scores: higher = more anomalous.</summary>
/// <param name="Test">One score per test row.</param>
/// <param name="Train">One score per training row, or null; when given, the benchmark fits thresholds on them and reports their
/// realised false-positive rate on the test split's normal rows.</param>
public sealed record WideScores(float[] Test, float[]? Train = null);

/// <summary>One row of the detector table: a name, what it is, the rows it trains on, and the function that trains and scores.</summary>
/// <param name="Name">Short unique name (a column of the report, a key of the JSON file).</param>
/// <param name="Description">One line: model, training, score.</param>
/// <param name="Training">The rows it trains on.</param>
/// <param name="Run">Trains on <see cref="WideInput.Train"/> and scores <see cref="WideInput.Test"/>.</param>
/// <param name="Candidate">A recipe of the leave-one-dataset-out selection grid (unsupervised).</param>
/// <param name="SingleModel">One model, as <c>train</c> saves it (false for ensembles); the selection is also run over these alone.</param>
public sealed record WideDetector(string Name, string Description, WideTraining Training, Func<WideInput, WideScores> Run, bool Candidate = false,
    bool SingleModel = true);

/// <summary>
/// A dense-autoencoder recipe: architecture rule, training and score, optionally an ensemble of <paramref name="Members"/> models
/// (seeds seed·100 + k) whose per-row scores are combined by their median.
/// </summary>
/// <param name="Architecture">Config for input width D.</param>
/// <param name="Epochs">Training epochs.</param>
/// <param name="BatchSize">Mini-batch size.</param>
/// <param name="WeightDecay">Adam's L2 weight decay.</param>
/// <param name="Error">Score.</param>
/// <param name="Members">Ensemble size, ≥ 1 (default 1).</param>
/// <param name="ValidationFraction">Share of the training rows held out (unused) as `train` does by default, 0 = none (default).</param>
public sealed record DenseRecipe(Func<int, DenseConfig> Architecture, int Epochs, int BatchSize, float WeightDecay, ReconstructionError Error,
    int Members = 1, double ValidationFraction = 0)
{
    /// <summary>Trains on <paramref name="input"/>.Train and scores both splits.</summary>
    public WideScores Run(WideInput input) => Run(input.Train, input.Test, input.Seed);

    /// <summary>Trains on prepared <paramref name="train"/> and scores <paramref name="test"/> and the training rows
    /// (<paramref name="scoreTrain"/> when given: the rows to score as the training rows, e.g. unclipped).</summary>
    public WideScores Run(Dataset train, Dataset test, int seed, Dataset? scoreTrain = null)
    {
        var tests = new List<float[]>(); var trains = new List<float[]>();
        for (int k = 0; k < Members; k++)
        {
            ulong s = Members == 1 ? (ulong)seed : (ulong)(seed * 100 + k);
            var fitRows = ValidationFraction > 0 ? train.Split(ValidationFraction, new Rng(s)).Train : train;
            var net = ModelRegistry.Create(Architecture(train.FeatureCount), new Rng(s));
            new Trainer(new TrainingOptions(epochs: Epochs, batchSize: BatchSize, weightDecay: WeightDecay, seed: s)).Fit(net, fitRows);
            var scorer = new AnomalyScorer(net, Error);
            tests.Add(scorer.Score(test)); trains.Add(scorer.Score(scoreTrain ?? train));
        }
        return Members == 1 ? new WideScores(tests[0], trains[0]) : new WideScores(Median(tests), Median(trains));
    }

    private static float[] Median(List<float[]> members)
    {
        var m = new float[members[0].Length];
        var buf = new float[members.Count];
        for (int i = 0; i < m.Length; i++)
        {
            for (int k = 0; k < buf.Length; k++) buf[k] = members[k][i];
            Array.Sort(buf);
            int h = buf.Length / 2;
            m[i] = buf.Length % 2 == 1 ? buf[h] : (buf[h - 1] + buf[h]) / 2;
        }
        return m;
    }
}

/// <summary>
/// The Bottleneck detectors of <c>bench anomaly wide</c>: one line each (name → function that trains on the training rows and
/// returns test scores). Add a detector by adding a line to <see cref="All"/>; <c>--detectors a,b</c> runs a subset.
/// </summary>
public static class WideDetectors
{
    /// <summary>The unsupervised recipe of <see cref="AnomalyDefaults"/> (what <c>train</c> on CSV rows and <c>train --contaminated</c> use).</summary>
    public static DenseRecipe Recipe { get; } = new(d => AnomalyDefaults.UnsupervisedArchitecture(d), AnomalyDefaults.UnsupervisedEpochs,
        AnomalyDefaults.UnsupervisedBatchSize, AnomalyDefaults.UnsupervisedWeightDecay, AnomalyDefaults.UnsupervisedError);

    private static readonly KindRecipe RobustAe = new("robust-ae", d => new Models.RobustAe.RobustAeConfig(d, [AnomalyDefaults.HiddenWidth(d)],
        AnomalyDefaults.LatentWidth(d)), 20, 32);
    private static readonly KindRecipe RobustAeNoS = new("robust-ae-no-s", d => new Models.RobustAe.RobustAeConfig(d, [AnomalyDefaults.HiddenWidth(d)],
        AnomalyDefaults.LatentWidth(d), lambda: 1e6f), 20, 32);
    private static readonly KindRecipe RobustAeTanh = new("robust-ae-tanh-mae", d => new Models.RobustAe.RobustAeConfig(d, [64], 32,
        output: Likelihood.BoundedGaussian), 10, 32, 1e-5f, ReconstructionError.Mae);
    private static readonly KindRecipe RandNet = new("randnet", d => new Models.RandNet.RandNetConfig(d, [AnomalyDefaults.HiddenWidth(d)],
        AnomalyDefaults.LatentWidth(d)), 20, 32);
    private static readonly KindRecipe RandNetTanh = new("randnet-tanh", d => new Models.RandNet.RandNetConfig(d, [AnomalyDefaults.HiddenWidth(d)],
        AnomalyDefaults.LatentWidth(d), output: Likelihood.BoundedGaussian), 20, 32);
    private static readonly KindRecipe Dagmm = new("dagmm", d => new Models.Dagmm.DagmmConfig(d, [60, 30, 10], 1), 100, 128);
    private static Models.Variational.VariationalConfig Vae(int d) => new(d, [AnomalyDefaults.HiddenWidth(d)], AnomalyDefaults.LatentWidth(d),
        output: Likelihood.Gaussian);
    private static readonly KindRecipe VaeElbo = new("vae-neg-elbo", Vae, 20, 32, Error: ReconstructionError.NegElbo);
    private static readonly KindRecipe VaeReconstructionProbability = new("vae-recon-prob", Vae, 20, 32, Error: ReconstructionError.ReconstructionProbability);

    private static DenseConfig Pyod(int d, Likelihood output) => AnomalyDefaults.UnsupervisedArchitecture(d, output);

    // The default rule's widths (D-h-z-h-D) with the recipe's bounded output, no batch norm or dropout.
    private static DenseConfig RuleBounded(int d) => new(d, [AnomalyDefaults.HiddenWidth(d)], AnomalyDefaults.LatentWidth(d), Activation.Relu,
        Activation.Identity, Likelihood.BoundedGaussian);

    private static readonly Func<WideInput, WideScores> CachedRecipe = WideCandidates.Cached("recipe", Recipe.Run);
    private static readonly Func<WideInput, WideScores> CachedMahalanobis = WideCandidates.Cached("mahalanobis", WideCandidates.Mahalanobis);
    private static readonly Func<WideInput, WideScores> CachedFb5 = WideCandidates.Cached("recipe-fb5", i => WideCandidates.FeatureBagged(i, Recipe, 5));

    /// <summary>Every detector, in report order.</summary>
    public static IReadOnlyList<WideDetector> All { get; } =
    [
        // What `train` then `detect` did with no flags before issue 17 on a numeric CSV: the reconstruction defaults (784-style
        // 512,128 → 32, sigmoid-bce on min-max scaled rows, 10 epochs of batch 128, 10 % held out for validation).
        new("old-default", "before issue 17, `train` with no flags on CSV rows: dense D-512-128-32, sigmoid-bce on min-max scaled rows, 10 epochs, batch 128, bce score",
            WideTraining.Unsupervised, OldDefault),
        new("normal-only", "`train --normal-only`: default rule D-h-z-h-D, linear-mse, 10 epochs of batch 128, 10 % held out, mse score, trained on normal rows",
            WideTraining.NormalOnly, i => new DenseRecipe(d => AnomalyDefaults.DenseArchitecture(d), 10, 128, 0f, ReconstructionError.Mse, ValidationFraction: 0.1).Run(i)),
        // The selection grid (unsupervised, whole training split): architecture rule × output × scaling × epochs × score, and median
        // ensembles. Order matters to the one-standard-error rule of RecipeSelection: the incumbent recipe first, then by training cost.
        new("recipe", "the previous unsupervised recipe (before the bars work; still `train --stream --contaminated`): standardized rows, D-64-32-64-D, batch norm, dropout 0.2, tanh output, 10 epochs of batch 32, mae score",
            WideTraining.Unsupervised, CachedRecipe, Candidate: true),
        new("pyod-tanh-mae-e3", "the recipe trained 3 epochs",
            WideTraining.Unsupervised, (Recipe with { Epochs = 3 }).Run, Candidate: true),
        new("pyod-linear-mse", "PyOD's network and training, linear output, mse score",
            WideTraining.Unsupervised, (Recipe with { Architecture = d => Pyod(d, Likelihood.Gaussian), Error = ReconstructionError.Mse }).Run, Candidate: true),
        new("pyod-linear-mae", "PyOD's network and training, linear output, mae score",
            WideTraining.Unsupervised, (Recipe with { Architecture = d => Pyod(d, Likelihood.Gaussian) }).Run, Candidate: true),
        new("pyod-tanh-mse", "the recipe scored by mse",
            WideTraining.Unsupervised, (Recipe with { Error = ReconstructionError.Mse }).Run, Candidate: true),
        new("rule-tanh-mae", "default rule D-h-z-h-D (no batch norm or dropout), tanh output, 10 epochs of batch 32, weight decay 1e-5, mae score",
            WideTraining.Unsupervised, (Recipe with { Architecture = RuleBounded }).Run, Candidate: true),
        // The recipe's network and training with the reconstruction bounded to the training range instead of ±1 sd: rows min-max
        // scaled on the training rows, sigmoid output trained with binary cross-entropy.
        new("pyod-minmax-sigmoid-mae", "PyOD's network and training on min-max scaled rows (training range → [0, 1]), sigmoid output (bce loss), mae score",
            WideTraining.Unsupervised, i => MinMax(i, Recipe with { Architecture = d => Pyod(d, Likelihood.Bernoulli) }), Candidate: true),
        new("pyod-minmax-sigmoid-mse", "as pyod-minmax-sigmoid-mae, mse score",
            WideTraining.Unsupervised, i => MinMax(i, Recipe with { Architecture = d => Pyod(d, Likelihood.Bernoulli), Error = ReconstructionError.Mse }), Candidate: true),

        new("pyod-tanh-mae-e30", "the recipe trained 30 epochs",
            WideTraining.Unsupervised, (Recipe with { Epochs = 30 }).Run, Candidate: true),
        new("pyod-tanh-mse-e30", "the recipe trained 30 epochs, scored by mse",
            WideTraining.Unsupervised, (Recipe with { Epochs = 30, Error = ReconstructionError.Mse }).Run, Candidate: true),
        // Added for the bars left unmet (WideCandidates): single models first (cost about the recipe's), then ensembles of 5.
        new("recipe-robust-scale", "the recipe on rows scaled by median and IQR/1.349 (sd where the IQR is 0) instead of mean and sd",
            WideTraining.Unsupervised, i => WideCandidates.RobustScaled(i, Recipe), Candidate: true),
        new("recipe-clip3", "the recipe fitted on the standardized training rows clipped to ±3 (winsorized), scored unclipped",
            WideTraining.Unsupervised, i => WideCandidates.Clipped(i, Recipe, 3f), Candidate: true),
        new("recipe-steps1000", "the recipe with a budget of 1000 steps of batch 32 instead of 10 epochs (epochs = clamp(⌈1000/batches⌉, 1, 100))",
            WideTraining.Unsupervised, i => WideCandidates.StepBudget(i, Recipe, 1000, 100), Candidate: true),
        new("recipe-mahalanobis", "the recipe's mae and the robust Mahalanobis distance of the standardized row, each z-scored on its training scores, mean",
            WideTraining.Unsupervised, i => WideCandidates.ZMean([CachedRecipe(i), CachedMahalanobis(i)]), Candidate: true),
        new("recipe-robust-scale-mahalanobis", "the unsupervised recipe now (`train` with no flags on CSV rows, `train --contaminated`): recipe-robust-scale's mae and the robust Mahalanobis distance of the same robust-scaled row, each z-scored on its training scores, mean",
            WideTraining.Unsupervised, i => WideCandidates.RobustScaled(i, Recipe, withDistance: true), Candidate: true),
        // Added in the third round (issue 17's bars): the k-nearest-neighbour distance (KnnDistance: mean squared distance to the 5
        // nearest of at most 2,000 training rows, PyOD's k) as a member of the z-scored mean, with equal weight per member family.
        new("recipe-robust-scale-knn", "recipe-robust-scale's mae and the kNN distance (k = 5, ≤ 2,000 reference rows) of the same robust-scaled row, each z-scored on its training scores, mean",
            WideTraining.Unsupervised, i => WideCandidates.RobustScaledMembers(i, Recipe, withDistance: false, knn: true), Candidate: true),
        new("recipe-robust-scale-mahalanobis-knn", "recipe-robust-scale's mae, the robust Mahalanobis distance and the kNN distance of the same robust-scaled row, each z-scored on its training scores, mean (weights 1/3)",
            WideTraining.Unsupervised, i => WideCandidates.RobustScaledMembers(i, Recipe, withDistance: true, knn: true), Candidate: true),
        new("recipe-mahalanobis-knn", "the recipe's mae, the robust Mahalanobis distance and the kNN distance of the standardized row, each z-scored, mean (weights 1/3)",
            WideTraining.Unsupervised, i => WideCandidates.ZMean([CachedRecipe(i), CachedMahalanobis(i), WideCandidates.Cached("knn-standardized", WideCandidates.Knn)(i)]), Candidate: true),
        new("recipe-robust-scale-mahalanobis-knn-steps1000", "as recipe-robust-scale-mahalanobis-knn, the network trained for a budget of 1000 steps of batch 32 (epochs = clamp(⌈1000/batches⌉, 1, 100))",
            WideTraining.Unsupervised, i => WideCandidates.ZMean([WideCandidates.StepBudgetRobust(i, Recipe, 1000, 100),
                WideCandidates.RobustScaledMembers(i, null, true, false), WideCandidates.RobustScaledMembers(i, null, false, true)]), Candidate: true),
        new("recipe-x5-median", "5 recipe models (seeds), median of their mae scores",
            WideTraining.Unsupervised, (Recipe with { Members = 5 }).Run, Candidate: true, SingleModel: false),
        new("pyod-tanh-mse-x5-median", "5 recipe models (seeds) scored by mse, median of their scores",
            WideTraining.Unsupervised, (Recipe with { Members = 5, Error = ReconstructionError.Mse }).Run, Candidate: true, SingleModel: false),
        new("recipe-x5-arch", "5 recipe models differing in seed and widths (64-32, 32-16, 128-64, 64-16, 32-8), z-scored mae, mean",
            WideTraining.Unsupervised, i => WideCandidates.ArchitectureEnsemble(i, Recipe, [(64, 32), (32, 16), (128, 64), (64, 16), (32, 8)]), Candidate: true, SingleModel: false),
        new("recipe-fb5", "feature bagging: 5 recipe models, each on a random ⌈D/2⌉..D−1 features, z-scored mae, mean",
            WideTraining.Unsupervised, i => CachedFb5(i), Candidate: true, SingleModel: false),
        new("recipe-fb5-mahalanobis", "recipe-fb5 and the robust Mahalanobis distance, each z-scored on its training scores, mean",
            WideTraining.Unsupervised, i => WideCandidates.ZMean([CachedFb5(i), CachedMahalanobis(i)]), Candidate: true, SingleModel: false),
        new("recipe-robust-x5-arch-mahalanobis-knn", "robust scaling; 5 recipe models differing in seed and widths (64-32, 32-16, 128-64, 64-16, 32-8), z-scored mae, mean; then that, the robust Mahalanobis and the kNN distance, each z-scored, mean (weights 1/3)",
            WideTraining.Unsupervised, i => WideCandidates.RobustArchitectureEnsembleWithDistances(i, Recipe, [(64, 32), (32, 16), (128, 64), (64, 16), (32, 8)]), Candidate: true, SingleModel: false),
        new("knn", "no model: kNN distance of the robust-scaled row (mean squared distance to the 5 nearest of at most 2,000 training rows, leaving a training row out of its own neighbours)",
            WideTraining.Unsupervised, i => WideCandidates.RobustScaledMembers(i, null, false, true)),
        new("mahalanobis-knn", "no model: the robust Mahalanobis and the kNN distance of the robust-scaled row, each z-scored, mean",
            WideTraining.Unsupervised, i => WideCandidates.RobustScaledMembers(i, null, true, true)),
        new("mahalanobis", "no model: robust Mahalanobis distance of the standardized row (Ledoit-Wolf covariance of the bulk: MCD concentration and reweighting steps)",
            WideTraining.Unsupervised, CachedMahalanobis),
        // Detectors from the literature (issue 17, item 4; docs/anomaly.md): model kinds with their own fit procedures and scores,
        // at the CLI's defaults for the kind unless the name says otherwise. Not candidates of the recipe selection.
        new("robust-ae", "robust deep autoencoder (Zhou & Paffenroth 2017): default rule D-h-z-h-D, linear output (the CLI with --hidden/--latent/--output given), l2,1 rows, lambda 1, 5 iterations over 20 epochs of batch 32, mse score",
            WideTraining.Unsupervised, RobustAe.Run),
        new("robust-ae-tanh-mae", "robust deep autoencoder on the recipe's network without batch norm/dropout (D-64-32, tanh output; the CLI's default for the kind), lambda 1, 5 iterations over 10 epochs of batch 32, weight decay 1e-5, mae score",
            WideTraining.Unsupervised, RobustAeTanh.Run),
        new("robust-ae-no-s", "ablation: robust-ae with lambda 1e6 (S stays 0: the same autoencoder and epochs without the robust split)",
            WideTraining.Unsupervised, RobustAeNoS.Run),
        new("randnet", "RandNet (Chen et al. 2017): 10 members D-h-z-h-D, drop-connect 0.3, each on half the rows, 20 epochs of batch 32, median of standardised mse",
            WideTraining.Unsupervised, RandNet.Run, SingleModel: false),
        new("randnet-tanh", "RandNet with the tanh output", WideTraining.Unsupervised, RandNetTanh.Run, SingleModel: false),
        new("dagmm", "DAGMM (Zong et al. 2018): D-60-30-10-1 tanh, estimation 3-10-4, lambda1 0.1, lambda2 0.005, 100 epochs of batch 128, sample energy",
            WideTraining.Unsupervised, Dagmm.Run),
        new("vae-neg-elbo", "VAE D-h-z-h-D (Gaussian latent, linear-mse output), 20 epochs of batch 32, negative ELBO score (10 draws)",
            WideTraining.Unsupervised, VaeElbo.Run),
        new("vae-recon-prob", "the same VAE, reconstruction-probability score (An & Cho 2015, 10 draws)",
            WideTraining.Unsupervised, VaeReconstructionProbability.Run),
        new("zmean-recipe-randnet-vae", "ensemble: recipe, randnet-tanh and vae-neg-elbo, each z-scored on its training scores, mean",
            WideTraining.Unsupervised, KindRecipe.Combined([Recipe.Run, RandNetTanh.Run, VaeElbo.Run], ScoreCombination.Mean), SingleModel: false),
        new("zmax-recipe-randnet-vae", "the same ensemble, max of the z-scores",
            WideTraining.Unsupervised, KindRecipe.Combined([Recipe.Run, RandNetTanh.Run, VaeElbo.Run], ScoreCombination.Max), SingleModel: false),
        // No model: the squared distance of the standardized row from the training mean (a reference, not an autoencoder).
        new("distance", "no model: squared distance of the standardized row from the training mean",
            WideTraining.Unsupervised, i => new WideScores(SquaredNorms(i.Test), SquaredNorms(i.Train))),
    ];

    private static float[] SquaredNorms(Dataset d)
    {
        var s = new float[d.Rows];
        int f = d.FeatureCount;
        for (int r = 0; r < d.Rows; r++)
        {
            double sum = 0;
            for (int j = 0; j < f; j++) { double v = d.Features[r * f + j]; sum += v * v; }
            s[r] = (float)sum;
        }
        return s;
    }

    private static WideScores MinMax(WideInput i, DenseRecipe recipe)
    {
        var pre = Preprocessor.Fit(i.TrainRaw, ScalingKind.MinMax);
        return recipe.Run(pre.Transform(i.TrainRaw), pre.Transform(i.TestRaw), i.Seed);
    }

    private static WideScores OldDefault(WideInput i)
    {
        var pre = Preprocessor.Fit(i.TrainRaw, ScalingKind.MinMax);
        var recipe = new DenseRecipe(d => new DenseConfig(d, [512, 128], 32, output: Likelihood.Bernoulli), 10, 128, 0f, ReconstructionError.Bce, ValidationFraction: 0.1);
        return recipe.Run(pre.Transform(i.TrainRaw), pre.Transform(i.TestRaw), i.Seed);
    }
}
