using Bottleneck.Tensors;

namespace Bottleneck.NN;

/// <summary>Nonlinearities whose recommended gain <see cref="Init.Gain"/> knows (PyTorch's calculate_gain).</summary>
public enum Nonlinearity
{
    /// <summary>Identity / linear, gain 1.</summary>
    Linear,
    /// <summary>Sigmoid, gain 1.</summary>
    Sigmoid,
    /// <summary>Tanh, gain 5/3.</summary>
    Tanh,
    /// <summary>ReLU, gain √2.</summary>
    Relu,
    /// <summary>Leaky ReLU with slope a, gain √(2/(1+a²)).</summary>
    LeakyRelu,
}

/// <summary>
/// Weight initializers (in place, outside autograd), with PyTorch's fan conventions: for a weight of shape
/// (out, in, k…), fan_in = in·Πk and fan_out = out·Πk.
/// </summary>
public static class Init
{
    /// <summary>(fan_in, fan_out) of a weight of rank ≥ 2.</summary>
    /// <exception cref="ArgumentException">The tensor has rank &lt; 2.</exception>
    public static (int FanIn, int FanOut) Fans(Tensor weight)
    {
        if (weight.Rank < 2) throw new ArgumentException($"fan in/out needs a weight of rank ≥ 2, got {weight.ShapeString}");
        int receptive = 1;
        for (int i = 2; i < weight.Rank; i++) receptive *= weight.Shape[i];
        return (weight.Shape[1] * receptive, weight.Shape[0] * receptive);
    }

    /// <summary>Recommended gain for <paramref name="nonlinearity"/> (<paramref name="negativeSlope"/> for leaky ReLU, default 0.01).</summary>
    public static float Gain(Nonlinearity nonlinearity, float negativeSlope = 0.01f) => nonlinearity switch
    {
        Nonlinearity.Tanh => 5f / 3f,
        Nonlinearity.Relu => MathF.Sqrt(2f),
        Nonlinearity.LeakyRelu => MathF.Sqrt(2f / (1f + negativeSlope * negativeSlope)),
        _ => 1f,
    };

    /// <summary>Fills with U(a, b).</summary>
    public static void Uniform(Tensor t, Rng rng, float a, float b) => rng.FillUniform(t.Span, a, b);

    /// <summary>Fills with N(mean, std²).</summary>
    public static void Normal(Tensor t, Rng rng, float mean, float std) => rng.FillNormal(t.Span, mean, std);

    /// <summary>Fills with a constant.</summary>
    public static void Constant(Tensor t, float value) => t.Span.Fill(value);

    /// <summary>Fills with zeros.</summary>
    public static void Zeros(Tensor t) => t.Span.Clear();

    /// <summary>
    /// Xavier/Glorot uniform (Glorot &amp; Bengio, 2010): U(−a, a) with a = gain·√(6/(fan_in + fan_out)), default gain 1.
    /// </summary>
    public static void XavierUniform(Tensor t, Rng rng, float gain = 1f)
    {
        var (fi, fo) = Fans(t);
        float a = gain * MathF.Sqrt(6f / (fi + fo));
        rng.FillUniform(t.Span, -a, a);
    }

    /// <summary>Xavier/Glorot normal: N(0, σ²) with σ = gain·√(2/(fan_in + fan_out)).</summary>
    public static void XavierNormal(Tensor t, Rng rng, float gain = 1f)
    {
        var (fi, fo) = Fans(t);
        rng.FillNormal(t.Span, 0f, gain * MathF.Sqrt(2f / (fi + fo)));
    }

    /// <summary>
    /// Kaiming/He uniform (He et al., 2015): U(−b, b) with b = gain·√(3/fan), gain from <paramref name="nonlinearity"/>
    /// (default ReLU) and slope <paramref name="a"/>; fan = fan_in (default) or fan_out.
    /// </summary>
    public static void KaimingUniform(Tensor t, Rng rng, float a = 0f, bool fanIn = true, Nonlinearity nonlinearity = Nonlinearity.LeakyRelu)
    {
        var (fi, fo) = Fans(t);
        float bound = Gain(nonlinearity, a) * MathF.Sqrt(3f / (fanIn ? fi : fo));
        rng.FillUniform(t.Span, -bound, bound);
    }

    /// <summary>Kaiming/He normal: N(0, σ²) with σ = gain/√fan.</summary>
    public static void KaimingNormal(Tensor t, Rng rng, float a = 0f, bool fanIn = true, Nonlinearity nonlinearity = Nonlinearity.LeakyRelu)
    {
        var (fi, fo) = Fans(t);
        rng.FillNormal(t.Span, 0f, Gain(nonlinearity, a) / MathF.Sqrt(fanIn ? fi : fo));
    }

    /// <summary>
    /// PyTorch's default for Linear and Conv: weight Kaiming-uniform with a = √5, i.e. U(−1/√fan_in, 1/√fan_in),
    /// and bias U(−1/√fan_in, 1/√fan_in).
    /// </summary>
    public static void LinearDefault(Tensor weight, Tensor? bias, Rng rng)
    {
        KaimingUniform(weight, rng, MathF.Sqrt(5f));
        if (bias is null) return;
        var (fi, _) = Fans(weight);
        float bound = fi > 0 ? 1f / MathF.Sqrt(fi) : 0f;
        rng.FillUniform(bias.Span, -bound, bound);
    }
}
