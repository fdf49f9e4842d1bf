using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models;

/// <summary>
/// Multilayer perceptrons as the dense, variational and other MLP-based kinds build them: Linear [BatchNorm1d] activation
/// [Dropout] per hidden layer, PyTorch's default initialisation (weights and biases U(−1/√fan_in, 1/√fan_in)), with the
/// layer numbering of PyTorch's nn.Sequential so state-dict names match.
/// </summary>
public static class Mlp
{
    /// <summary>
    /// widths[0] → widths[1] → … → widths[^1]: Linear, then for every layer but the last [BatchNorm1d] <paramref name="hidden"/>
    /// [Dropout]; the last Linear is followed by <paramref name="last"/> unless it is the identity. Shapes: (N, widths[0]) →
    /// (N, widths[^1]).
    /// </summary>
    /// <param name="widths">Layer widths, input first; at least two, each ≥ 1.</param>
    /// <param name="hidden">Activation after each hidden Linear.</param>
    /// <param name="last">Activation after the last Linear (<see cref="Activation.Identity"/> for none).</param>
    /// <param name="rng">Generator for the initial weights and the dropout layers' own generators.</param>
    /// <param name="batchNorm">BatchNorm1d before each hidden activation (default false).</param>
    /// <param name="dropout">Dropout probability after each hidden activation, 0 (default) for none.</param>
    /// <param name="linears">Receives the Linear layers in order, when given.</param>
    /// <exception cref="ArgumentException">Fewer than two widths.</exception>
    public static Sequential Stack(int[] widths, Activation hidden, Activation last, Rng rng, bool batchNorm = false, float dropout = 0f,
        List<Linear>? linears = null)
    {
        ArgumentNullException.ThrowIfNull(widths);
        ArgumentNullException.ThrowIfNull(rng);
        if (widths.Length < 2) throw new ArgumentException($"an MLP needs at least an input and an output width, got {widths.Length}", nameof(widths));
        var seq = new Sequential();
        for (int i = 0; i < widths.Length - 1; i++)
        {
            var lin = new Linear(widths[i], widths[i + 1], rng);
            linears?.Add(lin);
            seq.Add(lin);
            if (i == widths.Length - 2)
            {
                if (last != Activation.Identity) seq.Add(new ActivationLayer(last));
                continue;
            }
            if (batchNorm) seq.Add(new BatchNorm1d(widths[i + 1]));
            seq.Add(new ActivationLayer(hidden));
            if (dropout > 0) seq.Add(new NN.Dropout(rng.Fork(), dropout));
        }
        return seq;
    }
}
