using Bottleneck.Tensors;

namespace Bottleneck.NN;

/// <summary>
/// Multi-head self-attention (Vaswani et al., 2017) as PyTorch's nn.MultiheadAttention with batch_first=True and q = k = v:
/// [Q, K, V] = x·W_inᵀ + b_in; per head h, A_h = softmax(Q_h·K_hᵀ/√d + M)·V_h with d = E/heads; y = concat_h(A_h)·W_outᵀ + b_out.
/// M is −∞ where a mask forbids attending (causal: key after query; padding: key is padding), else 0; dropout on the attention
/// weights in training. Shape: x (N, T, E) → y (N, T, E). Parameters <c>in_proj_weight</c> (3E, E), <c>in_proj_bias</c> (3E),
/// <c>out_proj.weight</c> (E, E), <c>out_proj.bias</c> (E). Legend: N batch, T time steps, E embedding size.
/// Composed from differentiable ops (linear, matmul, softmax, where), so its backward is theirs.
/// </summary>
public sealed class MultiheadAttention : Module
{
    private readonly Rng _rng;

    /// <summary>Creates the layer with PyTorch's initialisation: in_proj_weight Xavier-uniform, in_proj_bias and out_proj.bias 0,
    /// out_proj.weight U(−1/√E, 1/√E).</summary>
    /// <param name="embedDim">E, ≥ 1, divisible by <paramref name="numHeads"/>.</param>
    /// <param name="numHeads">Number of heads, ≥ 1.</param>
    /// <param name="rng">Initial weights and, outside a training step's noise scope, dropout masks.</param>
    /// <param name="dropout">Dropout on the attention weights in training, in [0, 1) (default 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1, E not divisible by the heads, or dropout outside [0, 1).</exception>
    public MultiheadAttention(int embedDim, int numHeads, Rng rng, float dropout = 0f)
    {
        if (embedDim < 1) throw new ArgumentOutOfRangeException(nameof(embedDim), $"embedDim must be ≥ 1, got {embedDim}");
        if (numHeads < 1 || embedDim % numHeads != 0)
            throw new ArgumentOutOfRangeException(nameof(numHeads), $"numHeads must be ≥ 1 and divide embedDim {embedDim}, got {numHeads}");
        if (!(dropout >= 0f && dropout < 1f)) throw new ArgumentOutOfRangeException(nameof(dropout), $"dropout must be in [0, 1), got {dropout}");
        EmbedDim = embedDim; NumHeads = numHeads; DropoutProbability = dropout;
        _rng = rng;
        using (TensorScope.Untracked())
        {
            InProjWeight = RegisterParameter("in_proj_weight", Tensor.Zeros(3 * embedDim, embedDim));
            InProjBias = RegisterParameter("in_proj_bias", Tensor.Zeros(3 * embedDim));
        }
        OutProj = RegisterModule("out_proj", new Linear(embedDim, embedDim, rng));
        Init.XavierUniform(InProjWeight, rng);
        OutProj.Bias!.Span.Clear();
    }

    /// <summary>E.</summary>
    public int EmbedDim { get; }
    /// <summary>Number of heads.</summary>
    public int NumHeads { get; }
    /// <summary>Dropout on the attention weights in training.</summary>
    public float DropoutProbability { get; }
    /// <summary>W_in = [W_q; W_k; W_v], (3E, E).</summary>
    public Tensor InProjWeight { get; }
    /// <summary>b_in, (3E).</summary>
    public Tensor InProjBias { get; }
    /// <summary>The output projection.</summary>
    public Linear OutProj { get; }

    /// <summary>Self-attention without masks.</summary>
    public override Tensor Forward(Tensor input) => Forward(input, false, null);

