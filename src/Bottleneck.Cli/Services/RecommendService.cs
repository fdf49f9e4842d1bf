using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bottleneck.Cli.Commands;
using Bottleneck.Data;
using Bottleneck.Evaluation;
using Bottleneck.IO;
using Bottleneck.ModelFiles;
using Bottleneck.Models.Recommendation;
using Spectre.Console;

namespace Bottleneck.Cli.Services;

/// <summary><c>bottleneck recommend</c>: the top items of one user (a table) or of every user (a CSV/TSV file).</summary>
public sealed class RecommendService : CliService
{
    /// <summary>Creates the service.</summary>
    public RecommendService(IAnsiConsole console, TextWriter error, bool verbose = false) : base(console, error, verbose) { }

    /// <summary>Recommends.</summary>
    /// <param name="s">What to do.</param>
    /// <param name="cancellation">Stops between batches; nothing is written then.</param>
    /// <returns>0 on success, 2 for a user mistake, 130 when cancelled, 1 otherwise.</returns>
    public int Run(RecommendSettings s, CancellationToken cancellation = default) => Guard(() =>
    {
        if (s.Top < 1) throw new ArgumentException($"--top must be ≥ 1, got {s.Top}");
        if (s.All == (s.User != null)) throw new ArgumentException("give either --user ID or --all");
        if (s.All && string.IsNullOrWhiteSpace(s.Out)) throw new ArgumentException("--all writes a file: give --out FILE (.csv or .tsv)");
        if (!s.All && s.Out != null) throw new ArgumentException("--out applies to --all; --user prints its recommendations");
        char sep = ',';
        if (s.Out != null)
        {
            string ext = Path.GetExtension(s.Out).ToLowerInvariant();
            sep = ext switch { ".csv" => ',', ".tsv" => '\t', _ => throw new ArgumentException($"--out must end in .csv or .tsv, got \"{s.Out}\"") };
        }
        if (string.IsNullOrWhiteSpace(s.ModelDir)) throw new ArgumentException("--model needs a model folder");
        var saved = ModelStore.Load(s.ModelDir);
        var (section, known) = RatingsSection.Read(saved);
        var model = saved.Model;
        var seenByUser = known.ItemsByUser();
        int top = Math.Min(s.Top, known.Items.Count);
        if (s.Top > known.Items.Count) Warn($"--top {s.Top} is more than the {known.Items.Count} items the model knows; listing all of them");
        if (!s.All)
        {
            int u = known.Users.IndexOf(s.User!.Trim());
            if (u < 0)
                throw new ArgumentException($"user \"{s.User}\" is not in the model's training ratings ({known.Users.Count} users, e.g. {string.Join(", ", known.Users.Ids.Take(3))}); " +
                                            "the model has no history of them to recommend from");
            var one = known.Subset(Enumerable.Range(0, known.Count).Where(k => known.UserIndex[k] == u));
            // user rows need only this user's history; I-AutoRec's item rows need every user's ratings
            var scores = Recommender.Scores(model, RowLayout.Of(model).ByItem ? known : one);
            var ranking = RankingMetrics.TopK(scores.AsSpan(u * known.Items.Count, known.Items.Count), top, s.ExcludeSeen ? seenByUser[u] : null);
            var seen = new HashSet<int>(seenByUser[u]);
            Line($"model  {s.ModelDir}: {model.Config.Describe()}");
            Line($"user   {s.User}: {seenByUser[u].Length} training {(section.ImplicitThreshold is null ? "ratings" : "clicks")}" + (s.ExcludeSeen ? " (left out)" : ""));
            var table = new Table().AddColumn("rank").AddColumn("item").AddColumn(new Spectre.Console.TableColumn(RowLayout.Of(model).Explicit ? "predicted rating" : "probability").RightAligned());
            if (!s.ExcludeSeen) table.AddColumn("seen");
            for (int r = 0; r < ranking.Length; r++)
            {
                var cells = new List<string> { (r + 1).ToString(CultureInfo.InvariantCulture), Markup.Escape(known.Items.Ids[ranking[r]]),
                    Score(scores[u * known.Items.Count + ranking[r]], section, model) };
                if (!s.ExcludeSeen) cells.Add(seen.Contains(ranking[r]) ? "yes" : "");
                table.AddRow([.. cells]);
            }
            Console.Write(table);
            return ExitCodes.Success;
        }
        var all = Recommender.Scores(model, known);
        var text = new StringBuilder();
        text.Append("user").Append(sep).Append("rank").Append(sep).Append("item").Append(sep).Append("score").Append('\n');
        for (int u = 0; u < known.Users.Count; u++)
        {
            var ranking = RankingMetrics.TopK(all.AsSpan(u * known.Items.Count, known.Items.Count), top, s.ExcludeSeen ? seenByUser[u] : null);
            for (int r = 0; r < ranking.Length; r++)
                text.Append(known.Users.Ids[u]).Append(sep).Append(r + 1).Append(sep).Append(known.Items.Ids[ranking[r]]).Append(sep)
                    .Append(Score(all[u * known.Items.Count + ranking[r]], section, model)).Append('\n');
        }
        CancellationScope.ThrowIfCancellationRequested();
        AtomicFile.WriteAllText(s.Out!, text.ToString());
        Line($"wrote {s.Out}: top {top} items for each of {known.Users.Count} users{(s.ExcludeSeen ? " (items they rated left out)" : "")}");
        return ExitCodes.Success;
    }, cancellation);

