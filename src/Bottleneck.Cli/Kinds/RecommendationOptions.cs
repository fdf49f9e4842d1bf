using System.CommandLine;
using Bottleneck.Cli.Commands;

namespace Bottleneck.Cli.Kinds;

/// <summary>The options the recommendation kinds (autorec, mult-dae, mult-vae) share, as one set of option objects.</summary>
public sealed class RecommendationOptions
{
    /// <summary><c>--test SPEC</c>: ratings scored after training.</summary>
    public Option<string?> Test { get; } = CliOptions.Optional("--test", "SPEC",
        "ratings:FILE scored after training with the same options as --data (autorec: RMSE; mult-dae, mult-vae: NDCG@100, Recall@20, Recall@50), e.g. u1.test beside u1.base");
}

/// <summary>What the ratings trainer needs from a recommendation kind's settings besides its config.</summary>
public interface IRatingsSettings
{
    /// <summary>The <c>--test</c> SPEC, or null.</summary>
    string? Test { get; }

    /// <summary>Rows of the rating matrix are items (I-AutoRec) rather than users.</summary>
    bool ByItem { get; }

    /// <summary>The kind models explicit ratings (RMSE) rather than implicit feedback (ranking).</summary>
    bool Explicit { get; }
}
