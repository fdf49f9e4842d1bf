using System.CommandLine;
using Bottleneck.Cli.Commands;
using Bottleneck.Models;
using Bottleneck.Models.Recommendation;

namespace Bottleneck.Cli.Kinds;

/// <summary><c>--kind autorec</c>: <c>--hidden</c> (one width), <c>--lambda</c>, <c>--orientation item|user</c>, <c>--test</c>.</summary>
public sealed class AutoRecBinder(DenseOptions dense, RecommendationOptions recommendation) : KindBinder
{
    /// <summary>Default hidden width (Sedhain et al.'s 500).</summary>
    public const int DefaultHidden = 500;
    /// <summary>Default λ (the best of the grid 30, 100, 300, 1000 on a 5% validation split of MovieLens-100K u1.base, bench recommend autorec).</summary>
    public const float DefaultLambda = 300f;

    private readonly Option<float> _lambda = new("--lambda")
    { Description = $"AutoRec's L2 weight lambda in (lambda/2)(|W|^2+|V|^2) on the summed squared error of the observed ratings. Default {DefaultLambda}", DefaultValueFactory = _ => DefaultLambda, HelpName = "X" };
    private readonly Option<string> _orientation = CliOptions.Choice("--orientation",
        "AutoRec rows: item (I-AutoRec, a row per item over the users) or user (U-AutoRec, a row per user over the items)", "item", "item", "user");

    /// <inheritdoc/>
    public override string Kind => "autorec";

    /// <inheritdoc/>
    public override IReadOnlyList<Option> Options => [dense.Hidden, _lambda, _orientation, recommendation.Test];

    /// <inheritdoc/>
    public override KindSettings Bind(ParseResult result) => new Settings(
        IsGiven(result, dense.Hidden) ? CliOptions.ParseIntList(result.GetValue(dense.Hidden), "--hidden") : null,
        result.GetValue(_lambda), result.GetValue(_orientation) == "user" ? AutoRecOrientation.User : AutoRecOrientation.Item,
        result.GetValue(recommendation.Test));

    /// <summary>The autorec kind's values.</summary>
    /// <param name="Hidden">--hidden (one width), or null for 500.</param>
    /// <param name="Lambda">--lambda.</param>
    /// <param name="Orientation">--orientation.</param>
    /// <param name="Test">--test, or null.</param>
    public sealed record Settings(int[]? Hidden, float Lambda, AutoRecOrientation Orientation, string? Test) : KindSettings("autorec"), IRatingsSettings
    {
        /// <inheritdoc/>
        public bool ByItem => Orientation == AutoRecOrientation.Item;
        /// <inheritdoc/>
        public bool Explicit => true;

        /// <inheritdoc/>
        public override Likelihood Output(KindData data) => Likelihood.Gaussian;

        /// <inheritdoc/>
        /// <exception cref="ArgumentException">More than one hidden width.</exception>
        protected override ModelConfig Create(KindData data)
        {
            if (Hidden is { Length: not 1 }) throw new ArgumentException($"--kind autorec has one hidden layer: give --hidden one width (e.g. 500), got {string.Join(",", Hidden)}");
            return new AutoRecConfig(data.InputDim, Hidden?[0] ?? DefaultHidden, Lambda, Math.Max(1, data.Rows), Orientation);
        }

        /// <inheritdoc/>
        protected override string? OptionFor(string parameter) => parameter switch
        {
            "hidden" => "--hidden",
            "lambda" => "--lambda",
            _ => null,
        };
    }
}
