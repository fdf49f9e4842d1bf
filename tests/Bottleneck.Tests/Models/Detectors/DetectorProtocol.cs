using Bottleneck.Anomaly;
using Bottleneck.Bench;
using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Models.Registry;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Tests.Models.Detectors;

/// <summary>
/// PyOD's unsupervised protocol for any registered kind, through the kind's own fit procedure and default score: a stratified 60/40
/// split, standardisation fitted on the training split, the model fitted on the whole (contaminated) training split, ROC-AUC on the
/// test split.
/// </summary>
internal static class DetectorProtocol
{

    public static double[] RocAuc(Dataset data, Func<int, ModelConfig> config, int epochs, int batchSize, int seeds, float weightDecay = 0f, ReconstructionError? error = null)
    {
        var flags = data.Labels!.Select(l => l != 0 ? 1 : 0).ToArray();
        var aucs = new double[seeds];
        for (int seed = 0; seed < seeds; seed++)
        {
            var (tr, te) = AnomalyProtocols.StratifiedSplit(flags, 0.4, (ulong)seed);
            var train = data.Subset(tr);
            var pre = Preprocessor.Fit(train, ScalingKind.Standardize);
            var trainX = pre.Transform(train);
            var test = pre.Transform(data.Subset(te));
            var c = config(data.FeatureCount);
            var model = ModelRegistry.Create(c, new Rng((ulong)seed));
            ModelRegistry.CreateFit(c, new TrainingOptions(epochs, batchSize, weightDecay: weightDecay, seed: (ulong)seed))
                .Fit(model, RowSource.For(model, trainX), null, new FitContext());
            var scores = new AnomalyScorer(model, error).Score(test);
            aucs[seed] = AnomalyMetrics.RocAuc(scores, test.Labels!.Select(l => l != 0 ? 1 : 0).ToArray());
        }
        return aucs;
    }

    public static double[] RandNetRocAuc(Dataset data, int seeds) =>
        RocAuc(data, d => new Bottleneck.Models.RandNet.RandNetConfig(d, [Math.Max(4, d / 2)], Math.Max(2, d / 4), members: 10), 20, 32, seeds);
}
