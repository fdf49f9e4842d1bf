using Bottleneck.Tensors;

namespace Bottleneck.NN;

/// <summary>
/// Fully connected layer y = x·Wᵀ + b. Shape: input (…, inFeatures) → output (…, outFeatures); weight (outFeatures, inFeatures), bias (outFeatures).
/// </summary>
public sealed class Linear : Module
{
    /// <summary>Creates the layer with PyTorch's default initialisation (see <see cref="ResetParameters"/>).</summary>
    /// <param name="inFeatures">Input width, ≥ 1.</param>
    /// <param name="outFeatures">Output width, ≥ 1.</param>
    /// <param name="rng">Generator for the initial weights.</param>
    /// <param name="bias">Whether to learn an additive bias (default true).</param>
    /// <exception cref="ArgumentOutOfRangeException">A width is below 1.</exception>
    public Linear(int inFeatures, int outFeatures, Rng rng, bool bias = true)
    {
        if (inFeatures < 1) throw new ArgumentOutOfRangeException(nameof(inFeatures), $"inFeatures must be ≥ 1, got {inFeatures}");
        if (outFeatures < 1) throw new ArgumentOutOfRangeException(nameof(outFeatures), $"outFeatures must be ≥ 1, got {outFeatures}");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        using (TensorScope.Untracked())
        {
            Weight = RegisterParameter("weight", Tensor.Zeros(outFeatures, inFeatures));
            Bias = bias ? RegisterParameter("bias", Tensor.Zeros(outFeatures)) : null;
        }
        ResetParameters(rng);
    }

    /// <summary>Input width.</summary>
    public int InFeatures { get; }
    /// <summary>Output width.</summary>
    public int OutFeatures { get; }
    /// <summary>Weight W, shape (outFeatures, inFeatures).</summary>
    public Tensor Weight { get; }
    /// <summary>Bias b, shape (outFeatures), or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>PyTorch's default: W and b from U(−1/√inFeatures, 1/√inFeatures).</summary>
    public void ResetParameters(Rng rng) => Init.LinearDefault(Weight, Bias, rng);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Tensor.Linear(input, Weight, Bias);
}

/// <summary>Activation functions available as layers and by name in configs.</summary>
public enum Activation
{
    /// <summary>f(x) = x.</summary>
    Identity,
    /// <summary>max(x, 0).</summary>
    Relu,
    /// <summary>x if x &gt; 0 else 0.01·x.</summary>
    LeakyRelu,
    /// <summary>x if x &gt; 0 else eˣ − 1.</summary>
    Elu,
    /// <summary>x·Φ(x).</summary>
    Gelu,
    /// <summary>1/(1 + e⁻ˣ).</summary>
    Sigmoid,
    /// <summary>tanh x.</summary>
    Tanh,
    /// <summary>ln(1 + eˣ).</summary>
    Softplus,
}

/// <summary>The names of <see cref="Activation"/> values as saved in config.json and accepted by the CLI (kebab-case).</summary>
public static class Activations
{
    /// <summary>Every name, in <see cref="Activation"/> order: identity, relu, leaky-relu, elu, gelu, sigmoid, tanh, softplus.</summary>
    public static IReadOnlyList<string> Names { get; } = Enum.GetValues<Activation>().Select(a => Name(a)).ToArray();

    /// <summary>The kebab-case name of <paramref name="activation"/>, e.g. "leaky-relu".</summary>
    public static string Name(this Activation activation) =>
        System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(activation.ToString());

    /// <summary>The activation called <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static Activation Parse(string? name)
    {
        foreach (var a in Enum.GetValues<Activation>())
            if (string.Equals(Name(a), name?.Trim(), StringComparison.OrdinalIgnoreCase)) return a;
        throw new ArgumentException($"unknown activation \"{name}\"; use one of {string.Join(", ", Names)}");
    }
}

/// <summary>An activation as a parameter-free layer. Shape: any → same.</summary>
public sealed class ActivationLayer(Activation kind) : Module
{
    /// <summary>The activation applied.</summary>
    public Activation Kind { get; } = kind;

