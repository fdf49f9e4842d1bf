using Bottleneck.Tensors;

namespace Bottleneck.NN;

/// <summary>
/// A fully connected layer with a fixed binary mask on its weight matrix: y = x·(W ⊙ M)ᵀ + b. The mask M (0 or 1 per connection)
/// is drawn once at construction, each connection kept with probability 1 − <c>dropConnect</c>, and is a buffer (saved, never
/// trained); masked weights get a zero gradient. The randomly thinned connections of RandNet (Chen et al., "Outlier Detection with
/// Autoencoder Ensembles", SDM 2017); unlike DropConnect (Wan et al., ICML 2013) the mask does not change between steps.
/// </summary>
/// <remarks>Shape: input (N, inFeatures) → output (N, outFeatures). State dict: <c>weight</c> (outFeatures, inFeatures),
/// <c>bias</c> (outFeatures), <c>mask</c> (outFeatures, inFeatures).</remarks>
public sealed class MaskedLinear : Module
{
    /// <summary>Creates the layer: PyTorch's default initialisation of W and b, then the mask.</summary>
    /// <param name="inFeatures">Input width, ≥ 1.</param>
    /// <param name="outFeatures">Output width, ≥ 1.</param>
    /// <param name="dropConnect">Probability that a connection is removed, in [0, 1). Every output keeps at least one input (a row of
    /// M that comes out empty gets one connection at random), so no unit is cut off.</param>
    /// <param name="rng">Generator for the weights, then the mask.</param>
    /// <exception cref="ArgumentOutOfRangeException">A width below 1 or <paramref name="dropConnect"/> outside [0, 1).</exception>
    public MaskedLinear(int inFeatures, int outFeatures, float dropConnect, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (inFeatures < 1) throw new ArgumentOutOfRangeException(nameof(inFeatures), $"inFeatures must be ≥ 1, got {inFeatures}");
        if (outFeatures < 1) throw new ArgumentOutOfRangeException(nameof(outFeatures), $"outFeatures must be ≥ 1, got {outFeatures}");
        if (!(dropConnect >= 0f && dropConnect < 1f)) throw new ArgumentOutOfRangeException(nameof(dropConnect), dropConnect, $"dropConnect must be in [0, 1), got {dropConnect}");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        using (TensorScope.Untracked())
        {
            Weight = RegisterParameter("weight", Tensor.Zeros(outFeatures, inFeatures));
            Bias = RegisterParameter("bias", Tensor.Zeros(outFeatures));
            Init.LinearDefault(Weight, Bias, rng);
            var mask = Tensor.Zeros(outFeatures, inFeatures);
            rng.FillBernoulli(mask.Span, 1.0 - dropConnect);
            for (int o = 0; o < outFeatures; o++)
            {
                var row = mask.Span.Slice(o * inFeatures, inFeatures);
                if (!row.Contains(1f)) row[rng.NextInt(inFeatures)] = 1f;
            }
            Mask = RegisterBuffer("mask", mask);
        }
    }

    /// <summary>Input width.</summary>
    public int InFeatures { get; }
    /// <summary>Output width.</summary>
    public int OutFeatures { get; }
    /// <summary>Weight W, shape (outFeatures, inFeatures).</summary>
    public Tensor Weight { get; }
    /// <summary>Bias b, shape (outFeatures).</summary>
    public Tensor Bias { get; }
    /// <summary>The fixed mask M of 0s and 1s, shape (outFeatures, inFeatures).</summary>
    public Tensor Mask { get; }

    /// <summary>The fraction of connections kept, Σ M / (outFeatures·inFeatures).</summary>
    public double Density => System.Numerics.Tensors.TensorPrimitives.Sum(Mask.Span) / Mask.Length;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Tensor.Linear(input, Weight * Mask, Bias);
}
