using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.NN;

namespace Bottleneck.Anomaly;

/// <summary>Defaults for anomaly detection when the user gives no architecture.</summary>
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
    /// <param name="output">Output activation and loss (default <see cref="Reconstruction.LinearMse"/>, for standardized inputs).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inputDim"/> &lt; 1.</exception>
    public static DenseConfig DenseArchitecture(int inputDim, Reconstruction output = Reconstruction.LinearMse)
    {
        if (inputDim < 1) throw new ArgumentOutOfRangeException(nameof(inputDim), inputDim, "inputDim must be ≥ 1");
        return new DenseConfig(inputDim, [HiddenWidth(inputDim)], LatentWidth(inputDim), Activation.Relu, Activation.Identity, output);
    }

    /// <summary>clamp(⌈D/2⌉, 8, 256).</summary>
    public static int HiddenWidth(int inputDim) => Math.Clamp((inputDim + 1) / 2, 8, 256);

    /// <summary>clamp(round(D/8), 2, 32) (round half away from zero).</summary>
    public static int LatentWidth(int inputDim) => Math.Clamp((int)Math.Round(inputDim / 8.0, MidpointRounding.AwayFromZero), 2, 32);
}
