using System.Text.Json.Serialization;
using Bottleneck.Tensors;

namespace Bottleneck.Models;

/// <summary>
/// An input corruption q(x̃ | x) for denoising autoencoders (Vincent et al., "Extracting and composing robust features with
/// denoising autoencoders", ICML 2008; Vincent et al., "Stacked denoising autoencoders", JMLR 2010): the encoder sees
/// x̃, the reconstruction loss is scored against the clean x. A fresh corruption is drawn for every batch.
/// </summary>
/// <remarks>
/// Saved in a model's config (JSON <c>"type"</c>: <c>gaussian</c>, <c>masking</c>, <c>salt-and-pepper</c>) so evaluation and
/// the CLI's denoise command can re-apply the same noise. Corruptions are not differentiable: <see cref="Apply"/> returns a
/// new tensor that is not connected to the graph.
/// </remarks>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(GaussianNoise), "gaussian")]
[JsonDerivedType(typeof(MaskingNoise), "masking")]
[JsonDerivedType(typeof(SaltAndPepperNoise), "salt-and-pepper")]
public abstract record Corruption
{
    /// <summary>
    /// Returns a corrupted copy x̃ of <paramref name="clean"/> (any shape; usually a batch (N, D)); the input is not modified.
    /// Inside a <see cref="TensorScope"/> the result's buffer comes from the scope's pool.
    /// </summary>
    /// <param name="clean">The clean values x.</param>
    /// <param name="rng">Generator for the noise; advanced by this call.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public Tensor Apply(Tensor clean, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(clean);
        ArgumentNullException.ThrowIfNull(rng);
        var o = Tensor.Empty(clean.ShapeToArray());
        clean.Span.CopyTo(o.Span);
        Corrupt(o.Span, rng);
        return o;
    }

    /// <summary>Corrupts <paramref name="values"/> in place.</summary>
    protected abstract void Corrupt(Span<float> values, Rng rng);

    /// <summary>One line for the CLI and <c>info</c>, e.g. "gaussian sigma 0.5, clipped to [0, 1]" or "mask p 0.25".</summary>
    public abstract string Describe();

    /// <summary>A number in descriptions: up to 6 significant digits, invariant culture.</summary>
    protected static string Num(double v) => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The accepted forms of <see cref="Parse"/>, for help texts.</summary>
    public const string SpecForms = "gaussian:SIGMA, mask:P or salt-pepper:P";

    /// <summary>
    /// The corruption written as <c>KIND:LEVEL</c>: <c>gaussian:σ</c> (<see cref="GaussianNoise"/>), <c>mask:p</c>
    /// (<see cref="MaskingNoise"/>; also <c>masking</c>) or <c>salt-pepper:p</c> (<see cref="SaltAndPepperNoise"/> with 0 and 1;
    /// also <c>salt-and-pepper</c>); names are case-insensitive, spaces are ignored.
    /// </summary>
    /// <param name="spec">The text, e.g. <c>gaussian:0.5</c>.</param>
    /// <param name="clipToUnitRange">Clip Gaussian noise to [0, 1] (for data in [0, 1]); default false.</param>
    /// <exception cref="FormatException">Not of the form KIND:LEVEL with a known kind and a number; the message lists the forms.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The level is out of range (σ &lt; 0, p outside [0, 1]).</exception>
    public static Corruption Parse(string spec, bool clipToUnitRange = false)
    {
        string t = (spec ?? "").Trim();
        int colon = t.IndexOf(':');
        string kind = (colon < 0 ? t : t[..colon]).Trim().ToLowerInvariant();
        float level = 0;
        if (colon < 0 || !float.TryParse(t[(colon + 1)..].Trim(), System.Globalization.NumberStyles.Float,
                System.Globalization.CultureInfo.InvariantCulture, out level) || !float.IsFinite(level))
            kind = "";
        return kind switch
        {
            "gaussian" or "gauss" => clipToUnitRange ? new GaussianNoise(level, 0f, 1f) : new GaussianNoise(level),
            "mask" or "masking" => new MaskingNoise(level),
            "salt-pepper" or "salt-and-pepper" or "saltpepper" => new SaltAndPepperNoise(level),
            _ => throw new FormatException($"expected {SpecForms} (e.g. gaussian:0.5), got \"{spec}\""),
        };
    }

    /// <summary>Throws unless p ∈ [0, 1].</summary>
    protected static float Probability(float p, string name) =>
        p >= 0f && p <= 1f ? p : throw new ArgumentOutOfRangeException(name, p, $"{name} must be in [0, 1], got {p}");
}

