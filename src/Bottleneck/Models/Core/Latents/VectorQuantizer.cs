using Bottleneck.Autograd;
using Bottleneck.Tensors;

namespace Bottleneck.Models;

/// <summary>
/// The vector-quantization latent of a VQ-VAE (van den Oord et al. 2017). The encoder output z_e (N, L·D) is read as L vectors
/// of width D; each is replaced by its nearest codebook entry e_k (squared Euclidean distance), and the decoder sees the
/// quantized code z_q (N, L·D). Gradients pass from z_q to z_e unchanged (straight-through: z_q = z_e + sg(e − z_e)).
/// </summary>
/// <remarks>
/// <para>Loss terms per sample (summed over the L vectors and D components, averaged over the batch): <c>codebook</c>
/// ‖sg(z_e) − e‖² (absent with EMA updates) and <c>commitment</c> β‖z_e − sg(e)‖². Logged: <c>perplexity</c>
/// exp(−Σ_k p_k ln p_k) of the batch's code usage (K when every code is used equally, 1 when one code takes all).</para>
/// <para>With <see cref="EmaDecay"/> γ &gt; 0 the codebook is not trained by gradients but by exponential moving averages after
/// each step (van den Oord et al. 2017, appendix A.1; Laplace smoothing ε = 1e-5): N_k ← γN_k + (1−γ)n_k,
/// m_k ← γm_k + (1−γ)Σ_{i→k} z_i, e_k = m_k / N_k. With dead-code restarts on, a code whose usage average falls below 1e-3 of
/// a uniform share after each step is moved onto a random encoder output of the last batch (Dhariwal et al. 2020).</para>
/// <para>State-dict names: <c>latent.codebook</c> (K, D); with EMA also the buffers <c>latent.ema_count</c> (K) and
/// <c>latent.ema_sum</c> (K, D); <c>latent.usage</c> (K), the running usage for restarts.</para>
/// </remarks>
public sealed class VectorQuantizer : LatentLayer
{
    private int[]? _lastCodes;
    private float[]? _lastInputs;

    /// <summary>Creates a codebook of <paramref name="codebookSize"/> entries of width <paramref name="codeDim"/>, initialised
    /// U(−1/K, 1/K) as in the reference implementation.</summary>
    /// <param name="codebookSize">K ≥ 2.</param>
    /// <param name="codeDim">D ≥ 1.</param>
    /// <param name="commitment">β ≥ 0 of the commitment loss (paper: 0.25).</param>
    /// <param name="emaDecay">γ in [0, 1): 0 trains the codebook by gradient, otherwise by EMA.</param>
    /// <param name="restartDeadCodes">Move unused codes onto encoder outputs.</param>
    /// <param name="rng">Generator for the initial codebook.</param>
    public VectorQuantizer(int codebookSize, int codeDim, float commitment, float emaDecay, bool restartDeadCodes, Rng rng)
    {
        CodebookSize = codebookSize;
        CodeDim = codeDim;
        Commitment = commitment;
        EmaDecay = emaDecay;
        RestartDeadCodes = restartDeadCodes;
        using (TensorScope.Untracked())
        {
            var init = Tensor.Uniform(rng, -1f / codebookSize, 1f / codebookSize, codebookSize, codeDim);
            if (emaDecay > 0)
            {
                Codebook = RegisterBuffer("codebook", init);
                EmaCount = RegisterBuffer("ema_count", Tensor.Ones(codebookSize));
                EmaSum = RegisterBuffer("ema_sum", init.Detach().Clone());
            }
            else Codebook = RegisterParameter("codebook", init);
            Usage = RegisterBuffer("usage", Tensor.Full(1f / codebookSize, codebookSize));
        }
    }

    /// <summary>K.</summary>
    public int CodebookSize { get; }
    /// <summary>D.</summary>
    public int CodeDim { get; }
    /// <summary>β of the commitment loss.</summary>
    public float Commitment { get; }
    /// <summary>γ of the EMA updates, 0 when the codebook is trained by gradient.</summary>
    public float EmaDecay { get; }
    /// <summary>Whether dead codes are restarted.</summary>
    public bool RestartDeadCodes { get; }
    /// <summary>The codebook (K, D).</summary>
    public Tensor Codebook { get; }
    /// <summary>EMA cluster sizes (K), or null without EMA.</summary>
    public Tensor? EmaCount { get; }
    /// <summary>EMA cluster sums (K, D), or null without EMA.</summary>
    public Tensor? EmaSum { get; }
    /// <summary>Running share of each code's use (K), an EMA with decay 0.99 over training steps.</summary>
    public Tensor Usage { get; }

