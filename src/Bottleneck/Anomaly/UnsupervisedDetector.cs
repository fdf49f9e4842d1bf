using Bottleneck.Data;
using Bottleneck.ModelFiles;
using Bottleneck.Models.Registry;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Anomaly;

/// <summary>A detector fitted by <see cref="UnsupervisedDetector.Fit"/>: the detector itself, the training run, and the model folder's
/// contents ready for <see cref="ModelStore.Save(string, SavedModel)"/> (what <c>bottleneck detect --model DIR</c> then loads).</summary>
/// <param name="Detector">The fitted detector: robust scaling, the trained autoencoder, the combined score and the threshold.</param>
/// <param name="Training">The training run (history per epoch).</param>
/// <param name="Saved">The model folder's contents, with the preprocessing, the threshold and the combined score.</param>
public sealed record FittedDetector(AnomalyDetector Detector, TrainingResult Training, SavedModel Saved);

/// <summary>
/// The unsupervised anomaly recipe in one call, for rows that may contain anomalies and carry no labels: the path the wide
/// benchmark ranks best for such data and the one <c>bottleneck train</c> takes on CSV rows given no flags (or with
/// <c>--contaminated</c>), step for step, so a model fitted here scores exactly as that command's model does.
/// </summary>
/// <remarks>
/// The steps (each a public default of <see cref="AnomalyDefaults"/>): robust scaling x' = (x − median)/(IQR/1.349) fitted on the
/// rows (<see cref="AnomalyDefaults.UnsupervisedScaling"/>); the dense autoencoder D-64-(32)-64-D with batch norm, dropout 0.2 and
/// a tanh-bounded output (<see cref="AnomalyDefaults.UnsupervisedArchitecture"/>), trained 10 epochs of batch 32 with Adam 1e-3
/// and weight decay 1e-5 on every row (<see cref="AnomalyDefaults.UnsupervisedTraining"/>); the score s = (z_MAE + z_M)/2, the
/// mean absolute reconstruction error and the robust Mahalanobis distance of the scaled row, each z-scored on the training rows'
/// scores (<see cref="DistanceScore"/>); the threshold <c>contamination:0.1</c> fitted on the training rows' scores. How it was
/// chosen (leave-one-dataset-out over 17 ODDS/ADBench sets) and how it compares with IsolationForest and PyOD: docs/anomaly.md.
/// When some rows are known to be normal, train on those instead (semi-supervised detection, <c>--normal-only</c>).
/// </remarks>
public static class UnsupervisedDetector
{
    /// <summary>Fits the unsupervised recipe on <paramref name="rows"/>.</summary>
    /// <param name="rows">Training rows, N × D numeric features (labels, if any, are ignored); anomalies among them are expected.
    /// Categorical columns must be encoded first (<see cref="TabularEncoder"/>; pass it as <paramref name="tabular"/>).</param>
    /// <param name="seed">Seed of the initialisation, order and dropout (default 0; <c>train --seed</c>).</param>
    /// <param name="threshold">Threshold rule fitted on the training rows' scores (default null = <c>contamination:0.1</c>,
    /// <see cref="AnomalyDefaults.UnsupervisedThreshold"/>).</param>
    /// <param name="tabular">The tabular encoding <paramref name="rows"/> came from, kept with the detector so it scores raw CSV
    /// rows (default null: numeric rows).</param>
    /// <param name="context">Progress and cancellation (default: none).</param>
    /// <returns>The detector, the training run and the model folder's contents.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="rows"/> is null.</exception>
    /// <exception cref="DataException"><paramref name="rows"/> has fewer than 2 rows, is image or sequence data, or holds a non-finite value.</exception>
    /// <exception cref="ArgumentException"><paramref name="threshold"/> needs labels (f1).</exception>
    public static FittedDetector Fit(Dataset rows, ulong seed = 0, Threshold? threshold = null, TabularEncoder? tabular = null, FitContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Image != null || rows.Sequence != null)
            throw new DataException($"{rows.Source}: the unsupervised recipe takes rows of features, not {(rows.Image != null ? "images" : "sequences")}", rows.Source);
        if (rows.Rows < 2) throw new DataException($"{rows.Source}: the unsupervised recipe needs at least 2 rows, got {rows.Rows}", rows.Source);
        var rule = threshold ?? Threshold.Parse(AnomalyDefaults.UnsupervisedThreshold);
        if (rule.NeedsLabels)
            throw new ArgumentException($"threshold {rule} needs labelled anomalies; fit it on labelled rows afterwards with AnomalyDetector.FitThreshold", nameof(threshold));
        CheckFinite(rows);

        var preprocessor = Preprocessor.Fit(rows, AnomalyDefaults.UnsupervisedScaling);
        var x = preprocessor.Transform(rows);
        var config = AnomalyDefaults.UnsupervisedArchitecture(rows.FeatureCount);
        var options = AnomalyDefaults.UnsupervisedTraining(seed);
        var model = ModelRegistry.Create(config, new Rng(seed));
        var training = ModelRegistry.CreateFit(config, options).Fit(model, RowSource.For(model, x, "training data"), null, context ?? new FitContext());
        model.Eval();

        var detector = new AnomalyDetector(model, preprocessor, tabular, error: AnomalyDefaults.UnsupervisedError);
        if (AnomalyDefaults.UnsupervisedDistance) detector.Scorer.Distance = DistanceScore.Fit(detector.Scorer, x);
        var state = detector.FitThreshold(rule, x);
        var saved = new SavedModel(model, preprocessor.State, options, training.History, null, rows.Source, tabular?.State)
            .WithAnomaly(state, null).WithDistanceScore(detector.Scorer.Distance);
        return new FittedDetector(detector, training, saved);
    }

    private static void CheckFinite(Dataset rows)
    {
        var f = rows.Features;
        int d = rows.FeatureCount;
        for (int i = 0; i < f.Length; i++)
            if (!float.IsFinite(f[i]))
                throw new DataException($"{rows.Source}: row {i / d + 1}, feature {i % d + 1} is {f[i]}; impute or drop missing values first (TabularOptions)", rows.Source);
    }
}
