using System.CommandLine;
using Bottleneck.Cli.Commands;
using Bottleneck.Models;
using Bottleneck.Models.Recommendation;

namespace Bottleneck.Cli.Kinds;

/// <summary>
/// <c>--kind mult-dae</c> and <c>--kind mult-vae</c> (Liang et al. 2018): <c>--hidden</c>, <c>--latent</c>, <c>--dropout</c> (input
/// dropout), <c>--l2</c>, and for mult-vae <c>--beta</c> (β_max) and <c>--kl-schedule</c>; <c>--test</c>.
/// </summary>
public sealed class MultBinder(string kind, DenseOptions dense, VariationalOptions variational, RecommendationOptions recommendation) : KindBinder
{
    /// <summary>Default hidden widths (the paper's 600).</summary>
    public static readonly int[] DefaultHidden = [600];
    /// <summary>Default code width (the paper's 200).</summary>
    public const int DefaultLatent = 200;
    /// <summary>Default input dropout (the paper's 0.5).</summary>
    public const float DefaultDropout = 0.5f;
    /// <summary>Default β_max (the paper's 0.2).</summary>
    public const float DefaultBeta = 0.2f;

    /// <inheritdoc/>
    public override string Kind => kind;

    private bool Variational => kind == "mult-vae";

    /// <inheritdoc/>
    public override IReadOnlyList<Option> Options => Variational
        ? [dense.Hidden, dense.Latent, dense.Dropout, dense.L2, variational.Beta, variational.KlSchedule, recommendation.Test]
        : [dense.Hidden, dense.Latent, dense.Dropout, dense.L2, recommendation.Test];

    /// <inheritdoc/>
    public override KindSettings Bind(ParseResult result) => new Settings(kind,
        IsGiven(result, dense.Hidden) ? CliOptions.ParseIntList(result.GetValue(dense.Hidden), "--hidden") : null,
        Given(result, dense.Latent), Given(result, dense.Dropout), result.GetValue(dense.L2),
        Variational ? result.GetValue(variational.Beta) : null,
        Variational && IsGiven(result, variational.KlSchedule) ? result.GetValue(variational.KlSchedule) : null,
        result.GetValue(recommendation.Test));

    /// <summary>The mult-dae / mult-vae values; null = the paper's default.</summary>
    /// <param name="Name">mult-dae or mult-vae.</param>
    /// <param name="Hidden">--hidden.</param>
    /// <param name="Latent">--latent.</param>
    /// <param name="Dropout">--dropout (input dropout).</param>
    /// <param name="L2">--l2.</param>
    /// <param name="Beta">--beta (β_max).</param>
    /// <param name="KlSchedule">--kl-schedule; null = linear over the first half of the epochs.</param>
    /// <param name="Test">--test, or null.</param>
    public sealed record Settings(string Name, int[]? Hidden, int? Latent, float? Dropout, float L2, float? Beta, string? KlSchedule, string? Test)
        : KindSettings(Name), IRatingsSettings
    {
        /// <inheritdoc/>
        public bool ByItem => false;
        /// <inheritdoc/>
        public bool Explicit => false;

        /// <inheritdoc/>
        public override Likelihood Output(KindData data) => Likelihood.Multinomial;

        /// <inheritdoc/>
        protected override ModelConfig Create(KindData data)
        {
            bool vae = Name == "mult-vae";
            var schedule = vae
                ? KlSchedule is { } text ? Models.KlSchedule.Parse(text, data.Epochs) : new KlSchedule(KlScheduleKind.Linear, Epochs: Math.Max(1, data.Epochs / 2))
                : null;
            return new MultConfig(data.InputDim, Hidden ?? DefaultHidden, Latent ?? DefaultLatent, vae, Dropout ?? DefaultDropout,
                vae ? Beta ?? DefaultBeta : DefaultBeta, schedule, L2);
        }

        /// <inheritdoc/>
        protected override string? OptionFor(string parameter) => parameter switch
        {
            "latentDim" => "--latent",
            "dropout" => "--dropout",
            "l2" => "--l2",
            "beta" => "--beta",
            "klSchedule" => "--kl-schedule",
            _ when parameter.StartsWith("hidden", StringComparison.Ordinal) => "--hidden",
            _ => null,
        };
    }
}
