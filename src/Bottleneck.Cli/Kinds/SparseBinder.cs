using System.CommandLine;
using Bottleneck.Cli.Commands;
using Bottleneck.Models;
using Bottleneck.NN;

namespace Bottleneck.Cli.Kinds;

/// <summary><c>--kind sparse</c>: the architecture options, <c>--sparsity kl|l1</c>, <c>--sparsity-target</c>, <c>--sparsity-weight</c>, <c>--noise</c>.</summary>
public sealed class SparseBinder(DenseOptions dense) : KindBinder
{
    /// <summary>Default KL sparsity target ρ.</summary>
    public const float DefaultTarget = 0.05f;
    /// <summary>Default KL sparsity weight λ.</summary>
    public const float DefaultKlWeight = 3f;
    /// <summary>Default L1 sparsity weight λ.</summary>
    public const float DefaultL1Weight = 1e-3f;

    private readonly Option<string> _penalty = CliOptions.Choice("--sparsity",
        "Sparsity penalty: kl (mean code activation towards --sparsity-target; sigmoid code) or l1 (|code|; any code activation)", "kl", "kl", "l1");
    private readonly Option<float?> _target = new("--sparsity-target")
    { Description = $"KL sparsity target rho in (0,1), the desired mean code activation. Default {DefaultTarget}", HelpName = "RHO" };
    private readonly Option<float?> _weight = new("--sparsity-weight")
    { Description = $"Sparsity penalty weight lambda. Default {DefaultKlWeight} for kl, {DefaultL1Weight} for l1", HelpName = "X" };

    /// <inheritdoc/>
    public override string Kind => "sparse";

    /// <inheritdoc/>
    public override IReadOnlyList<Option> Options => [.. dense.Architecture, dense.Noise, _penalty, _target, _weight];

    /// <inheritdoc/>
    public override KindSettings Bind(ParseResult result) =>
        new Settings(dense.Bind(result), result.GetValue(_penalty)!.Trim().Equals("l1", StringComparison.OrdinalIgnoreCase),
            result.GetValue(_target), result.GetValue(_weight));

    /// <summary>The sparse kind's values.</summary>
    /// <param name="Architecture">The architecture values and the noise.</param>
    /// <param name="L1">The L1 activity penalty instead of KL.</param>
    /// <param name="Target">KL target ρ, or null for the default.</param>
    /// <param name="Weight">Penalty weight λ, or null for the default.</param>
    public sealed record Settings(DenseArchitecture Architecture, bool L1, float? Target, float? Weight) : KindSettings("sparse")
    {
        /// <inheritdoc/>
        public override Likelihood Output(KindData data) => Architecture.OutputFor(data.Purpose);

        /// <inheritdoc/>
        /// <exception cref="ArgumentException">--sparsity-target with --sparsity l1.</exception>
        protected override ModelConfig Create(KindData data)
        {
            if (L1 && Target != null) throw new ArgumentException("--sparsity-target applies to --sparsity kl (the L1 penalty has no target)");
            LatentRegularizer penalty = L1 ? new SparsityL1(Weight ?? DefaultL1Weight) : new SparsityKl(Target ?? DefaultTarget, Weight ?? DefaultKlWeight);
            return Architecture.Build(data, L1 ? Activation.Identity : Activation.Sigmoid, penalty, Architecture.Corruption(data));
        }

        /// <inheritdoc/>
        protected override string? OptionFor(string parameter) => parameter switch
        {
            "rho" => "--sparsity-target",
            "weight" => "--sparsity-weight",
            _ => DenseArchitecture.OptionFor(parameter),
        };
    }
}
