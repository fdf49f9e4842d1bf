using Bottleneck.Models;
using Bottleneck.NN;
using Bottleneck.Tensors;
using Bottleneck.Tests.Autograd;

namespace Bottleneck.Tests.Models;

/// <summary>
/// Gradient checks of the latent regularizers (KL and L1 sparsity, the contractive penalty in closed form, deep exact and
/// random-projection forms) with respect to the input, the weights and the biases, and exactness checks of the Jacobian
/// norm against central differences of the encoder.
/// </summary>
public class RegularizerGradientTests
{
    /// <summary>A row: a penalty over an encoder built from <see cref="Activations"/> (widths <see cref="Widths"/>), checked w.r.t. x and every W, b.</summary>
    public sealed record Case(string Name, int[] Widths, Activation[] Activations, Func<Tensor, Tensor, IReadOnlyList<EncoderLayer>, Tensor> Penalty)
    {
        public override string ToString() => Name;
    }

    private static RegularizerInput In(Tensor x, Tensor h, IReadOnlyList<EncoderLayer> e, ulong seed) => new(x, h, e, [], new Rng(seed));
    private static Tensor Kl(Tensor x, Tensor h, IReadOnlyList<EncoderLayer> e) => new SparsityKl(0.1f, 0.7f).Penalty(In(x, h, e, 1));
    private static Tensor L1(Tensor x, Tensor h, IReadOnlyList<EncoderLayer> e) => new SparsityL1(0.3f).Penalty(In(x, h, e, 1));
    private static Tensor Cae(Tensor x, Tensor h, IReadOnlyList<EncoderLayer> e) => new Contractive(0.5f).Penalty(In(x, h, e, 1));
    // a fresh generator with the same seed in every evaluation makes the estimate a deterministic function of the inputs
    private static Tensor CaeRp(Tensor x, Tensor h, IReadOnlyList<EncoderLayer> e) => new Contractive(0.5f, ContractiveMethod.RandomProjection, 3).Penalty(In(x, h, e, 7));

    private static readonly Activation S = Activation.Sigmoid, T = Activation.Tanh, R = Activation.Relu;

    public static readonly Case[] Cases =
    [
        new("kl sparsity, sigmoid code", [5, 4], [S], Kl),
        new("kl sparsity, sigmoid code, deep", [5, 4, 6], [T, S], Kl),
        new("l1 sparsity, tanh code", [5, 4], [T], L1),
        new("l1 sparsity, relu code", [5, 4], [R], L1),
        new("contractive closed form, sigmoid", [5, 4], [S], Cae),
        new("contractive closed form, tanh", [5, 4], [T], Cae),
        new("contractive closed form, relu", [5, 4], [R], Cae),
        new("contractive closed form, identity", [5, 4], [Activation.Identity], Cae),
        new("contractive closed form, softplus", [5, 4], [Activation.Softplus], Cae),
        new("contractive closed form, elu", [5, 4], [Activation.Elu], Cae),
        new("contractive deep exact, sigmoid-sigmoid", [5, 4, 3], [S, S], Cae),
        new("contractive deep exact, tanh-sigmoid", [5, 4, 3], [T, S], Cae),
        new("contractive deep exact, relu-tanh", [5, 4, 3], [R, T], Cae),
        new("contractive deep exact, 3 layers relu-tanh-sigmoid", [4, 5, 3, 2], [R, T, S], Cae),
        new("contractive random projection, tanh-sigmoid", [5, 4, 3], [T, S], CaeRp),
        new("contractive random projection, relu", [5, 4], [R], CaeRp),
    ];

    public static TheoryData<Case> Rows() => [.. Cases];

    [Theory]
    [MemberData(nameof(Rows))]
    public void Penalty_gradient_matches_central_differences(Case c)
    {
        var (x, layers) = Build(c.Widths, c.Activations, seed: 3);
        var inputs = new List<Tensor> { x };
        foreach (var l in layers) { inputs.Add(l.Linear.Weight); inputs.Add(l.Linear.Bias!); }
        GradCheck.Check(c.Name, _ => c.Penalty(x, Forward(layers, x), layers), [.. inputs]);
    }

