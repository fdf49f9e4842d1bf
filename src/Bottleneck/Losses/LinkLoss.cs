using System.Numerics.Tensors;
using Bottleneck.Autograd;
using Bottleneck.Kernels;
using Bottleneck.Tensors;

namespace Bottleneck.Losses;

/// <summary>
/// Reconstruction losses of graph autoencoders (Kipf &amp; Welling 2016) for the inner-product decoder p(A_ij = 1 | z) = σ(z_iᵀz_j).
/// </summary>
public static class LinkLoss
{
    /// <summary>
    /// The weighted full-adjacency BCE of the reference GAE code (tkipf/gae), fused:
    /// L = norm · mean_ij [ pw · y_ij · softplus(−x_ij) + (1 − y_ij) · softplus(x_ij) ] with x = Z·Zᵀ, i.e. PyTorch's
    /// <c>norm * F.binary_cross_entropy_with_logits(Z @ Z.T, labels, pos_weight=pw)</c>.
    /// Shape: Z (N, k), labels (N, N) sparse 0/1 (its stored entries are the 1s) → 0-d; <paramref name="logits"/> receives x (N, N), no gradient.
    /// </summary>
    /// <remarks>One recorded op with a hand-written backward: ∂L/∂x_ij = norm/N² · [(1 − y)σ(x) − pw·y·σ(−x)] and
    /// ∂L/∂Z = G·Z + Gᵀ·Z. Memory: the N² logits are kept for the backward (Cora: 29 MB), so this is for graphs whose dense
    /// adjacency fits; larger graphs use <see cref="SampledBce"/>.</remarks>
    /// <param name="z">Node embeddings Z (N, k).</param>
    /// <param name="labels">The targets y as a sparse pattern (N, N); stored values are ignored, every stored entry is a 1.</param>
    /// <param name="posWeight">pw &gt; 0, the weight of positive entries; the reference uses (N² − ΣA) / ΣA.</param>
    /// <param name="norm">The overall factor; the reference uses N² / (2(N² − ΣA)).</param>
    /// <param name="logits">The logits x = Z·Zᵀ (N, N), a tensor outside autograd.</param>
    /// <returns>Nats per entry (scaled by norm), 0-d.</returns>
    /// <exception cref="ShapeException">Z is not 2-D or labels are not (N, N).</exception>
    /// <exception cref="ArgumentOutOfRangeException">pw or norm is not positive and finite.</exception>
    public static Tensor DenseAdjacencyBce(Tensor z, CsrMatrix labels, float posWeight, float norm, out Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(z);
        ArgumentNullException.ThrowIfNull(labels);
        if (z.Rank != 2) throw new ShapeException($"adjacency BCE: embeddings must be (N, k), got {z.ShapeString}");
        int n = z.Dim(0), k = z.Dim(1);
        if (labels.Rows != n || labels.Columns != n)
            throw new ShapeException($"adjacency BCE: labels are ({labels.Rows}, {labels.Columns}), embeddings {z.ShapeString} need ({n}, {n})");
        if (!(posWeight > 0) || !float.IsFinite(posWeight)) throw new ArgumentOutOfRangeException(nameof(posWeight), posWeight, $"posWeight must be > 0, got {posWeight}");
        if (!(norm > 0) || !float.IsFinite(norm)) throw new ArgumentOutOfRangeException(nameof(norm), norm, $"norm must be > 0, got {norm}");
        logits = Tensor.Empty([n, n]);
        Gemm.Sgemm(false, true, n, n, k, 1f, z.Span, k, z.Span, k, 0f, logits.Span, n);
        double total = RowLoop(n, logits, (row, x, tmp) =>
        {
            // softplus(x) = max(x, 0) + ln(1 + e^−|x|)
            var tail = tmp[..x.Length];
            TensorPrimitives.Abs(x, tail);
            TensorPrimitives.Negate(tail, tail);
            TensorPrimitives.Exp(tail, tail);
            TensorPrimitives.Add(tail, 1f, tail);
            TensorPrimitives.Log(tail, tail);
            double s = TensorPrimitives.Sum(tail);
            var relu = tmp.Slice(x.Length, x.Length);
            TensorPrimitives.Max(x, 0f, relu);
            s += TensorPrimitives.Sum(relu);
            // a positive entry costs pw·softplus(−x) = pw·(softplus(x) − x) instead of softplus(x)
            for (int p = labels.RowPointers[row]; p < labels.RowPointers[row + 1]; p++)
            {
                int j = labels.ColumnIndices[p];
                double sp = tmp[j] + Math.Max(x[j], 0f);
                s += posWeight * (sp - x[j]) - sp;
            }
            return s;
        });
        var loss = Tensor.Scalar((float)(total * norm / ((double)n * n)));
        return Function.Needs(z) ? Function.Record(new DenseAdjacencyBceFn(labels, posWeight, norm / ((float)n * n), logits), loss, z) : loss;
    }

