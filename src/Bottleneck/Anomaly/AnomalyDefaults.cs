using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.NN;
using Bottleneck.Training;

namespace Bottleneck.Anomaly;

/// <summary>
/// Defaults for anomaly detection when the user gives no architecture: <see cref="DenseArchitecture"/> for training data of
/// normal rows only (semi-supervised), and the <c>Unsupervised*</c> recipe for training data that may contain anomalies.
/// </summary>
public static class AnomalyDefaults
{
    /// <summary>
    /// The default dense architecture for input width D:
    /// one hidden layer of clamp(⌈D/2⌉, 8, 256) ReLU units and a linear code of clamp(round(D/8), 2, 32) units, mirrored in the
    /// decoder, linear output with squared error (for standardized data). Examples: shuttle D = 9 → 9-8-2-8-9; cardio 21 → 21-11-3-11-21;
    /// ionosphere 33 → 33-17-4-17-33; KDD one-hot D ≈ 120 → 120-60-15-60-120; arrhythmia 274 → 274-137-32-137-274.
    /// </summary>
    /// <remarks>
    /// Rationale: the code must be narrow enough that the model cannot learn the identity (so unusual rows reconstruct badly),
    /// and wide enough to represent normal rows; D/8 with a floor of 2 and a cap of 32 keeps the compression ratio between about
    /// 4 and 8 for typical tabular widths. The hidden layer halves the width; its floor of 8 keeps tiny inputs trainable.
    /// </remarks>
    /// <param name="inputDim">D, ≥ 1.</param>
    /// <param name="output">The likelihood (default null = <see cref="Likelihood.Gaussian"/>, linear output with squared error, for standardized inputs).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inputDim"/> &lt; 1.</exception>
    public static DenseConfig DenseArchitecture(int inputDim, Likelihood? output = null)
    {
        if (inputDim < 1) throw new ArgumentOutOfRangeException(nameof(inputDim), inputDim, "inputDim must be ≥ 1");
        return new DenseConfig(inputDim, [HiddenWidth(inputDim)], LatentWidth(inputDim), Activation.Relu, Activation.Identity, output ?? Likelihood.Gaussian);
    }

    /// <summary>
    /// The recipe's architecture for training data that may contain anomalies (unsupervised detection, e.g. PyOD's benchmark
    /// protocol): D-64-32-64-D with ReLU hidden layers and a ReLU code, BatchNorm1d and dropout 0.2 after each hidden layer
    /// (PyOD's AutoEncoder network, Zhao et al., "PyOD", JMLR 2019), and a tanh output trained with squared error on
    /// standardized data. Train it with <see cref="UnsupervisedTraining"/> and score with <see cref="UnsupervisedError"/>.
    /// </summary>
    /// <remarks>
    /// Why: an autoencoder trained on contaminated data learns to reconstruct the anomalies too. Three things keep it from doing
    /// so. Short, regularized training (dropout, batch norm, weight decay, 10 epochs) leaves the rare rows under-fitted. The tanh
    /// output bounds every reconstructed feature to ±1 (one standard deviation of the training data), so a value far from the
    /// bulk cannot be reconstructed however the weights fit it, and its error grows with its distance beyond ±1. The absolute
    /// error score keeps one extreme feature from dominating a row's score the way its square would. Measured on the four
    /// ODDS sets in docs/benchmarks.md (10 seeds, mean ROC-AUC): cardio 0.915, arrhythmia 0.814, ionosphere 0.878, shuttle
    /// 0.995, against 0.793/0.775/0.927/0.975 for the same network with a linear output and squared-error score. On
    /// ionosphere, whose anomalies are not extreme values, the bounded output costs 0.05.
    /// </remarks>
    /// <param name="inputDim">D, ≥ 1.</param>
    /// <param name="output">The likelihood (default null = <see cref="Likelihood.BoundedGaussian"/>, the bounded tanh output;
    /// <see cref="Likelihood.Gaussian"/> gives PyOD's network unchanged, for comparison).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inputDim"/> &lt; 1.</exception>
    public static DenseConfig UnsupervisedArchitecture(int inputDim, Likelihood? output = null)
    {
        if (inputDim < 1) throw new ArgumentOutOfRangeException(nameof(inputDim), inputDim, "inputDim must be ≥ 1");
        return new DenseConfig(inputDim, [UnsupervisedHidden], UnsupervisedLatent, Activation.Relu, Activation.Relu, output ?? Likelihood.BoundedGaussian,
            dropout: UnsupervisedDropout, batchNorm: true);
    }