    /// <summary>The exact ‖∂h/∂x‖²_F (closed form and chain) equals the squared norm of a central-difference Jacobian.</summary>
    [Theory]
    [InlineData(new[] { 5, 4 }, new[] { Activation.Sigmoid })]
    [InlineData(new[] { 5, 4 }, new[] { Activation.Tanh })]
    [InlineData(new[] { 5, 4 }, new[] { Activation.Relu })]
    [InlineData(new[] { 5, 6, 3 }, new[] { Activation.Tanh, Activation.Sigmoid })]
    [InlineData(new[] { 4, 5, 3, 2 }, new[] { Activation.Relu, Activation.Tanh, Activation.Sigmoid })]
    public void Exact_jacobian_norm_matches_numeric_jacobian(int[] widths, Activation[] activations)
    {
        var (x, layers) = Build(widths, activations, seed: 5);
        var exact = EncoderJacobian.SquaredFrobenius(layers, x).ToArray();
        int n = x.Dim(0), d = x.Dim(1);
        const float h = 1e-3f;
        for (int s = 0; s < n; s++)
        {
            double sq = 0;
            for (int i = 0; i < d; i++)
            {
                float orig = x[s, i];
                x[s, i] = orig + h; var plus = Forward(layers, x).ToArray();
                x[s, i] = orig - h; var minus = Forward(layers, x).ToArray();
                x[s, i] = orig;
                int k = widths[^1];
                for (int j = 0; j < k; j++) { double g = (plus[s * k + j] - minus[s * k + j]) / (2.0 * h); sq += g * g; }
            }
            Assert.True(Math.Abs(exact[s] - sq) <= 1e-3 * sq + 1e-5, $"sample {s}: exact {exact[s]} vs numeric {sq}");
        }
    }

    /// <summary>The random-projection estimate is unbiased: its mean over many projections approaches the exact value.</summary>
    [Fact]
    public void Random_projection_estimate_is_unbiased()
    {
        var (x, layers) = Build([6, 5, 4], [Activation.Tanh, Activation.Sigmoid], seed: 9);
        var exact = EncoderJacobian.SquaredFrobenius(layers, x).ToArray();
        var estimate = EncoderJacobian.RandomProjectionEstimate(layers, x, new Rng(11), projections: 4000).ToArray();
        for (int s = 0; s < exact.Length; s++)
            Assert.True(Math.Abs(estimate[s] - exact[s]) <= 0.06 * exact[s], $"sample {s}: estimate {estimate[s]} vs exact {exact[s]}");
    }

    private static Tensor Forward(IReadOnlyList<EncoderLayer> layers, Tensor x)
    {
        var h = x;
        foreach (var l in layers) h = ActivationLayer.Apply(l.Activation, l.Linear.Forward(h));
        return h;
    }

    /// <summary>
    /// Input (3, D) and layers with random weights, redrawn until every pre-activation is at least 0.15 away from 0, so the
    /// stencil (±0.02 per entry) never crosses the ReLU/ELU kink.
    /// </summary>
    private static (Tensor X, List<EncoderLayer> Layers) Build(int[] widths, Activation[] activations, int seed)
    {
        var rng = new Rng((ulong)seed);
        for (int attempt = 0; ; attempt++)
        {
            var x = GradCheck.Rand(rng, [3, widths[0]], -1.5f, 1.5f);
            var layers = new List<EncoderLayer>();
            for (int l = 0; l < activations.Length; l++)
            {
                var lin = new Linear(widths[l], widths[l + 1], rng);
                Init.Uniform(lin.Weight, rng, -1f, 1f);
                Init.Uniform(lin.Bias!, rng, -0.5f, 0.5f);
                layers.Add(new EncoderLayer(lin, activations[l]));
            }
            bool ok = true;
            var h = x;
            foreach (var l in layers)
            {
                var a = l.Linear.Forward(h);
                foreach (float v in a.Span) if (MathF.Abs(v) < 0.15f) ok = false;
                h = ActivationLayer.Apply(l.Activation, a);
            }
            if (ok) return (x, layers);
            Assert.True(attempt < 10000, "could not draw inputs away from the kinks");
        }
    }
}
