namespace Bottleneck.Data;

/// <summary>
/// Users whose interactions a model never trained on, each split into the items the model is shown (fold-in) and the items it is
/// scored on (Liang et al. 2018, "strong generalization"): the ranking of the scored items among every item the user has not
/// been shown measures the recommendations.
/// </summary>
/// <param name="Users">The held-out users' indices (into <paramref name="FoldIn"/>'s user ids).</param>
/// <param name="FoldIn">The interactions shown to the model (the input rows).</param>
/// <param name="Scored">The interactions to recover (the relevant items of the ranking).</param>
public sealed record HeldOutUsers(int[] Users, RatingMatrix FoldIn, RatingMatrix Scored)
{
    /// <summary>Users with at least one scored item (the ones the metrics average over).</summary>
    public int ScoredUsers => Scored.ItemsByUser().Count(items => items.Length > 0);
}

/// <summary>
/// The strong-generalization protocol of Liang et al. 2018 (their MovieLens-20M and Netflix set-up): the users are shuffled with a
/// seed; <c>validationUsers</c> and <c>testUsers</c> of them are held out; the model trains on every interaction of the others.
/// The item catalogue is the items the training users interacted with (held-out interactions with other items are dropped and
/// counted). For each held-out user with at least <see cref="MinItemsToScore"/> items, a random <see cref="FoldInFraction"/>
/// (80%) of their items is folded in and the rest (at least one) is scored; users with fewer items are folded in whole and not
/// scored.
/// </summary>
public static class StrongGeneralization
{
    /// <summary>The share of a held-out user's items shown to the model (Liang et al.: 80%).</summary>
    public const double FoldInFraction = 0.8;

    /// <summary>Held-out users need this many items to be scored (Liang et al.: 5).</summary>
    public const int MinItemsToScore = 5;

    /// <summary>Splits <paramref name="table"/> (implicit feedback) as described above.</summary>
    /// <param name="table">The interactions.</param>
    /// <param name="validationUsers">Users held out for validation, ≥ 0.</param>
    /// <param name="testUsers">Users held out for the test, ≥ 1.</param>
    /// <param name="seed">Seed of the user shuffle and the fold-in draws.</param>
    /// <returns>The training matrix (training users × catalogue), the validation and the test users (over the same item ids;
    /// their own user ids), and how many held-out interactions named an item outside the catalogue.</returns>
    /// <exception cref="DataException">Fewer than validationUsers + testUsers + 1 users.</exception>
    public static (RatingMatrix Train, HeldOutUsers Validation, HeldOutUsers Test, int UnknownItems) Split(RatingsTable table, int validationUsers, int testUsers, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentOutOfRangeException.ThrowIfNegative(validationUsers);
        ArgumentOutOfRangeException.ThrowIfLessThan(testUsers, 1);
        var all = new IdIndex(table.Rows.Select(r => r.User));
        if (all.Count < validationUsers + testUsers + 1)
            throw new DataException($"{table.Source}: {all.Count} users cannot hold out {validationUsers} validation and {testUsers} test users and keep training users", table.Source);
        var rng = new Tensors.Rng(seed);
        var perm = rng.Permutation(all.Count);
        var test = perm.Take(testUsers).Select(i => all.Ids[i]).ToHashSet(StringComparer.Ordinal);
        var validation = perm.Skip(testUsers).Take(validationUsers).Select(i => all.Ids[i]).ToHashSet(StringComparer.Ordinal);
        var trainRows = table.Rows.Where(r => !test.Contains(r.User) && !validation.Contains(r.User)).ToArray();
        var trainTable = RatingsTable.FromRows(trainRows, table.Options with { ScaleMin = null, ScaleMax = null, ImplicitThreshold = null }, table.Source);
        var train = RatingMatrix.From(trainTable);
        int unknown = 0;
        HeldOutUsers Hold(HashSet<string> users)
        {
            var rows = table.Rows.Where(r => users.Contains(r.User)).ToArray();
            var ids = new IdIndex(rows.Select(r => r.User));
            var heldTable = RatingsTable.FromRows(rows, table.Options with { ScaleMin = null, ScaleMax = null, ImplicitThreshold = null }, table.Source);
            var matrix = RatingMatrix.From(heldTable, ids, train.Items);
            unknown += matrix.UnknownPairs;
            return FoldIn(matrix, rng);
        }
        return (train, validationUsers > 0 ? Hold(validation) : Empty(train), Hold(test), unknown);
    }

    /// <summary>Splits each user's items of <paramref name="matrix"/> into fold-in and scored parts (see the class summary).</summary>
    /// <param name="matrix">The held-out users' interactions.</param>
    /// <param name="rng">Generator of the draws.</param>
    public static HeldOutUsers FoldIn(RatingMatrix matrix, Tensors.Rng rng)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(rng);
        var byUser = new List<int>[matrix.Users.Count];
        for (int u = 0; u < byUser.Length; u++) byUser[u] = [];
        for (int k = 0; k < matrix.Count; k++) byUser[matrix.UserIndex[k]].Add(k);
        var foldIn = new List<int>();
        var scored = new List<int>();
        foreach (var positions in byUser)
        {
            if (positions.Count < MinItemsToScore) { foldIn.AddRange(positions); continue; }
            var perm = rng.Permutation(positions.Count);
            int shown = Math.Min(positions.Count - 1, (int)Math.Floor(FoldInFraction * positions.Count));
            for (int j = 0; j < perm.Length; j++) (j < shown ? foldIn : scored).Add(positions[perm[j]]);
        }
        return new HeldOutUsers(Enumerable.Range(0, matrix.Users.Count).ToArray(), matrix.Subset(foldIn), matrix.Subset(scored));
    }

    private static HeldOutUsers Empty(RatingMatrix train)
    {
        var none = train.Subset([]);
        return new HeldOutUsers([], none, none);
    }
}
