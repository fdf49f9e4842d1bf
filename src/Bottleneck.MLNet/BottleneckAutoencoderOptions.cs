using Bottleneck.Anomaly;
using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Models.Dense;

namespace Bottleneck.MLNet;

/// <summary>
/// Settings of <see cref="BottleneckAutoencoderEstimator"/>. The defaults are the <c>bottleneck train</c> defaults for anomaly
/// training on normal rows (<c>--normal-only</c>): the dense architecture of <see cref="AnomalyDefaults.DenseArchitecture"/>
/// (D-⌈D/2⌉-round(D/8)-⌈D/2⌉-D, linear output, squared error), standardized features, 10% of the rows held out for validation,
/// 10 epochs of Adam (learning rate 1e-3, batch 128), seed 0, and a threshold at the 99th percentile of the training errors,
/// so the same rows give the same model as the CLI.
/// </summary>
public sealed record BottleneckAutoencoderOptions
{
    /// <summary>The model to fit: a config of any registered kind (a <see cref="DenseConfig"/>, a variational config, …; its kind's
    /// fit procedure trains it), or null (default) for the dense <see cref="AnomalyDefaults.DenseArchitecture"/> of the feature width.
    /// Its <c>InputDim</c> must equal the width of the feature column (a kind with a sample shape, e.g. [C, H, W], sees each row in it).</summary>
    public ModelConfig? Config { get; init; }

    /// <summary>Passes over the training rows (default 10, ≥ 1).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Rows per step (default 128, ≥ 1).</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Adam's learning rate (default 1e-3, &gt; 0).</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>Fraction of the rows held out (seeded) for the validation loss, in [0, 1) (default 0.1).</summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>Feature scaling fitted on the training part (default <see cref="ScalingKind.Standardize"/>: (x − μ) / σ per feature).</summary>
    public ScalingKind Scaling { get; init; } = ScalingKind.Standardize;

    /// <summary>The anomaly threshold rule fitted on the training errors, in <see cref="Threshold.Parse"/> form (default "p99":
    /// the 99th percentile; also "mean+3sd", "contamination:0.05" or a number). Rules that need labels (f1) are not accepted.</summary>
    public string Threshold { get; init; } = "p99";

    /// <summary>Seed of the split, the initialization, shuffling and dropout (default 0).</summary>
    public ulong Seed { get; init; }
}