    /// <summary>Self-attention over <paramref name="input"/> (N, T, E).</summary>
    /// <param name="input">x, (N, T, E).</param>
    /// <param name="causal">Each step attends only to itself and earlier steps.</param>
    /// <param name="keyPaddingMask">(N, T), nonzero where the step is padding (no query attends to it), or null.</param>
    /// <exception cref="ShapeException">x is not (N, T, E) or the mask is not (N, T).</exception>
    public Tensor Forward(Tensor input, bool causal, Tensor? keyPaddingMask)
    {
        if (input.Rank != 3 || input.Dim(2) != EmbedDim)
            throw new ShapeException($"multi-head attention: input must be (N, T, {EmbedDim}), got {input.ShapeString}");
        int n = input.Dim(0), t = input.Dim(1), h = NumHeads, d = EmbedDim / h;
        if (keyPaddingMask != null && (keyPaddingMask.Rank != 2 || keyPaddingMask.Dim(0) != n || keyPaddingMask.Dim(1) != t))
            throw new ShapeException($"multi-head attention: key padding mask must be ({n}, {t}), got {keyPaddingMask.ShapeString}");
        var qkv = Tensor.Linear(input, InProjWeight, InProjBias).Reshape(n, t, 3, h, d).Permute(2, 0, 3, 1, 4);   // (3, N, h, T, d)
        var parts = qkv.Split([1, 1, 1], 0);
        Tensor q = parts[0].Reshape(n, h, t, d), k = parts[1].Reshape(n, h, t, d), v = parts[2].Reshape(n, h, t, d);
        var scores = q.MatMul(k.Transpose(-2, -1)) * (1f / MathF.Sqrt(d));                                           // (N, h, T, T)
        var mask = AttentionMask(n, t, causal, keyPaddingMask);
        if (mask != null) scores = scores.MaskedFill(mask, float.NegativeInfinity);
        var weights = scores.Softmax(-1);
        if (Training && DropoutProbability > 0f) weights = weights.Dropout(DropoutProbability, true, NoiseScope.Current ?? _rng);
        var heads = weights.MatMul(v).Permute(0, 2, 1, 3).Reshape(n, t, EmbedDim);                                   // (N, T, E)
        return OutProj.Forward(heads);
    }

    /// <summary>1 where attention is forbidden: (T, T) causal, (N, 1, 1, T) padding, or their union (N, 1, T, T); null for none.</summary>
    private static Tensor? AttentionMask(int n, int t, bool causal, Tensor? padding)
    {
        if (!causal && padding is null) return null;
        Tensor? c = null;
        if (causal)
        {
            c = Tensor.Zeros(t, t);
            for (int i = 0; i < t; i++) for (int j = i + 1; j < t; j++) c[i, j] = 1f;
        }
        if (padding is null) return c;
        var p = padding.Detach().Reshape(n, 1, 1, t);
        if (c is null) return p;
        var both = Tensor.Zeros(n, 1, t, t);
        var bs = both.Span; var ps = padding.Span; var cs = c.Span;
        for (int b = 0; b < n; b++)
            for (int i = 0; i < t; i++)
                for (int j = 0; j < t; j++)
                    bs[(b * t + i) * t + j] = cs[i * t + j] != 0f || ps[b * t + j] != 0f ? 1f : 0f;
        return both;
    }
}

/// <summary>
/// Sinusoidal positional encoding (Vaswani et al., 2017): y = x + PE with PE[t, 2i] = sin(t / 10000^(2i/E)),
/// PE[t, 2i+1] = cos(t / 10000^(2i/E)). No parameters. Shape: x (N, T, E) → (N, T, E), T ≤ maxLength.
/// </summary>
public sealed class SinusoidalPositionalEncoding : Module
{
    private readonly Tensor _table;

    /// <summary>Creates the table for up to <paramref name="maxLength"/> steps of width <paramref name="embedDim"/>.</summary>
    /// <param name="embedDim">E, ≥ 1.</param>
    /// <param name="maxLength">Longest sequence, ≥ 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1.</exception>
    public SinusoidalPositionalEncoding(int embedDim, int maxLength)
    {
        if (embedDim < 1) throw new ArgumentOutOfRangeException(nameof(embedDim), $"embedDim must be ≥ 1, got {embedDim}");
        if (maxLength < 1) throw new ArgumentOutOfRangeException(nameof(maxLength), $"maxLength must be ≥ 1, got {maxLength}");
        using (TensorScope.Untracked()) _table = Tensor.Zeros(maxLength, embedDim);
        for (int t = 0; t < maxLength; t++)
            for (int i = 0; i < embedDim; i += 2)
            {
                double angle = t / Math.Pow(10000.0, (double)i / embedDim);
                _table[t, i] = (float)Math.Sin(angle);
                if (i + 1 < embedDim) _table[t, i + 1] = (float)Math.Cos(angle);
            }
    }

    /// <summary>The table PE, (maxLength, E).</summary>
    public Tensor Table => _table;