    /// <summary>
    /// The negative-sampling reconstruction loss (PyTorch Geometric's <c>GAE.recon_loss</c>):
    /// L = −mean_(i,j)∈pos ln σ(z_iᵀz_j) − mean_(i,j)∈neg ln(1 − σ(z_iᵀz_j)), composed from differentiable primitives.
    /// Shape: Z (N, k), P positive and M negative pairs → 0-d; <paramref name="logits"/> receives the P + M pair logits, positives first.
    /// </summary>
    /// <param name="z">Node embeddings Z (N, k).</param>
    /// <param name="positive">Positive pairs as (source, target) node indices, P ≥ 1.</param>
    /// <param name="negative">Negative pairs, M ≥ 1.</param>
    /// <param name="logits">The P + M logits z_iᵀz_j (differentiable).</param>
    /// <returns>Nats, 0-d.</returns>
    /// <exception cref="ArgumentException">A pair list is empty or its two index lists differ in length.</exception>
    public static Tensor SampledBce(Tensor z, (int[] Source, int[] Target) positive, (int[] Source, int[] Target) negative, out Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(z);
        var pos = PairLogits(z, positive.Source, positive.Target, "positive");
        var neg = PairLogits(z, negative.Source, negative.Target, "negative");
        logits = Tensor.Concat([pos, neg]);
        return pos.Neg().Softplus().Mean() + neg.Softplus().Mean();
    }

    /// <summary>The logits z_sᵀz_t of pairs (s, t), differentiable. Shape: Z (N, k) → (P).</summary>
    /// <param name="z">Node embeddings (N, k).</param>
    /// <param name="source">s of each pair.</param>
    /// <param name="target">t of each pair.</param>
    /// <param name="what">Name of the pair list, for messages (default "pair").</param>
    /// <exception cref="ArgumentException">The lists are empty or differ in length.</exception>
    public static Tensor PairLogits(Tensor z, int[] source, int[] target, string what = "pair")
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        if (source.Length != target.Length) throw new ArgumentException($"{what} lists differ in length: {source.Length} sources, {target.Length} targets");
        if (source.Length == 0) throw new ArgumentException($"no {what} pairs");
        return (z.IndexSelect(0, source) * z.IndexSelect(0, target)).Sum(1);
    }

    /// <summary>Runs <paramref name="body"/> over the rows of an (n, n) tensor in parallel blocks; returns the sum of its results.</summary>
    internal static double RowLoop(int n, Tensor m, Func<int, Span<float>, Span<float>, double> body)
    {
        int blocks = Math.Max(1, Math.Min(Environment.ProcessorCount * 2, n / 64));
        var partial = new double[blocks];
        var buffer = m.Buffer;
        int offset = m.Offset;
        Parallel.For(0, blocks, b =>
        {
            int r0 = (int)((long)n * b / blocks), r1 = (int)((long)n * (b + 1) / blocks);
            var tmp = new float[2 * n];
            double s = 0;
            for (int i = r0; i < r1; i++) s += body(i, buffer.AsSpan(offset + i * n, n), tmp);
            partial[b] = s;
        });
        return partial.Sum();
    }
}

/// <summary>Backward of <see cref="LinkLoss.DenseAdjacencyBce"/>: G = c·[(1 − y)σ(x) − pw·y·σ(−x)], ∂L/∂Z = (G + Gᵀ)·Z scaled by the upstream gradient.</summary>
internal sealed class DenseAdjacencyBceFn(CsrMatrix labels, float posWeight, float scale, Tensor logits) : Function
{
    public override string Name => "adjacency_bce";

    protected internal override void Backward(Tensor grad)
    {
        var z = Inputs[0];
        int n = z.Dim(0), k = z.Dim(1);
        float c = scale * grad.Item();
        var g = Tensor.Empty([n, n]);
        var gb = g.Buffer;
        int go = g.Offset;
        var lb = logits.Buffer;
        int lo = logits.Offset;
        LinkLoss.RowLoop(n, g, (row, gRow, _) =>
        {
            var x = lb.AsSpan(lo + row * n, n);
            VectorMath.Sigmoid(x, gRow);
            for (int p = labels.RowPointers[row]; p < labels.RowPointers[row + 1]; p++)
            {
                int j = labels.ColumnIndices[p];
                gRow[j] = -posWeight * (1f - gRow[j]);
            }
            TensorPrimitives.Multiply(gRow, c, gRow);
            return 0;
        });
        var gz = Tensor.Empty([n, k]);
        // x = Z·Zᵀ is symmetric, so G is symmetric when the labels are (A + I of an undirected graph): then (G + Gᵀ)·Z = 2·G·Z.
        if (labels.IsSymmetric) Gemm.Sgemm(false, false, n, k, n, 2f, g.Span, n, z.Span, k, 0f, gz.Span, k);
        else
        {
            Gemm.Sgemm(false, false, n, k, n, 1f, g.Span, n, z.Span, k, 0f, gz.Span, k);
            Gemm.Sgemm(true, false, n, k, n, 1f, g.Span, n, z.Span, k, 1f, gz.Span, k);
        }
        Accumulate(z, gz, true);
    }
}