    /// <summary>A predicted rating clipped to the scale (AutoRec), or a probability.</summary>
    private static string Score(float v, RatingsSection section, Bottleneck.Models.AutoencoderModel model) =>
        RowLayout.Of(model).Explicit
            ? Math.Clamp(v, section.ScaleMin, section.ScaleMax).ToString("0.###", CultureInfo.InvariantCulture)
            : v.ToString("G4", CultureInfo.InvariantCulture);
}

/// <summary>
/// <c>bottleneck evaluate</c> on <c>ratings:</c> data: RMSE for AutoRec (the model predicts each pair from its training ratings),
/// NDCG@100, Recall@20 and Recall@50 for Mult-DAE and Mult-VAE (<see cref="ImplicitEvaluation"/>).
/// </summary>
public sealed class RecommendEvaluateService : CliService
{
    /// <summary>Creates the service.</summary>
    public RecommendEvaluateService(IAnsiConsole console, TextWriter error, bool verbose = false) : base(console, error, verbose) { }

    /// <summary>Evaluates (inside the evaluate command's guard).</summary>
    /// <param name="s">The evaluate settings (--model, --data ratings:…, --json).</param>
    /// <param name="spec">The parsed --data.</param>
    /// <returns>The exit code.</returns>
    public int Evaluate(EvaluateSettings s, DataSpec spec)
    {
        if (string.IsNullOrWhiteSpace(s.ModelDir)) throw new ArgumentException("--model needs a model folder");
        var saved = ModelStore.Load(s.ModelDir);
        var (section, known) = RatingsSection.Read(saved);
        var layout = RowLayout.Of(saved.Model);
        // the file is read as the training data was (threshold, scale) unless its SPEC says otherwise
        var options = (spec.Ratings ?? new RatingsOptions()).Inherit(
            new RatingsOptions(ImplicitThreshold: section.ImplicitThreshold, ScaleMin: layout.Explicit ? section.ScaleMin : null, ScaleMax: layout.Explicit ? section.ScaleMax : null));
        if (layout.Explicit && options.Implicit) throw new ArgumentException($"--data: a {saved.Model.Config.Kind} model predicts explicit ratings; drop :implicit=");
        if (!layout.Explicit && !options.Implicit) throw new ArgumentException($"--data: a {saved.Model.Config.Kind} model ranks implicit feedback; add :implicit=THRESHOLD");
        var test = RatingsTable.Load(spec.Path!, options);
        var json = new JsonObject { ["model"] = s.ModelDir, ["data"] = test.Source };
        if (layout.Explicit)
        {
            var r = RecommendationEvaluator.Rmse(saved.Model, known, test, section.ScaleMin, section.ScaleMax);
            json["rmse"] = r.Rmse; json["ratings"] = r.Pairs; json["fallbacks"] = r.Fallbacks; json["fallback"] = r.Fallback;
            if (!s.Json)
                Line($"rmse {RecommendationTrainService.Num(r.Rmse)} over {r.Pairs} ratings of {test.Source}" +
                     (r.Fallbacks > 0 ? $"; {r.Fallbacks} name a user or item without training ratings and were predicted {RecommendationTrainService.Num(r.Fallback)} (the scale's midpoint)" : ""));
        }
        else
        {
            var (r, knownUsers, newUsers, unknownItems) = ImplicitEvaluation.Run(saved.Model, known, test);
            json["ndcgAt100"] = r.NdcgAt100; json["recallAt20"] = r.RecallAt20; json["recallAt50"] = r.RecallAt50; json["users"] = r.Users;
            json["knownUsers"] = knownUsers; json["newUsers"] = newUsers; json["unknownItemClicks"] = unknownItems;
            if (!s.Json)
            {
                var table = new Table().AddColumn("metric").AddColumn(new Spectre.Console.TableColumn("value").RightAligned());
                table.AddRow("ndcgAt100", RecommendationTrainService.Num(r.NdcgAt100));
                table.AddRow("recallAt20", RecommendationTrainService.Num(r.RecallAt20));
                table.AddRow("recallAt50", RecommendationTrainService.Num(r.RecallAt50));
                Console.Write(table);
                Line($"over {r.Users} users of {test.Source}: {knownUsers} known users scored on their clicks not in the training data, {newUsers} new users " +
                     $"folded in 80/20 (seed 0)" + (unknownItems > 0 ? $"; {unknownItems} clicks on items the model never saw left out" : ""));
            }
        }
        if (s.Json) Line(json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return ExitCodes.Success;
    }
}
