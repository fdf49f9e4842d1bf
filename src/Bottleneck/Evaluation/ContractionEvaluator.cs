using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Training;

namespace Bottleneck.Evaluation;

/// <summary>How contractive an encoder is around the data (Rifai et al., ICML 2011): the mean Frobenius norm of its Jacobian.</summary>
public static class ContractionEvaluator
{
    /// <summary>Mean over the rows of <paramref name="data"/> of the exact ‖∂h/∂x‖_F (not squared), without autograd, in batches.</summary>
    /// <param name="encoder">A plain encoder's layers, input side first (e.g. <c>DenseAutoencoder.EncoderLayers</c>).</param>
    /// <param name="data">Samples (N, D), D the first layer's input width.</param>
    /// <param name="batchSize">Rows per batch (default 256).</param>
    /// <returns>The mean norm in code units per input unit.</returns>
    /// <exception cref="ArgumentException">No layers, or an activation whose derivative is not a function of its output (GELU).</exception>
    public static double MeanFrobeniusNorm(IReadOnlyList<EncoderLayer> encoder, Dataset data, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(data);
        double sum = 0;
        Batching.InOrder(new RowSource(data), batchSize, (batch, _) =>
        {
            foreach (float v in EncoderJacobian.SquaredFrobenius(encoder, ((RowBatch)batch).Input).Span) sum += Math.Sqrt(Math.Max(v, 0f));
        });
        return data.Rows == 0 ? 0 : sum / data.Rows;
    }
}
