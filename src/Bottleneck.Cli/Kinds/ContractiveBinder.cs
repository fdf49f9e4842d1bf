using System.CommandLine;
using Bottleneck.Cli.Commands;
using Bottleneck.Models;
using Bottleneck.NN;

namespace Bottleneck.Cli.Kinds;

/// <summary><c>--kind contractive</c>: the architecture options, <c>--contractive-weight</c>, <c>--contractive-method</c>, <c>--noise</c>.</summary>
public sealed class ContractiveBinder(DenseOptions dense) : KindBinder
{
    /// <summary>Default contractive weight λ.</summary>
    public const float DefaultWeight = 0.1f;

    private readonly Option<float?> _weight = new("--contractive-weight")
    { Description = $"Contractive penalty weight lambda on the squared Frobenius norm of the encoder Jacobian. Default {DefaultWeight}", HelpName = "X" };
    private readonly Option<string> _method = CliOptions.Choice("--contractive-method",
        "How the Jacobian norm is computed: exact or random-projection (one unbiased projection per batch, cheaper for deep encoders)",
        "exact", "exact", "random-projection");

    /// <inheritdoc/>
    public override string Kind => "contractive";

    /// <inheritdoc/>
    public override IReadOnlyList<Option> Options => [.. dense.Architecture, dense.Noise, _weight, _method];

    /// <inheritdoc/>
    public override KindSettings Bind(ParseResult result) => new Settings(dense.Bind(result), result.GetValue(_weight),
        result.GetValue(_method)!.Trim().Equals("random-projection", StringComparison.OrdinalIgnoreCase) ? ContractiveMethod.RandomProjection : ContractiveMethod.Exact);

    /// <summary>The contractive kind's values.</summary>
    /// <param name="Architecture">The architecture values and the noise.</param>
    /// <param name="Weight">Penalty weight λ, or null for the default.</param>
    /// <param name="Method">Exact or random-projection.</param>
    public sealed record Settings(DenseArchitecture Architecture, float? Weight, ContractiveMethod Method) : KindSettings("contractive")
    {
        /// <inheritdoc/>
        public override Likelihood Output(KindData data) => Architecture.OutputFor(data.Purpose);
        /// <inheritdoc/>
        protected override ModelConfig Create(KindData data) =>
            Architecture.Build(data, Activation.Identity, new Contractive(Weight ?? DefaultWeight, Method), Architecture.Corruption(data));
        /// <inheritdoc/>
        protected override string? OptionFor(string parameter) => parameter == "weight" ? "--contractive-weight" : DenseArchitecture.OptionFor(parameter);
    }
}
