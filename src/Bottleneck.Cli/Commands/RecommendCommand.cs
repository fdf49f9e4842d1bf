using System.CommandLine;
using Bottleneck.Cli.Services;

namespace Bottleneck.Cli.Commands;

/// <summary>Everything <c>bottleneck recommend</c> needs.</summary>
/// <param name="ModelDir">The model folder (autorec, mult-dae or mult-vae).</param>
/// <param name="User">The user id (as in the ratings file), or null with <paramref name="All"/>.</param>
/// <param name="All">Recommend for every user of the training ratings into <paramref name="Out"/>.</param>
/// <param name="Top">How many items per user, ≥ 1.</param>
/// <param name="ExcludeSeen">Leave out the items the user rated in the training data.</param>
/// <param name="Out">The output file (.csv or .tsv) for <paramref name="All"/>, or null.</param>
public sealed record RecommendSettings(string ModelDir, string? User, bool All, int Top, bool ExcludeSeen, string? Out);

/// <summary>The <c>recommend</c> command.</summary>
public static class RecommendCommand
{
    /// <summary>Help text, with examples.</summary>
    public const string Description =
        "Recommend items with a model trained by 'train --kind autorec|mult-dae|mult-vae' on ratings: data.\n\n" +
        "Scores every item for a user from the ratings the model was trained on (saved in MODEL/ratings.tsv): Mult-DAE and\n" +
        "Mult-VAE give the multinomial probability of each item, AutoRec the predicted rating. --exclude-seen leaves out the\n" +
        "items the user already rated. A user who is not in the training ratings is an error (the model has no history of\n" +
        "them to fold in).\n\n" +
        "Examples:\n" +
        "  bottleneck recommend --model runs/ml-vae --user 42 --top 10 --exclude-seen\n" +
        "  bottleneck recommend --model runs/ml-vae --all --top 20 --exclude-seen --out recommendations.csv";

    /// <summary>Creates the command; its action runs a <see cref="RecommendService"/> on <paramref name="env"/>.</summary>
    public static Command Create(CliEnvironment env)
    {
        var model = ApplyOptions.ModelOption();
        var user = CliOptions.Optional("--user", "ID", "The user to recommend for (an id of the training ratings)");
        var all = CliOptions.Flag("--all", "Recommend for every user of the training ratings (needs --out)");
        var top = CliOptions.Value("--top", "K", "Items per user", 10);
        var excludeSeen = CliOptions.Flag("--exclude-seen", "Leave out the items the user rated in the training data");
        var output = CliOptions.Optional("--out", "FILE", "With --all: the file to write (.csv or .tsv: user, rank, item, score), written atomically");
        var command = new Command("recommend", Description) { model, user, all, top, excludeSeen, output };
        command.SetAction((ParseResult r, CancellationToken ct) => Task.FromResult(new RecommendService(env.Console, env.Error, Cli.IsVerbose(r, env)).Run(
            new RecommendSettings(r.GetValue(model)!, r.GetValue(user), r.GetValue(all), r.GetValue(top), r.GetValue(excludeSeen), r.GetValue(output)), ct)));
        return command;
    }
}
