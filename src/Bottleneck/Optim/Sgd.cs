using System.Numerics;

namespace Bottleneck.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum (Polyak, 1964; Sutskever et al., 2013 for the Nesterov form),
/// exactly as PyTorch 1.13's SGD:
/// d = g + λθ; b ← d on the first step, else b ← μb + (1 − τ)d; d ← d + μb (Nesterov) or d ← b; θ ← θ − η·d.
/// </summary>
public sealed class Sgd : Optimizer
{
    private static readonly string[] NoBuffers = [];
    private static readonly string[] MomentumBuffers = ["momentum_buffer"];

    /// <summary>Creates SGD over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimise.</param>
    /// <param name="lr">Learning rate η ≥ 0.</param>
    /// <param name="momentum">Momentum factor μ ≥ 0 (default 0: plain SGD, no state).</param>
    /// <param name="dampening">Dampening τ ≥ 0 applied to new gradients in the momentum buffer (default 0).</param>
    /// <param name="weightDecay">L2 penalty λ ≥ 0 added to the gradient (default 0).</param>
    /// <param name="nesterov">Use Nesterov momentum (default false); needs μ &gt; 0 and τ = 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is negative or not finite.</exception>
    /// <exception cref="ArgumentException">Nesterov with μ = 0 or τ ≠ 0; or a bad parameter list (see <see cref="Optimizer"/>).</exception>
    public Sgd(IEnumerable<Tensor> parameters, float lr, float momentum = 0f, float dampening = 0f, float weightDecay = 0f, bool nesterov = false)
        : base(parameters, lr)
    {
        RequireNonNegative(momentum, nameof(momentum));
        RequireNonNegative(dampening, nameof(dampening));
        RequireNonNegative(weightDecay, nameof(weightDecay));
        if (nesterov && (momentum <= 0f || dampening != 0f))
            throw new ArgumentException($"sgd: nesterov momentum requires momentum > 0 and dampening = 0, got momentum {momentum} and dampening {dampening}");
        Momentum = momentum; Dampening = dampening; WeightDecay = weightDecay; Nesterov = nesterov;
    }

    /// <inheritdoc/>
    public override string Name => "sgd";
    /// <summary>Momentum factor μ.</summary>
    public float Momentum { get; }
    /// <summary>Dampening τ.</summary>
    public float Dampening { get; }
    /// <summary>L2 weight decay λ.</summary>
    public float WeightDecay { get; }
    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<string> StateBufferNames => Momentum != 0f ? MomentumBuffers : NoBuffers;

    /// <inheritdoc/>
    protected override void Update(Span<float> p, ReadOnlySpan<float> g, ParameterState state)
    {
        float lr = LearningRate, wd = WeightDecay, mu = Momentum, keep = 1f - Dampening;
        int i = 0, w = Vector<float>.Count;
        if (mu == 0f)
        {
            for (; i <= p.Length - w; i += w)
            {
                var pv = new Vector<float>(p.Slice(i));
                var d = new Vector<float>(g.Slice(i)) + pv * wd;
                (pv - d * lr).CopyTo(p.Slice(i));
            }
            for (; i < p.Length; i++) p[i] -= lr * (g[i] + wd * p[i]);
            return;
        }

        var b = state.Buffers[0].AsSpan();
        bool first = state.Step == 1, nesterov = Nesterov;
        for (; i <= p.Length - w; i += w)
        {
            var pv = new Vector<float>(p.Slice(i));
            var d = new Vector<float>(g.Slice(i)) + pv * wd;
            var bv = first ? d : Subnormal.Flush(new Vector<float>(b.Slice(i)) * mu + d * keep);
            bv.CopyTo(b.Slice(i));
            var step = nesterov ? d + bv * mu : bv;
            (pv - step * lr).CopyTo(p.Slice(i));
        }
        for (; i < p.Length; i++)
        {
            float d = g[i] + wd * p[i];
            float bv = first ? d : Subnormal.Flush(b[i] * mu + d * keep);
            b[i] = bv;
            p[i] -= lr * (nesterov ? d + bv * mu : bv);
        }
    }
}
