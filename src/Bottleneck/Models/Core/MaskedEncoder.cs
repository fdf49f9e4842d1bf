using Bottleneck.Tensors;

namespace Bottleneck.Models;

/// <summary>
/// An encoder of the composed <see cref="Autoencoder"/> that reads the batch mask (<see cref="RowBatch.Mask"/>), so that padded time
/// steps (mask 0) change nothing it computes: the composed model passes the mask to it in <see cref="Autoencoder.Step"/> and
/// <see cref="Autoencoder.Encode(RowBatch)"/>, and reports <see cref="AutoencoderModel.IgnoresPadding"/>. Shapes: x (N, …), mask the
/// shape of x or null → h (N, H).
/// </summary>
public interface IMaskedEncoder
{
    /// <summary>h for inputs <paramref name="x"/>, ignoring what <paramref name="mask"/> marks 0 (all of x when null).</summary>
    /// <param name="x">Inputs (N, …).</param>
    /// <param name="mask">1/0 per value of x, or null.</param>
    Tensor Forward(Tensor x, Tensor? mask);
}
