using Bottleneck.Anomaly;
using Bottleneck.Models;

namespace Bottleneck.Cli.Kinds;

/// <summary>The architecture the anomaly-detector kinds (robust-ae, randnet) start from when --hidden/--latent are not given: the
/// default-architecture rule of <see cref="AnomalyDefaults.DenseArchitecture"/> (hidden clamp(⌈D/2⌉, 8, 256), code
/// clamp(round(D/8), 2, 32)), and a linear-mse output on standardised data.</summary>
public static class DetectorDefaults
{
    /// <summary>The hidden widths: --hidden when given, else the rule's.</summary>
    /// <param name="architecture">What was typed.</param>
    /// <param name="data">The data facts.</param>
    public static int[] Hidden(DenseArchitecture architecture, KindData data) =>
        architecture.Hidden ?? AnomalyDefaults.DenseArchitecture(data.InputDim).Hidden;

    /// <summary>The code width: --latent when given, else the rule's.</summary>
    /// <param name="architecture">What was typed.</param>
    /// <param name="data">The data facts.</param>
    public static int Latent(DenseArchitecture architecture, KindData data) =>
        architecture.Latent ?? AnomalyDefaults.DenseArchitecture(data.InputDim).LatentDim;

    /// <summary>The output: --output when given, else linear-mse (standardised data).</summary>
    /// <param name="architecture">What was typed.</param>
    public static Likelihood Output(DenseArchitecture architecture) => architecture.Output ?? Likelihood.Gaussian;

    /// <summary>Refuses the dense options a detector kind does not read (tied weights, dropout, batch norm, penalties, code activation, noise).</summary>
    /// <param name="architecture">What was typed.</param>
    /// <param name="kind">The kind, for the message.</param>
    /// <exception cref="ArgumentException">One of them was given.</exception>
    public static void CheckPlain(DenseArchitecture architecture, string kind)
    {
        string? extra = architecture.Tied ? "--tied" : architecture.Dropout != null ? "--dropout" : architecture.BatchNorm ? "--batch-norm"
            : architecture.L1 > 0 ? "--l1" : architecture.L2 > 0 ? "--l2" : architecture.LatentActivation != null ? "--latent-activation"
            : architecture.Noise != null ? "--noise" : null;
        if (extra != null) throw new ArgumentException($"{extra} does not apply to --kind {kind} (it takes --hidden, --latent, --activation, --output and its own options)");
    }
}