    /// <summary>Hidden width of <see cref="UnsupervisedArchitecture"/>: 64.</summary>
    public const int UnsupervisedHidden = 64;
    /// <summary>Code width of <see cref="UnsupervisedArchitecture"/>: 32.</summary>
    public const int UnsupervisedLatent = 32;
    /// <summary>Dropout of <see cref="UnsupervisedArchitecture"/>: 0.2.</summary>
    public const float UnsupervisedDropout = 0.2f;

    /// <summary>
    /// The recipe's training: Adam, learning rate 1e-3, weight decay 1e-5 (L2, PyTorch semantics), 10 epochs of batch 32 (PyOD's
    /// AutoEncoder defaults). Fit it on standardized data.
    /// </summary>
    /// <param name="seed">Seed for shuffling and dropout (default 0).</param>
    public static TrainingOptions UnsupervisedTraining(ulong seed = 0) =>
        new(epochs: UnsupervisedEpochs, batchSize: UnsupervisedBatchSize, learningRate: 1e-3f, weightDecay: UnsupervisedWeightDecay, seed: seed);

    /// <summary>Epochs of <see cref="UnsupervisedTraining"/>: 10.</summary>
    public const int UnsupervisedEpochs = 10;
    /// <summary>Batch size of <see cref="UnsupervisedTraining"/>: 32.</summary>
    public const int UnsupervisedBatchSize = 32;
    /// <summary>Weight decay of <see cref="UnsupervisedTraining"/>: 1e-5.</summary>
    public const float UnsupervisedWeightDecay = 1e-5f;

    /// <summary>
    /// The recipe's threshold rule, <c>contamination:0.1</c>: flag the 10% highest-scoring rows of the training data (PyOD's
    /// default contamination). Give the expected share instead when it is known.
    /// </summary>
    public const string UnsupervisedThreshold = "contamination:0.1";

    /// <summary>The recipe's reconstruction error: mean absolute error (<see cref="ReconstructionError.Mae"/>).</summary>
    public const ReconstructionError UnsupervisedError = ReconstructionError.Mae;

    /// <summary>
    /// The recipe's scaling of numeric rows: <see cref="ScalingKind.Robust"/> (median and IQR/1.349 per feature, fitted on the
    /// training rows), so the anomalies mixed into them move the centre and scale less than the mean and sd, and the tanh output's
    /// ±1 bound sits at about ±1 sd of the bulk. Chosen with <see cref="UnsupervisedDistance"/> by the wide benchmark's selection
    /// (docs/anomaly.md). Tabular CSVs keep their encoding's standardization; <c>train --stream</c> standardizes (one pass gives no
    /// quartiles).
    /// </summary>
    public const ScalingKind UnsupervisedScaling = ScalingKind.Robust;

    /// <summary>
    /// Whether the recipe's score combines <see cref="UnsupervisedError"/> with the robust Mahalanobis distance of the row
    /// (<see cref="DistanceScore"/>: each z-scored on the training rows, then averaged): true. Chosen over the error alone by the
    /// wide benchmark's leave-one-dataset-out selection with the one-standard-error rule (docs/anomaly.md). Applies to the dense
    /// kind trained in memory (<c>train --contaminated</c> and <c>train</c> with no flags on CSV rows), not to <c>train --stream</c>.
    /// </summary>
    public const bool UnsupervisedDistance = true;

    /// <summary>clamp(⌈D/2⌉, 8, 256).</summary>
    public static int HiddenWidth(int inputDim) => Math.Clamp((inputDim + 1) / 2, 8, 256);

    /// <summary>clamp(round(D/8), 2, 32) (round half away from zero).</summary>
    public static int LatentWidth(int inputDim) => Math.Clamp((int)Math.Round(inputDim / 8.0, MidpointRounding.AwayFromZero), 2, 32);
}
