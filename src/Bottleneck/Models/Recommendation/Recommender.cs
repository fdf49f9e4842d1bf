using Bottleneck.Data;
using Bottleneck.Training;

namespace Bottleneck.Models.Recommendation;

/// <summary>
/// Scores every item for users from what the model is shown of them: the reconstruction of each user's row (Mult-DAE, Mult-VAE:
/// the multinomial probabilities; U-AutoRec: predicted ratings), or for I-AutoRec the user's column of the reconstructed item rows.
/// Eval mode, no dropout, no autograd; a Mult-VAE scores with z = μ.
/// </summary>
/// <remarks>Shapes: the result is users × items, row-major, over the ids of the matrix given.</remarks>
public static class Recommender
{
    /// <summary>The scores (users × items) of the users of <paramref name="known"/> given their interactions in it.</summary>
    /// <param name="model">An autorec, mult-dae or mult-vae model.</param>
    /// <param name="known">The interactions shown to the model, over its ids (the model's width).</param>
    /// <param name="batchSize">Rows per batch (default 256).</param>
    /// <exception cref="ArgumentException">Not a recommendation model, or widths differ.</exception>
    public static float[] Scores(AutoencoderModel model, RatingMatrix known, int batchSize = 256)
    {
        var layout = RowLayout.Of(model);
        var rows = RatingRows.For(model, known);
        int users = known.Users.Count, items = known.Items.Count, width = rows.Width;
        var scores = new float[(long)users * items];
        Batching.InOrder(model, rows, batchSize, (batch, start) =>
        {
            var mean = model.Reconstruct((RowBatch)batch).Span;
            for (int r = 0; r < batch.Count; r++)
            {
                var row = mean.Slice(r * width, width);
                if (!layout.ByItem) row.CopyTo(scores.AsSpan((start + r) * items, items));
                else
                {
                    int item = start + r;
                    for (int u = 0; u < users; u++) scores[(long)u * items + item] = row[u];
                }
            }
        });
        return scores;
    }
}
