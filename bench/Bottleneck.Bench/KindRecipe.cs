using Bottleneck.Anomaly;
using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Models.Registry;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Bench;

/// <summary>
/// A detector of the wide benchmark that is any registered model kind, fitted by the kind's own fit procedure (alternating robust
/// fit, RandNet's members, DAGMM's mixture, …) on the standardized training rows and scored by <paramref name="Error"/> (null = the
/// kind's default: its own score for dagmm and randnet, the likelihood's reconstruction error otherwise). Scores are cached per
/// (name, rows, seed), so an ensemble line reuses the scores of its members' own lines.
/// </summary>
/// <param name="Name">Cache key, the detector's name.</param>
/// <param name="Config">Config for input width D.</param>
/// <param name="Epochs">Training epochs (the kind's procedure may split them, e.g. over the robust fit's iterations).</param>
/// <param name="BatchSize">Mini-batch size.</param>
/// <param name="WeightDecay">Adam's L2 weight decay (default 0).</param>
/// <param name="Error">Score, or null for the kind's default.</param>
public sealed record KindRecipe(string Name, Func<int, ModelConfig> Config, int Epochs, int BatchSize, float WeightDecay = 0f, ReconstructionError? Error = null)
{
    private static readonly Dictionary<(string, int, int, int, double), WideScores> Cache = [];

    /// <summary>Fits on <paramref name="input"/>.Train and scores both splits.</summary>
    public WideScores Run(WideInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var key = (Name, input.Seed, input.Train.Rows, input.Test.Rows, Checksum(input.TrainRaw));
        lock (Cache)
            if (Cache.TryGetValue(key, out var hit)) return hit;
        var config = Config(input.Train.FeatureCount);
        var model = ModelRegistry.Create(config, new Rng((ulong)input.Seed));
        ModelRegistry.CreateFit(config, new TrainingOptions(Epochs, BatchSize, weightDecay: WeightDecay, seed: (ulong)input.Seed))
            .Fit(model, RowSource.For(model, input.Train, "training data"), null, new FitContext());
        var scorer = new AnomalyScorer(model, Error);
        var scores = new WideScores(scorer.Score(input.Test), scorer.Score(input.Train));
        lock (Cache) Cache[key] = scores;
        return scores;
    }

    /// <summary>
    /// An ensemble of detectors: each member's scores z-scored with the mean and sd of its scores on the training rows, then combined
    /// per row by <paramref name="combination"/> (<see cref="ScoreEnsemble"/>).
    /// </summary>
    /// <param name="members">The members' run functions.</param>
    /// <param name="combination">Mean, max or median.</param>
    public static Func<WideInput, WideScores> Combined(IReadOnlyList<Func<WideInput, WideScores>> members, ScoreCombination combination) => input =>
    {
        var runs = members.Select(m => m(input)).ToArray();
        int nTest = runs[0].Test.Length, nTrain = runs[0].Train!.Length, m = runs.Length;
        var mean = new float[m];
        var sd = new float[m];
        for (int k = 0; k < m; k++)
        {
            var (mu, s) = ScoreEnsemble.Fit(runs[k].Train);
            (mean[k], sd[k]) = ((float)mu, (float)s);
        }
        var test = new float[nTest];
        var train = new float[nTrain];
        ScoreEnsemble.Combine(runs.SelectMany(r => r.Test).ToArray(), mean, sd, combination, test);
        ScoreEnsemble.Combine(runs.SelectMany(r => r.Train!).ToArray(), mean, sd, combination, train);
        return new WideScores(test, train);
    };

    private static double Checksum(Dataset d)
    {
        double s = d.Rows * 31.0 + d.FeatureCount;
        int n = Math.Min(d.Features.Length, 4096);
        for (int i = 0; i < n; i++) s += d.Features[i] * (i % 7 + 1);
        return s;
    }
}
