using System.Numerics;

namespace Bottleneck.Optim;

/// <summary>
/// RMSprop (Hinton, Srivastava &amp; Swersky, Neural Networks for Machine Learning, lecture 6e; centered form after Graves, 2013),
/// exactly as PyTorch 1.13's RMSprop:
/// g ← g + λθ; s ← αs + (1 − α)g²; centered: a ← αa + (1 − α)g, d = √(s − a²) + ε, else d = √s + ε;
/// with momentum μ: b ← μb + g/d, θ ← θ − ηb; without: θ ← θ − η·g/d.
/// </summary>
public sealed class RmsProp : Optimizer
{
    private readonly string[] _bufferNames;

    /// <summary>Creates RMSprop over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimise.</param>
    /// <param name="lr">Learning rate η ≥ 0 (default 10⁻²).</param>
    /// <param name="alpha">Smoothing constant α ≥ 0 of the squared-gradient average (default 0.99).</param>
    /// <param name="eps">ε ≥ 0 added to the denominator (default 10⁻⁸).</param>
    /// <param name="weightDecay">L2 penalty λ ≥ 0 added to the gradient (default 0).</param>
    /// <param name="momentum">Momentum μ ≥ 0 (default 0).</param>
    /// <param name="centered">Normalise by the estimated variance instead of the raw second moment (default false).</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is negative or not finite.</exception>
    /// <exception cref="ArgumentException">A bad parameter list (see <see cref="Optimizer"/>).</exception>
    public RmsProp(IEnumerable<Tensor> parameters, float lr = 1e-2f, float alpha = 0.99f, float eps = 1e-8f, float weightDecay = 0f, float momentum = 0f, bool centered = false)
        : base(parameters, lr)
    {
        RequireNonNegative(alpha, nameof(alpha));
        RequireNonNegative(eps, nameof(eps));
        RequireNonNegative(weightDecay, nameof(weightDecay));
        RequireNonNegative(momentum, nameof(momentum));
        Alpha = alpha; Eps = eps; WeightDecay = weightDecay; Momentum = momentum; Centered = centered;
        var names = new List<string> { "square_avg" };
        if (momentum > 0f) names.Add("momentum_buffer");
        if (centered) names.Add("grad_avg");
        _bufferNames = names.ToArray();
    }

    /// <inheritdoc/>
    public override string Name => "rmsprop";
    /// <summary>Smoothing constant α.</summary>
    public float Alpha { get; }
    /// <summary>Denominator ε.</summary>
    public float Eps { get; }
    /// <summary>L2 weight decay λ.</summary>
    public float WeightDecay { get; }
    /// <summary>Momentum μ.</summary>
    public float Momentum { get; }
    /// <summary>Whether the centered variant is used.</summary>
    public bool Centered { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<string> StateBufferNames => _bufferNames;

    /// <inheritdoc/>
    protected override void Update(Span<float> p, ReadOnlySpan<float> g, ParameterState state)
    {
        float lr = LearningRate, wd = WeightDecay, a = Alpha, ca = (float)(1.0 - Alpha), eps = Eps, mu = Momentum;
        bool useMomentum = mu > 0f, centered = Centered;
        var s = state.Buffers[0].AsSpan();
        var b = useMomentum ? state.Buffers[1].AsSpan() : default;
        var ga = centered ? state.Buffers[useMomentum ? 2 : 1].AsSpan() : default;

        int i = 0, w = Vector<float>.Count;
        for (; i <= p.Length - w; i += w)
        {
            var pv = new Vector<float>(p.Slice(i));
            var gv = new Vector<float>(g.Slice(i));
            if (wd != 0f) gv += pv * wd;
            var sv = Subnormal.Flush(new Vector<float>(s.Slice(i)) * a + gv * gv * ca);
            sv.CopyTo(s.Slice(i));
            Vector<float> avg;
            if (centered)
            {
                var av = Subnormal.Flush(new Vector<float>(ga.Slice(i)) * a + gv * ca);
                av.CopyTo(ga.Slice(i));
                avg = Vector.SquareRoot(sv - av * av);
            }
            else avg = Vector.SquareRoot(sv);
            avg += new Vector<float>(eps);
            if (useMomentum)
            {
                var bv = Subnormal.Flush(new Vector<float>(b.Slice(i)) * mu + gv / avg);
                bv.CopyTo(b.Slice(i));
                (pv - bv * lr).CopyTo(p.Slice(i));
            }
            else (pv - gv / avg * lr).CopyTo(p.Slice(i));
        }
        for (; i < p.Length; i++)
        {
            float gi = g[i];
            if (wd != 0f) gi += wd * p[i];
            float si = Subnormal.Flush(s[i] * a + gi * gi * ca);
            s[i] = si;
            float avg;
            if (centered)
            {
                float ai = Subnormal.Flush(ga[i] * a + gi * ca);
                ga[i] = ai;
                avg = MathF.Sqrt(si - ai * ai);
            }
            else avg = MathF.Sqrt(si);
            avg += eps;
            if (useMomentum)
            {
                float bi = Subnormal.Flush(b[i] * mu + gi / avg);
                b[i] = bi;
                p[i] -= lr * bi;
            }
            else p[i] -= lr * (gi / avg);
        }
    }
}
