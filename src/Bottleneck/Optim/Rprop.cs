namespace Bottleneck.Optim;

/// <summary>
/// Resilient backpropagation (Riedmiller &amp; Braun, "A direct adaptive method for faster backpropagation learning: the RPROP
/// algorithm", ICNN 1993), exactly as PyTorch 1.13's <c>torch.optim.Rprop</c>: only the sign of each gradient is used. Per
/// element, with g the gradient and g′ the one kept from the previous step: if g·g′ &gt; 0 the step size Δ ← min(Δ·η₊, Δ_max);
/// if g·g′ &lt; 0, Δ ← max(Δ·η₋, Δ_min) and g is set to 0 (no move this step, and the next step sees no sign change); if
/// g·g′ = 0, Δ is kept. Then θ ← θ − sign(g)·Δ and g′ ← g. Δ starts at the learning rate of the first step.
/// </summary>
/// <remarks>
/// Rprop is meant for full-batch training (the sign of a mini-batch gradient is noise); AutoRec (Sedhain et al. 2015) trains
/// with it on the whole rating matrix. The learning rate after the first step does not matter (schedulers have no effect),
/// and the result does not depend on the scale of the loss. State buffers: <c>prev</c> (g′) and <c>step_size</c> (Δ).
/// </remarks>
public sealed class Rprop : Optimizer
{
    private static readonly string[] BufferNames = ["prev", "step_size"];

    /// <summary>Creates Rprop over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimise.</param>
    /// <param name="lr">The initial step size Δ₀ &gt; 0 of every element (default 10⁻²).</param>
    /// <param name="etaMinus">η₋ in (0, 1): the step-size factor after a sign change (default 0.5).</param>
    /// <param name="etaPlus">η₊ &gt; 1: the step-size factor while the sign holds (default 1.2).</param>
    /// <param name="stepSizeMin">Δ_min ≥ 0 (default 10⁻⁶).</param>
    /// <param name="stepSizeMax">Δ_max ≥ Δ_min (default 50).</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter outside its range.</exception>
    /// <exception cref="ArgumentException">A bad parameter list (see <see cref="Optimizer"/>).</exception>
    public Rprop(IEnumerable<Tensor> parameters, float lr = 1e-2f, float etaMinus = 0.5f, float etaPlus = 1.2f, float stepSizeMin = 1e-6f, float stepSizeMax = 50f)
        : base(parameters, lr)
    {
        if (!(etaMinus > 0f && etaMinus < 1f))
            throw new ArgumentOutOfRangeException(nameof(etaMinus), etaMinus, $"{Name}: etaMinus must be in (0, 1), got {etaMinus}");
        if (!(etaPlus > 1f) || !float.IsFinite(etaPlus))
            throw new ArgumentOutOfRangeException(nameof(etaPlus), etaPlus, $"{Name}: etaPlus must be > 1, got {etaPlus}");
        RequireNonNegative(stepSizeMin, nameof(stepSizeMin));
        if (!(stepSizeMax >= stepSizeMin) || !float.IsFinite(stepSizeMax))
            throw new ArgumentOutOfRangeException(nameof(stepSizeMax), stepSizeMax, $"{Name}: stepSizeMax must be ≥ stepSizeMin ({stepSizeMin}), got {stepSizeMax}");
        EtaMinus = etaMinus; EtaPlus = etaPlus; StepSizeMin = stepSizeMin; StepSizeMax = stepSizeMax;
    }

    /// <inheritdoc/>
    public override string Name => "rprop";
    /// <summary>η₋, the factor after a sign change.</summary>
    public float EtaMinus { get; }
    /// <summary>η₊, the factor while the sign holds.</summary>
    public float EtaPlus { get; }
    /// <summary>Δ_min.</summary>
    public float StepSizeMin { get; }
    /// <summary>Δ_max.</summary>
    public float StepSizeMax { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<string> StateBufferNames => BufferNames;

    /// <inheritdoc/>
    protected override void Update(Span<float> p, ReadOnlySpan<float> g, ParameterState state)
    {
        var prev = state.Buffers[0].AsSpan();
        var step = state.Buffers[1].AsSpan();
        if (state.Step == 1) step.Fill(LearningRate);
        float etaMinus = EtaMinus, etaPlus = EtaPlus, min = StepSizeMin, max = StepSizeMax;
        for (int i = 0; i < p.Length; i++)
        {
            float gi = g[i], product = gi * prev[i];
            float factor = product > 0f ? etaPlus : product < 0f ? etaMinus : 1f;
            float s = Math.Clamp(step[i] * factor, min, max);
            step[i] = s;
            if (product < 0f) gi = 0f;
            p[i] -= MathF.Sign(gi) * s;
            prev[i] = gi;
        }
    }
}