    /// <inheritdoc/>
    /// <exception cref="ShapeException">The input is not (N, T, E) with T ≤ maxLength.</exception>
    public override Tensor Forward(Tensor input)
    {
        if (input.Rank != 3 || input.Dim(2) != _table.Dim(1) || input.Dim(1) > _table.Dim(0))
            throw new ShapeException($"positional encoding: input must be (N, T ≤ {_table.Dim(0)}, {_table.Dim(1)}), got {input.ShapeString}");
        var pe = input.Dim(1) == _table.Dim(0) ? _table : _table.Slice(0, 0, input.Dim(1));
        return input + pe;
    }
}

/// <summary>
/// Learned positional encoding: y = x + P[:T] with a parameter <c>weight</c> P (maxLength, E) initialised N(0, 1) (as nn.Embedding over
/// positions). Shape: x (N, T, E) → (N, T, E), T ≤ maxLength.
/// </summary>
public sealed class LearnedPositionalEncoding : Module
{
    /// <summary>Creates the table.</summary>
    /// <param name="embedDim">E, ≥ 1.</param>
    /// <param name="maxLength">Longest sequence, ≥ 1.</param>
    /// <param name="rng">Initial values N(0, 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1.</exception>
    public LearnedPositionalEncoding(int embedDim, int maxLength, Rng rng)
    {
        if (embedDim < 1) throw new ArgumentOutOfRangeException(nameof(embedDim), $"embedDim must be ≥ 1, got {embedDim}");
        if (maxLength < 1) throw new ArgumentOutOfRangeException(nameof(maxLength), $"maxLength must be ≥ 1, got {maxLength}");
        using (TensorScope.Untracked()) Weight = RegisterParameter("weight", Tensor.Zeros(maxLength, embedDim));
        Init.Normal(Weight, rng, 0f, 1f);
    }

    /// <summary>P, (maxLength, E).</summary>
    public Tensor Weight { get; }

    /// <inheritdoc/>
    /// <exception cref="ShapeException">The input is not (N, T, E) with T ≤ maxLength.</exception>
    public override Tensor Forward(Tensor input)
    {
        if (input.Rank != 3 || input.Dim(2) != Weight.Dim(1) || input.Dim(1) > Weight.Dim(0))
            throw new ShapeException($"positional encoding: input must be (N, T ≤ {Weight.Dim(0)}, {Weight.Dim(1)}), got {input.ShapeString}");
        var p = input.Dim(1) == Weight.Dim(0) ? Weight : Weight.Slice(0, 0, input.Dim(1));
        return input + p;
    }
}

/// <summary>
/// Pre-norm transformer encoder layer, as PyTorch's nn.TransformerEncoderLayer(norm_first=True, batch_first=True, activation=relu):
/// x ← x + Dropout(SelfAttention(LayerNorm₁(x))); x ← x + Dropout(Linear₂(Dropout(ReLU(Linear₁(LayerNorm₂(x)))))).
/// Shape: (N, T, E) → (N, T, E). Entries <c>self_attn.*</c>, <c>linear1.*</c> (F, E), <c>linear2.*</c> (E, F), <c>norm1.*</c>,
/// <c>norm2.*</c> (PyTorch's names). Legend: N batch, T time, E embedding size (d_model), F feed-forward width.
/// Vaswani et al. 2017; pre-norm: Xiong et al. 2020.
/// </summary>
public sealed class TransformerEncoderLayer : Module
{
    private readonly Rng _rng;

    /// <summary>Creates the layer.</summary>
    /// <param name="dModel">E, ≥ 1.</param>
    /// <param name="numHeads">Attention heads (divides E).</param>
    /// <param name="dimFeedforward">F, ≥ 1 (PyTorch's default 2048).</param>
    /// <param name="rng">Initial weights and dropout masks outside a step's noise scope.</param>
    /// <param name="dropout">Dropout after attention, inside and after the feed-forward block, and on the attention weights (default 0.1).</param>
    /// <param name="layerNormEps">LayerNorm ε (default 1e-5).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1, heads not dividing E, dropout outside [0, 1).</exception>
    public TransformerEncoderLayer(int dModel, int numHeads, int dimFeedforward, Rng rng, float dropout = 0.1f, float layerNormEps = 1e-5f)
    {
        if (dimFeedforward < 1) throw new ArgumentOutOfRangeException(nameof(dimFeedforward), $"dimFeedforward must be ≥ 1, got {dimFeedforward}");
        _rng = rng;
        SelfAttention = RegisterModule("self_attn", new MultiheadAttention(dModel, numHeads, rng, dropout));
        Linear1 = RegisterModule("linear1", new Linear(dModel, dimFeedforward, rng));
        Linear2 = RegisterModule("linear2", new Linear(dimFeedforward, dModel, rng));
        Norm1 = RegisterModule("norm1", new LayerNorm(dModel, layerNormEps));
        Norm2 = RegisterModule("norm2", new LayerNorm(dModel, layerNormEps));
        DropoutProbability = dropout;
    }