    /// <summary>Applies <paramref name="kind"/> to <paramref name="x"/>.</summary>
    public static Tensor Apply(Activation kind, Tensor x) => kind switch
    {
        Activation.Identity => x,
        Activation.Relu => x.Relu(),
        Activation.LeakyRelu => x.LeakyRelu(),
        Activation.Elu => x.Elu(),
        Activation.Gelu => x.Gelu(),
        Activation.Sigmoid => x.Sigmoid(),
        Activation.Tanh => x.Tanh(),
        Activation.Softplus => x.Softplus(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown activation"),
    };

    /// <summary>f′(a) written through the layer's output h = f(a), differentiable in h where f′ depends on it (sigmoid h(1 − h), tanh
    /// 1 − h², ELU h + 1 for h ≤ 0, softplus 1 − e^(−h)); ReLU and leaky ReLU give constant 1/0 (1/0.01) masks. Shape of h.</summary>
    /// <param name="kind">The activation f.</param>
    /// <param name="h">Its output f(a), any shape.</param>
    /// <exception cref="ArgumentException">GELU, whose derivative is not a function of its output.</exception>
    public static Tensor DerivativeFromOutput(Activation kind, Tensor h) => kind switch
    {
        Activation.Identity => Tensor.Ones(h.ShapeToArray()),
        Activation.Sigmoid => h * (1f - h),
        Activation.Tanh => 1f - h * h,
        Activation.Relu => Step(h, 1f, 0f),
        Activation.LeakyRelu => Step(h, 1f, 0.01f),
        Activation.Elu => Tensor.Where(Step(h, 1f, 0f), Tensor.Ones(h.ShapeToArray()), h + 1f),
        Activation.Softplus => 1f - (-h).Exp(),
        _ => throw new ArgumentException($"the derivative of {kind} is not a function of its output"),
    };

    private static Tensor Step(Tensor h, float positive, float other)
    {
        var m = Tensor.Empty(h.ShapeToArray());
        var hs = h.Span; var ms = m.Span;
        for (int i = 0; i < ms.Length; i++) ms[i] = hs[i] > 0f ? positive : other;
        return m;
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Apply(Kind, input);
}

/// <summary>Inverted dropout as a layer: active only in training mode. Shape: any → same.</summary>
public sealed class Dropout : Module
{
    private readonly Rng _rng;

    /// <summary>Creates the layer.</summary>
    /// <param name="p">Drop probability in [0, 1) (default 0.5).</param>
    /// <param name="rng">Generator for the masks.</param>
    /// <exception cref="ArgumentOutOfRangeException">p outside [0, 1).</exception>
    public Dropout(Rng rng, float p = 0.5f)
    {
        if (!(p >= 0f && p < 1f)) throw new ArgumentOutOfRangeException(nameof(p), $"dropout probability must be in [0, 1), got {p}");
        P = p;
        _rng = rng;
    }

    /// <summary>Drop probability.</summary>
    public float P { get; }

    /// <summary>In training mode zeroes each value with probability p and scales the rest by 1/(1 − p); the mask is drawn from
    /// <see cref="NoiseScope.Current"/> when a step installed one, else from the layer's own generator. Identity in eval mode.</summary>
    public override Tensor Forward(Tensor input) => input.Dropout(P, Training, NoiseScope.Current ?? _rng);
}

/// <summary>Applies child layers in order; children are named "0", "1", … as in PyTorch's nn.Sequential.</summary>
public sealed class Sequential : Module
{
    private readonly List<Module> _layers = [];

    /// <summary>Creates the container from <paramref name="layers"/>.</summary>
    public Sequential(params Module[] layers)
    {
        foreach (var l in layers) Add(l);
    }

    /// <summary>Appends a layer named by its index.</summary>
    public Sequential Add(Module layer)
    {
        RegisterModule(_layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
        _layers.Add(layer);
        return this;
    }

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<Module> Layers => _layers;

    /// <inheritdoc/>
    /// <remarks>A <see cref="Linear"/> followed by a ReLU <see cref="ActivationLayer"/> runs as one fused op (bias and ReLU in the
    /// GEMM's epilogue, the ReLU mask and the bias gradient in one backward pass), with the same values as the two layers apart.</remarks>
    public override Tensor Forward(Tensor input)
    {
        var x = input;
        for (int i = 0; i < _layers.Count; i++)
        {
            if (_layers[i] is Linear lin && i + 1 < _layers.Count && _layers[i + 1] is ActivationLayer { Kind: Activation.Relu })
            {
                x = Tensor.LinearRelu(x, lin.Weight, lin.Bias);
                i++;
                continue;
            }
            x = _layers[i].Forward(x);
        }
        return x;
    }
}
