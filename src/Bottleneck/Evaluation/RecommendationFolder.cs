using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bottleneck.Data;
using Bottleneck.IO;
using Bottleneck.ModelFiles;
using Bottleneck.Models.Recommendation;

namespace Bottleneck.Evaluation;

/// <summary>
/// What a recommendation model folder keeps besides the weights: the config.json section <c>ratings</c> (the rating scale, the
/// implicit threshold, the numbers of users, items and ratings, and the SHA-256 of the ratings file) and <c>ratings.tsv</c>, the
/// training interactions (<c>user TAB item TAB value</c>, original ids): the history the model is shown when it recommends and
/// the source of its user and item ids (<see cref="IdIndex"/> orders them the same way every time).
/// </summary>
/// <param name="ScaleMin">Lowest rating of the scale (predictions are clipped to it).</param>
/// <param name="ScaleMax">Highest rating.</param>
/// <param name="ImplicitThreshold">The implicit threshold the data was read with, or null for explicit ratings.</param>
/// <param name="Users">Users in the training ratings.</param>
/// <param name="Items">Items in the training ratings.</param>
/// <param name="Ratings">Training ratings.</param>
/// <param name="Sha256">SHA-256 of ratings.tsv (lower-case hex).</param>
public sealed record RatingsSection(float ScaleMin, float ScaleMax, float? ImplicitThreshold, int Users, int Items, int Ratings, string Sha256)
{
    /// <summary>The section's name in config.json.</summary>
    public const string Name = "ratings";

    /// <summary>The ratings file's name in the model folder.</summary>
    public const string File = "ratings.tsv";

    /// <summary>Writes <paramref name="known"/> as <see cref="File"/> into <paramref name="folder"/> (atomically) and returns the section describing it.</summary>
    /// <param name="folder">The model folder (or its staging copy).</param>
    /// <param name="known">The training interactions.</param>
    /// <param name="table">The ratings they came from (scale and threshold).</param>
    public static RatingsSection Write(string folder, RatingMatrix known, RatingsTable table)
    {
        ArgumentNullException.ThrowIfNull(known);
        ArgumentNullException.ThrowIfNull(table);
        var text = new StringBuilder(known.Count * 16);
        for (int k = 0; k < known.Count; k++)
            text.Append(known.Users.Ids[known.UserIndex[k]]).Append('\t').Append(known.Items.Ids[known.ItemIndex[k]]).Append('\t')
                .Append(known.Values[k].ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        AtomicFile.WriteAllBytes(Path.Combine(folder, File), bytes);
        return new RatingsSection(table.ScaleMin, table.ScaleMax, table.Options.ImplicitThreshold, known.Users.Count, known.Items.Count, known.Count,
            Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    /// <summary>The training interactions of a loaded recommendation model, checked against the section and the model's width.</summary>
    /// <param name="saved">The loaded model folder.</param>
    /// <exception cref="ModelFileException">No ratings section (not a recommendation model folder), a missing or changed ratings.tsv, or
    /// ids that do not fit the model.</exception>
    public static (RatingsSection Section, RatingMatrix Known) Read(SavedModel saved)
    {
        ArgumentNullException.ThrowIfNull(saved);
        string config = saved.ConfigPath;
        if (!RowLayout.IsRecommender(saved.Model))
            throw new ModelFileException($"{saved.Folder}: a {saved.Model.Config.Kind} model is not a recommender (train --kind autorec, mult-dae or mult-vae on ratings: data)", config);
        if (saved.Sections is null || !saved.Sections.TryGet(Name, out var json) || json.ValueKind != JsonValueKind.Object)
            throw new ModelFileException($"{config}: no '{Name}' entry; the folder was not written by 'bottleneck train' on ratings: data", config);
        RatingsSection section;
        try { section = json.Deserialize<RatingsSection>(new JsonSerializerOptions(JsonSerializerDefaults.Web)) ?? throw new JsonException("null"); }
        catch (JsonException e) { throw new ModelFileException($"{config}: its '{Name}' entry cannot be read ({e.Message})", config, e); }
        string path = Path.Combine(saved.Folder ?? ".", File);
        if (!System.IO.File.Exists(path)) throw new ModelFileException($"{path}: missing; the model folder needs the training ratings to recommend", path);
        var bytes = System.IO.File.ReadAllBytes(path);
        if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(bytes)), section.Sha256, StringComparison.Ordinal))
            throw new ModelFileException($"{path} was changed after training (its SHA-256 differs from config.json's); retrain or restore it", path);
        RatingMatrix known;
        try { known = RatingMatrix.From(RatingsTable.Load(path)); }
        catch (DataException e) { throw new ModelFileException($"{path} is invalid: {e.Message}", path, e); }
        var layout = RowLayout.Of(saved.Model);
        int width = layout.ByItem ? known.Users.Count : known.Items.Count;
        if (width != saved.Model.InputDim || known.Count != section.Ratings)
            throw new ModelFileException($"{path}: {known.Users.Count} users, {known.Items.Count} items and {known.Count} ratings do not fit the model " +
                                         $"({saved.Model.InputDim} {(layout.ByItem ? "users" : "items")}, {section.Ratings} ratings)", path);
        return (section, known);
    }