/// <summary>
/// Additive isotropic Gaussian noise x̃ = x + ε, ε ~ N(0, σ²I), optionally clipped to [<see cref="ClipMin"/>, <see cref="ClipMax"/>]
/// (the data range, e.g. [0, 1] for images).
/// </summary>
public sealed record GaussianNoise : Corruption
{
    /// <summary>Creates the corruption.</summary>
    /// <param name="sigma">Noise standard deviation σ ≥ 0, in data units (e.g. 0.5 for MNIST in [0, 1]).</param>
    /// <param name="clipMin">Lower clip bound, or null for none (default).</param>
    /// <param name="clipMax">Upper clip bound, or null for none (default).</param>
    /// <exception cref="ArgumentOutOfRangeException">σ negative or not finite, or clipMin &gt; clipMax.</exception>
    public GaussianNoise(float sigma, float? clipMin = null, float? clipMax = null)
    {
        Sigma = sigma >= 0 && float.IsFinite(sigma) ? sigma : throw new ArgumentOutOfRangeException(nameof(sigma), sigma, $"sigma must be ≥ 0, got {sigma}");
        if (clipMin is { } lo && clipMax is { } hi && lo > hi)
            throw new ArgumentOutOfRangeException(nameof(clipMin), $"clipMin ({lo}) must not exceed clipMax ({hi})");
        ClipMin = clipMin;
        ClipMax = clipMax;
    }

    /// <summary>Standard deviation σ of the added noise, in data units.</summary>
    public float Sigma { get; }
    /// <summary>Lower clip bound, or null.</summary>
    public float? ClipMin { get; }
    /// <summary>Upper clip bound, or null.</summary>
    public float? ClipMax { get; }

    /// <inheritdoc/>
    public override string Describe() => $"gaussian sigma {Num(Sigma)}" +
        (ClipMin != null || ClipMax != null ? $", clipped to [{Num(ClipMin ?? float.NegativeInfinity)}, {Num(ClipMax ?? float.PositiveInfinity)}]" : "");

    /// <inheritdoc/>
    protected override void Corrupt(Span<float> values, Rng rng)
    {
        float lo = ClipMin ?? float.NegativeInfinity, hi = ClipMax ?? float.PositiveInfinity;
        for (int i = 0; i < values.Length; i++) values[i] = Math.Clamp(values[i] + Sigma * rng.NextNormal(), lo, hi);
    }
}

/// <summary>
/// Masking noise (Vincent et al. 2008): each value is independently set to 0 with probability <see cref="P"/>
/// ("dropout on the input" without the 1/(1−p) rescaling).
/// </summary>
public sealed record MaskingNoise : Corruption
{
    /// <summary>Creates the corruption.</summary>
    /// <param name="p">Fraction of values set to 0, in [0, 1] (e.g. 0.25).</param>
    /// <exception cref="ArgumentOutOfRangeException">p outside [0, 1].</exception>
    public MaskingNoise(float p) => P = Probability(p, nameof(p));

    /// <summary>Probability that a value is zeroed.</summary>
    public float P { get; }

    /// <inheritdoc/>
    public override string Describe() => $"mask p {Num(P)}";

    /// <inheritdoc/>
    protected override void Corrupt(Span<float> values, Rng rng)
    {
        for (int i = 0; i < values.Length; i++)
            if (rng.NextFloat() < P) values[i] = 0f;
    }
}

/// <summary>
/// Salt-and-pepper noise (Vincent et al. 2010): each value is independently, with probability <see cref="P"/>, replaced by
/// <see cref="Min"/> or <see cref="Max"/> (each with probability ½).
/// </summary>
public sealed record SaltAndPepperNoise : Corruption
{
    /// <summary>Creates the corruption.</summary>
    /// <param name="p">Fraction of values replaced, in [0, 1].</param>
    /// <param name="min">"Pepper" value (default 0).</param>
    /// <param name="max">"Salt" value (default 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">p outside [0, 1], non-finite bounds or min &gt; max.</exception>
    public SaltAndPepperNoise(float p, float min = 0f, float max = 1f)
    {
        P = Probability(p, nameof(p));
        if (!float.IsFinite(min) || !float.IsFinite(max) || min > max)
            throw new ArgumentOutOfRangeException(nameof(min), $"salt-and-pepper needs finite min ≤ max, got min {min}, max {max}");
        Min = min;
        Max = max;
    }

    /// <summary>Probability that a value is replaced.</summary>
    public float P { get; }
    /// <summary>Pepper value.</summary>
    public float Min { get; }
    /// <summary>Salt value.</summary>
    public float Max { get; }

    /// <inheritdoc/>
    public override string Describe() => $"salt-pepper p {Num(P)}" + (Min != 0f || Max != 1f ? $" ({Num(Min)}/{Num(Max)})" : "");

    /// <inheritdoc/>
    protected override void Corrupt(Span<float> values, Rng rng)
    {
        for (int i = 0; i < values.Length; i++)
            if (rng.NextFloat() < P) values[i] = rng.NextFloat() < 0.5f ? Min : Max;
    }
}