    /// <summary>The self-attention block.</summary>
    public MultiheadAttention SelfAttention { get; }
    /// <summary>First feed-forward Linear, E → F.</summary>
    public Linear Linear1 { get; }
    /// <summary>Second feed-forward Linear, F → E.</summary>
    public Linear Linear2 { get; }
    /// <summary>LayerNorm before attention.</summary>
    public LayerNorm Norm1 { get; }
    /// <summary>LayerNorm before the feed-forward block.</summary>
    public LayerNorm Norm2 { get; }
    /// <summary>Dropout probability.</summary>
    public float DropoutProbability { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Forward(input, false, null);

    /// <summary>The layer with an attention mask (see <see cref="MultiheadAttention.Forward(Tensor, bool, Tensor?)"/>). Shape: (N, T, E) → (N, T, E).</summary>
    /// <param name="input">x.</param>
    /// <param name="causal">Each step attends only to itself and earlier steps.</param>
    /// <param name="keyPaddingMask">(N, T), nonzero at padding, or null.</param>
    public Tensor Forward(Tensor input, bool causal, Tensor? keyPaddingMask)
    {
        var x = input + Drop(SelfAttention.Forward(Norm1.Forward(input), causal, keyPaddingMask));
        var ff = Linear2.Forward(Drop(Linear1.Forward(Norm2.Forward(x)).Relu()));
        return x + Drop(ff);
    }

    private Tensor Drop(Tensor x) => Training && DropoutProbability > 0f ? x.Dropout(DropoutProbability, true, NoiseScope.Current ?? _rng) : x;
}

/// <summary>
/// A stack of pre-norm encoder layers followed by a final LayerNorm, as PyTorch's nn.TransformerEncoder(layer, numLayers, norm):
/// entries <c>layers.{i}.*</c> and <c>norm.*</c>. Shape: (N, T, E) → (N, T, E).
/// </summary>
public sealed class TransformerEncoder : Module
{
    private readonly TransformerEncoderLayer[] _layers;

    /// <summary>Creates <paramref name="numLayers"/> layers.</summary>
    /// <param name="numLayers">Layers, ≥ 1.</param>
    /// <param name="dModel">E.</param>
    /// <param name="numHeads">Attention heads (divides E).</param>
    /// <param name="dimFeedforward">Feed-forward width F.</param>
    /// <param name="rng">Initial weights and dropout masks outside a step's noise scope.</param>
    /// <param name="dropout">Dropout in each layer (default 0.1).</param>
    /// <exception cref="ArgumentOutOfRangeException">numLayers below 1, or a layer argument out of range.</exception>
    public TransformerEncoder(int numLayers, int dModel, int numHeads, int dimFeedforward, Rng rng, float dropout = 0.1f)
    {
        if (numLayers < 1) throw new ArgumentOutOfRangeException(nameof(numLayers), $"numLayers must be ≥ 1, got {numLayers}");
        var layers = RegisterModule("layers", new Sequential());
        _layers = new TransformerEncoderLayer[numLayers];
        for (int i = 0; i < numLayers; i++) layers.Add(_layers[i] = new TransformerEncoderLayer(dModel, numHeads, dimFeedforward, rng, dropout));
        Norm = RegisterModule("norm", new LayerNorm(dModel));
    }

    /// <summary>The layers.</summary>
    public IReadOnlyList<TransformerEncoderLayer> Layers => _layers;

    /// <summary>The final LayerNorm.</summary>
    public LayerNorm Norm { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Forward(input, false, null);

    /// <summary>Every layer with the same attention mask, then the final norm. Shape: (N, T, E) → (N, T, E).</summary>
    /// <param name="input">x.</param>
    /// <param name="causal">Each step attends only to itself and earlier steps.</param>
    /// <param name="keyPaddingMask">(N, T), nonzero at padding, or null.</param>
    public Tensor Forward(Tensor input, bool causal, Tensor? keyPaddingMask)
    {
        var x = input;
        foreach (var l in _layers) x = l.Forward(x, causal, keyPaddingMask);
        return Norm.Forward(x);
    }
}