    /// <summary>The section as a config.json entry of <paramref name="saved"/>.</summary>
    /// <param name="saved">The model folder being written.</param>
    public SavedModel AddTo(SavedModel saved) =>
        (saved ?? throw new ArgumentNullException(nameof(saved))) with
        {
            Sections = (saved.Sections ?? ModelSections.Empty).With(Name, this, new JsonSerializerOptions(JsonSerializerDefaults.Web)),
        };
}

/// <summary>
/// Implicit-feedback evaluation of a file against a trained model: each user of the file who is in the training ratings is shown
/// their training items and scored on the file's items they had not rated in training ("weak generalization", e.g. u1.base / u1.test);
/// a user the model never saw is folded in with 80% of their file items and scored on the other 20% (Liang et al.'s strong
/// generalization). Items the model never saw are dropped and counted.
/// </summary>
public static class ImplicitEvaluation
{
    /// <summary>The ranking report over every scored user of <paramref name="test"/>.</summary>
    /// <param name="model">A mult-dae or mult-vae model (or any user-row recommender).</param>
    /// <param name="known">The model's training interactions.</param>
    /// <param name="test">The clicks to recover.</param>
    /// <param name="seed">Seed of the 80/20 draws of new users.</param>
    /// <returns>The report, the users seen in training, the new users folded in, and the clicks on unknown items dropped.</returns>
    /// <exception cref="ArgumentException">No user has a click to recover.</exception>
    public static (RankingReport Report, int KnownUsers, int NewUsers, int UnknownItems) Run(Models.AutoencoderModel model, RatingMatrix known, RatingsTable test, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(known);
        ArgumentNullException.ThrowIfNull(test);
        var users = new IdIndex(test.Rows.Select(r => r.User));
        var fileMatrix = RatingMatrix.From(test, users, known.Items);
        var knownByUser = known.ItemsByUser();
        var fileByUser = fileMatrix.ItemsByUser();
        // new users: 80/20 of their own clicks
        var newIds = users.Ids.Where(id => known.Users.IndexOf(id) < 0).ToHashSet(StringComparer.Ordinal);
        var newPositions = Enumerable.Range(0, fileMatrix.Count).Where(k => newIds.Contains(users.Ids[fileMatrix.UserIndex[k]]));
        var held = StrongGeneralization.FoldIn(fileMatrix.Subset(newPositions), new Tensors.Rng(seed));
        var heldShown = held.FoldIn.ItemsByUser();
        var heldScored = held.Scored.ItemsByUser();
        var shown = new int[users.Count][];
        var relevant = new int[users.Count][];
        var rowsU = new List<int>(); var rowsI = new List<int>();
        for (int u = 0; u < users.Count; u++)
        {
            int k = known.Users.IndexOf(users.Ids[u]);
            if (k >= 0)
            {
                shown[u] = knownByUser[k];
                var seen = new HashSet<int>(shown[u]);
                relevant[u] = fileByUser[u].Where(i => !seen.Contains(i)).ToArray();
            }
            else { shown[u] = heldShown[u]; relevant[u] = heldScored[u]; }
            foreach (int i in shown[u]) { rowsU.Add(u); rowsI.Add(i); }
        }
        var input = RatingsTable.FromRows(rowsU.Select((u, j) => new RatingEntry(users.Ids[u], known.Items.Ids[rowsI[j]], 1f)), source: test.Source);
        var scores = Recommender.Scores(model, RatingMatrix.From(input, users, known.Items));
        return (RankingMetrics.Evaluate(scores, known.Items.Count, shown, relevant), users.Count - newIds.Count, newIds.Count, fileMatrix.UnknownPairs);
    }
}