    /// <summary>The nearest code index of every D-wide vector of <paramref name="ze"/> (N, L·D), row-major: N·L indices.</summary>
    /// <exception cref="ShapeException">The width is not a multiple of D.</exception>
    public int[] Assign(Tensor ze)
    {
        int n = ze.Dim(0), width = ze.Dim(1);
        if (width % CodeDim != 0) throw new ShapeException($"vector quantizer: code width {width} is not a multiple of the code dimension {CodeDim}");
        int vectors = n * (width / CodeDim), k = CodebookSize, d = CodeDim;
        var z = ze.Span;
        var e = Codebook.Span;
        var norms = new float[k];
        for (int c = 0; c < k; c++) norms[c] = System.Numerics.Tensors.TensorPrimitives.Dot(e.Slice(c * d, d), e.Slice(c * d, d));
        var codes = new int[vectors];
        for (int v = 0; v < vectors; v++)
        {
            var zv = z.Slice(v * d, d);
            int best = 0;
            float bestDist = float.PositiveInfinity;
            for (int c = 0; c < k; c++)
            {
                float dist = norms[c] - 2f * System.Numerics.Tensors.TensorPrimitives.Dot(zv, e.Slice(c * d, d));
                if (dist < bestDist) { bestDist = dist; best = c; }
            }
            codes[v] = best;
        }
        return codes;
    }

    /// <inheritdoc/>
    public override Tensor Code(Tensor h)
    {
        var codes = Assign(h);
        return Codebook.IndexSelect(0, codes).Reshape(h.ShapeArray);
    }

    /// <inheritdoc/>
    public override LatentSample Sample(Tensor h, StepContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        int n = h.Dim(0);
        var codes = Assign(h);
        var q = Codebook.IndexSelect(0, codes).Reshape(h.ShapeArray);       // e_k(i), differentiable in the codebook
        var zq = h + (q - h).Detach();                                       // straight-through
        float perSample = 1f / n;
        var commitment = (h - q.Detach()).Pow(2f).Sum() * (Commitment * perSample);
        var terms = new List<LossTerm>(2);
        if (EmaDecay == 0) terms.Add(new LossTerm(VariationalTerms.Codebook, (h.Detach() - q).Pow(2f).Sum() * perSample));
        terms.Add(new LossTerm(VariationalTerms.Commitment, commitment));
        var counts = new double[CodebookSize];
        foreach (int c in codes) counts[c]++;
        double entropy = 0;
        foreach (double c in counts) if (c > 0) { double p = c / codes.Length; entropy -= p * Math.Log(p); }
        if (context.Training) { _lastCodes = codes; _lastInputs = h.ToArray(); }
        return new LatentSample(zq, terms) { Metrics = [new LossTerm(VariationalTerms.Perplexity, Tensor.Scalar((float)Math.Exp(entropy)))] };
    }

    /// <summary>
    /// After an optimizer step: the EMA codebook update (when on), the usage average, and dead-code restarts (when on), from
    /// the assignments of the training step just taken. Restarts draw from the step's noise.
    /// </summary>
    /// <param name="context">The step just taken.</param>
    public void AfterStep(StepContext context)
    {
        if (_lastCodes is not { } codes || _lastInputs is not { } inputs) return;
        int k = CodebookSize, d = CodeDim;
        var counts = new float[k];
        var sums = new float[k * d];
        for (int v = 0; v < codes.Length; v++)
        {
            counts[codes[v]]++;
            var src = inputs.AsSpan(v * d, d);
            var dst = sums.AsSpan(codes[v] * d, d);
            System.Numerics.Tensors.TensorPrimitives.Add(dst, src, dst);
        }
        using (TensorScope.Untracked())
        using (GradMode.NoGrad())
        {
            var e = Codebook.Span;
            if (EmaDecay > 0)
            {
                float g = EmaDecay;
                var nk = EmaCount!.Span;
                var mk = EmaSum!.Span;
                double total = 0;
                for (int c = 0; c < k; c++) { nk[c] = g * nk[c] + (1 - g) * counts[c]; total += nk[c]; }
                const double eps = 1e-5;
                for (int c = 0; c < k; c++)
                {
                    float smoothed = (float)((nk[c] + eps) / (total + k * eps) * total);
                    for (int j = 0; j < d; j++)
                    {
                        mk[c * d + j] = g * mk[c * d + j] + (1 - g) * sums[c * d + j];
                        e[c * d + j] = mk[c * d + j] / smoothed;
                    }
                }
            }
            var usage = Usage.Span;
            for (int c = 0; c < k; c++) usage[c] = 0.99f * usage[c] + 0.01f * counts[c] / codes.Length;
            if (RestartDeadCodes && context.Noise is { } rng)
            {
                float dead = 1e-3f / k;
                for (int c = 0; c < k; c++)
                {
                    if (usage[c] >= dead) continue;
                    int v = rng.NextInt(codes.Length);
                    inputs.AsSpan(v * d, d).CopyTo(e.Slice(c * d, d));
                    if (EmaDecay > 0) { EmaCount!.Span[c] = 1f; inputs.AsSpan(v * d, d).CopyTo(EmaSum!.Span.Slice(c * d, d)); }
                    usage[c] = 1f / k;
                }
            }
        }
        _lastCodes = null;
        _lastInputs = null;
    }
}
