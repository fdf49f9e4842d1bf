namespace Bottleneck.NN;

/// <summary>
/// The input gradient ∇ₓ f(x) of a scalar-output MLP f (a GAN discriminator's logit), built as a graph of ordinary differentiable ops so
/// that a penalty on it can be back-propagated to f's weights. The autograd is first-order (no double backward); for an MLP the
/// gradient has the closed form ∇ₓ f = W₁ᵀ·diag(f₁′(a₁))·W₂ᵀ ⋯ diag(f_(L−1)′(a_(L−1)))·W_Lᵀ per row, which is written here from the output
/// side as row-batched products. With ReLU or leaky ReLU the derivatives f′(a) are 0/1 (0.01/1) masks, constant in the weights, so the
/// result's gradient is exactly PyTorch's <c>torch.autograd.grad(f(x).sum(), x, create_graph=True)</c> away from the kinks; with
/// sigmoid, tanh, ELU or softplus f′ is written as a function of the layer output and differentiates through it.
/// Shapes: x (N, D) → f(x) (N, 1), ∇ₓ f (N, D); N rows, D input width.
/// </summary>
public static class InputGradient
{
    /// <summary>
    /// f(x) and ∇ₓ f(x) per row of an MLP of <see cref="Linear"/>, <see cref="SpectralNormLinear"/> (W / σ with its current u and v; no
    /// power iteration) and <see cref="ActivationLayer"/> layers whose last layer has one output. Both are differentiable in the weights.
    /// </summary>
    /// <param name="mlp">The network, input side first; one output unit.</param>
    /// <param name="x">Inputs (N, D); they need not require gradients.</param>
    /// <returns>Output (N, 1) and gradient (N, D).</returns>
    /// <exception cref="ArgumentException">A layer of another type, a GELU activation (its derivative is not a function of its output),
    /// no Linear layer, or more than one output unit.</exception>
    public static (Tensor Output, Tensor Gradient) OfMlp(Sequential mlp, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(mlp);
        ArgumentNullException.ThrowIfNull(x);
        // Forward, keeping each Linear's weight and each activation's derivative in order.
        var chain = new List<(Tensor? Weight, Tensor? Derivative)>();
        var h = x;
        foreach (var layer in mlp.Layers)
        {
            switch (layer)
            {
                case Linear lin:
                    h = Tensor.Linear(h, lin.Weight, lin.Bias);
                    chain.Add((lin.Weight, null));
                    break;
                case SpectralNormLinear sn:
                    var w = sn.Weight();
                    h = Tensor.Linear(h, w, sn.Bias);
                    chain.Add((w, null));
                    break;
                case ActivationLayer act when act.Kind == Activation.Gelu:
                    throw new ArgumentException("the input gradient does not support gelu (its derivative is not a function of its output)", nameof(mlp));
                case ActivationLayer act:
                    if (act.Kind == Activation.Identity) break;
                    h = ActivationLayer.Apply(act.Kind, h);
                    chain.Add((null, ActivationLayer.DerivativeFromOutput(act.Kind, h)));
                    break;
                default:
                    throw new ArgumentException($"the input gradient takes Linear, SpectralNormLinear and activation layers, not {layer.GetType().Name}", nameof(mlp));
            }
        }
        if (!chain.Any(c => c.Weight is not null)) throw new ArgumentException("the network has no Linear layer", nameof(mlp));
        if (h.Rank != 2 || h.Dim(1) != 1) throw new ArgumentException($"the network must have one output unit, it has {h.Dim(h.Rank - 1)}", nameof(mlp));
        // Backward as forward ops: g starts as ∂f/∂f = 1 per row (N, 1).
        Tensor g = Tensor.Ones(x.Dim(0), 1);
        for (int i = chain.Count - 1; i >= 0; i--)
            g = chain[i].Weight is { } weight ? g.MatMul(weight) : g * chain[i].Derivative!;
        return (h, g);
    }

    /// <summary>
    /// R1 = (γ/2)·(1/N)·Σᵢ ‖∇ₓ f(xᵢ)‖², the gradient penalty of Mescheder et al. (2018, "Which training methods for GANs do actually
    /// converge?", eq. 9) on the discriminator's logit f at the real samples xᵢ. Differentiable in f's weights; a scalar tensor.
    /// </summary>
    /// <param name="mlp">The discriminator (see <see cref="OfMlp"/>).</param>
    /// <param name="real">Real samples (N, D), N ≥ 1.</param>
    /// <param name="gamma">γ ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gamma"/> negative or not finite, or no rows.</exception>
    public static Tensor R1Penalty(Sequential mlp, Tensor real, float gamma)
    {
        ArgumentNullException.ThrowIfNull(real);
        if (!(gamma >= 0) || !float.IsFinite(gamma)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, $"γ must be ≥ 0, got {gamma}");
        if (real.Rank != 2 || real.Dim(0) == 0) throw new ArgumentOutOfRangeException(nameof(real), $"real samples must be (N, D) with N ≥ 1, got ({string.Join(", ", real.ShapeToArray())})");
        var (_, g) = OfMlp(mlp, real);
        return g.Pow(2f).Sum() * (gamma / (2f * real.Dim(0)));
    }
}
