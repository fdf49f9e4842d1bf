using System.Globalization;

namespace Bottleneck.Data;

/// <summary>The field separator of a ratings file.</summary>
public enum RatingsSeparator
{
    /// <summary>Tab (MovieLens u.data, u1.base, u1.test). The default.</summary>
    Tab,
    /// <summary>Comma (MovieLens ratings.csv of the later releases).</summary>
    Comma,
    /// <summary>Vertical bar <c>|</c>.</summary>
    Pipe,
}

/// <summary>
/// How a ratings file is read (the options of the data SPEC <c>ratings:FILE[:sep=TAB|COMMA|PIPE][:implicit=THRESHOLD][:scale=MIN..MAX]</c>).
/// </summary>
/// <param name="Separator">Field separator (default tab).</param>
/// <param name="ImplicitThreshold">Implicit feedback: a rating ≥ the threshold becomes an observed 1 and every other rating is
/// dropped (Liang et al. 2018 keep ratings ≥ 4 of MovieLens as clicks); null (default) keeps the explicit ratings.</param>
/// <param name="ScaleMin">The declared lowest rating; with <paramref name="ScaleMax"/> a rating outside [min, max] is an error
/// naming its row. Null (default): the scale is the range observed in the training file.</param>
/// <param name="ScaleMax">The declared highest rating, or null.</param>
public sealed record RatingsOptions(RatingsSeparator Separator = RatingsSeparator.Tab, float? ImplicitThreshold = null, float? ScaleMin = null, float? ScaleMax = null)
{
    /// <summary>The separator character.</summary>
    public char SeparatorChar => Separator switch { RatingsSeparator.Comma => ',', RatingsSeparator.Pipe => '|', _ => '\t' };

    /// <summary>Whether the feedback is implicit (a threshold was given).</summary>
    public bool Implicit => ImplicitThreshold is not null;

    /// <summary>The SPEC suffix of these options, e.g. <c>:sep=COMMA:implicit=4</c> (empty for the defaults).</summary>
    public string SpecSuffix() =>
        (Separator != RatingsSeparator.Tab ? $":sep={Separator.ToString().ToUpperInvariant()}" : "") +
        (ImplicitThreshold is { } t ? $":implicit={t.ToString(CultureInfo.InvariantCulture)}" : "") +
        (ScaleMin is { } lo && ScaleMax is { } hi ? $":scale={lo.ToString(CultureInfo.InvariantCulture)}..{hi.ToString(CultureInfo.InvariantCulture)}" : "");

    /// <summary>
    /// These options completed from <paramref name="defaults"/> (those of the training data): all of them when these are the
    /// defaults (nothing given), else the threshold and the scale where these have none (the separator is these options').
    /// </summary>
    /// <param name="defaults">The options to inherit from.</param>
    public RatingsOptions Inherit(RatingsOptions defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        return this == new RatingsOptions() ? defaults
            : this with { ImplicitThreshold = ImplicitThreshold ?? defaults.ImplicitThreshold, ScaleMin = ScaleMin ?? defaults.ScaleMin, ScaleMax = ScaleMax ?? defaults.ScaleMax };
    }

    /// <summary>Parses the options after a ratings SPEC's path (each <c>:key=value</c>).</summary>
    /// <param name="parts">The option texts, e.g. ["sep=COMMA", "implicit=4"].</param>
    /// <exception cref="FormatException">An unknown key or a bad value; the message names it.</exception>
    public static RatingsOptions Parse(IEnumerable<string> parts)
    {
        var o = new RatingsOptions();
        foreach (var part in parts)
        {
            int eq = part.IndexOf('=');
            string key = eq < 0 ? part.ToLowerInvariant() : part[..eq].ToLowerInvariant(), value = eq < 0 ? "" : part[(eq + 1)..];
            switch (key)
            {
                case "sep":
                    o = o with
                    {
                        Separator = value.ToUpperInvariant() switch
                        {
                            "TAB" or "\\T" => RatingsSeparator.Tab,
                            "COMMA" or "," => RatingsSeparator.Comma,
                            "PIPE" or "|" => RatingsSeparator.Pipe,
                            _ => throw new FormatException($"sep= takes TAB, COMMA or PIPE, got \"{value}\""),
                        },
                    };
                    break;
                case "implicit":
                    o = o with { ImplicitThreshold = Number(value, "implicit=") };
                    break;
                case "scale":
                {
                    int dots = value.IndexOf("..", StringComparison.Ordinal);
                    if (dots < 0) throw new FormatException($"scale= takes MIN..MAX (e.g. scale=1..5), got \"{value}\"");
                    float lo = Number(value[..dots], "scale= minimum"), hi = Number(value[(dots + 2)..], "scale= maximum");
                    if (!(hi > lo)) throw new FormatException($"scale= needs MIN < MAX, got {value}");
                    o = o with { ScaleMin = lo, ScaleMax = hi };
                    break;
                }
                default:
                    throw new FormatException($"unknown ratings option \"{part}\" (options: sep=TAB|COMMA|PIPE, implicit=THRESHOLD, scale=MIN..MAX)");
            }
        }
        return o;

        static float Number(string text, string what) =>
            float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && float.IsFinite(v)
                ? v : throw new FormatException($"{what} needs a number, got \"{text}\"");
    }
}

/// <summary>One rating: who rated what, how much, and when.</summary>
/// <param name="User">The user's id as written in the file.</param>
/// <param name="Item">The item's id as written in the file.</param>
/// <param name="Value">The rating (1 for implicit feedback).</param>
/// <param name="Timestamp">The optional fourth column (e.g. Unix seconds), or null.</param>
public readonly record struct RatingEntry(string User, string Item, float Value, long? Timestamp = null);

/// <summary>
/// A ratings file: one rating per line, <c>user SEP item SEP rating[ SEP timestamp]</c> (the MovieLens u.data layout). A first
/// line whose rating field is not a number is a header and skipped; blank lines are skipped. Ids are kept as text.
/// </summary>
/// <remarks>
/// Errors (each a <see cref="DataException"/> naming the file, the 1-based line and the column): a line with fewer than 3 or more
/// than 4 fields, an empty id, a rating that is not a finite number, a timestamp that is not an integer, a rating outside the
/// declared scale, the same (user, item) pair twice, and a file with no rating. Implicit feedback keeps the ratings ≥ the
/// threshold as 1s and drops the others (their count is in <see cref="Dropped"/>).
/// </remarks>
public sealed class RatingsTable
{
    private RatingsTable(string source, RatingEntry[] rows, RatingsOptions options, float min, float max, int dropped)
    {
        Source = source; Rows = rows; Options = options; ScaleMin = min; ScaleMax = max; Dropped = dropped;
    }

    /// <summary>The file read, for messages.</summary>
    public string Source { get; }

    /// <summary>The ratings in file order (after the implicit threshold).</summary>
    public IReadOnlyList<RatingEntry> Rows { get; }

    /// <summary>How the file was read.</summary>
    public RatingsOptions Options { get; }

    /// <summary>The lowest rating of the scale: the declared one, else the lowest in the file (before the implicit threshold).</summary>
    public float ScaleMin { get; }

    /// <summary>The highest rating of the scale: the declared one, else the highest in the file.</summary>
    public float ScaleMax { get; }

    /// <summary>Ratings below the implicit threshold that were dropped (0 for explicit feedback).</summary>
    public int Dropped { get; }

    /// <summary>Creates a table from ratings in memory (tests, generated data); the scale is their range unless declared.</summary>
    /// <param name="rows">The ratings.</param>
    /// <param name="options">The options (the separator is not used).</param>
    /// <param name="source">Name for messages (default "memory").</param>
    /// <exception cref="DataException">As for <see cref="Load"/>.</exception>
    public static RatingsTable FromRows(IEnumerable<RatingEntry> rows, RatingsOptions? options = null, string source = "memory")
    {
        var builder = new Builder(source, options ?? new RatingsOptions());
        int line = 0;
        foreach (var r in rows) builder.Add(r, ++line);
        return builder.Build();
    }

    /// <summary>Reads a ratings file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="options">Separator, implicit threshold and declared scale (default: tab, explicit, observed range).</param>
    /// <exception cref="DataException">The file is missing, malformed or breaks a rule above; the message names file, line and column.</exception>
    public static RatingsTable Load(string path, RatingsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= new RatingsOptions();
        if (!File.Exists(path)) throw new DataException($"{path}: ratings file not found", path);
        var builder = new Builder(path, options);
        char sep = options.SeparatorChar;
        int lineNumber = 0;
        using var reader = new StreamReader(path);
        string? line;
        while ((line = reader.ReadLine()) != null)
        {
            lineNumber++;
            if (line.Length > 0 && line[^1] == '\r') line = line[..^1];
            if (line.Trim().Length == 0) continue;
            var f = line.Split(sep);
            if (f.Length is < 3 or > 4)
                throw new DataException($"{path}, line {lineNumber}: expected user{Name(sep)}item{Name(sep)}rating[{Name(sep)}timestamp] (3 or 4 fields), got {f.Length} field(s)" +
                    (f.Length == 1 ? $"; is the separator right? (sep={options.Separator.ToString().ToUpperInvariant()}; sep=TAB|COMMA|PIPE)" : ""), path);
            string user = f[0].Trim(), item = f[1].Trim(), ratingText = f[2].Trim();
            if (!float.TryParse(ratingText, NumberStyles.Float, CultureInfo.InvariantCulture, out float rating) || !float.IsFinite(rating))
            {
                if (builder.Count == 0 && lineNumber == builder.FirstContentLine(lineNumber)) continue;   // a header line
                throw new DataException($"{path}, line {lineNumber}, column 3 (rating): \"{ratingText}\" is not a finite number", path);
            }
            if (user.Length == 0) throw new DataException($"{path}, line {lineNumber}, column 1 (user): empty id", path);
            if (item.Length == 0) throw new DataException($"{path}, line {lineNumber}, column 2 (item): empty id", path);
            long? timestamp = null;
            if (f.Length == 4)
            {
                string t = f[3].Trim();
                if (!long.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out long ts))
                    throw new DataException($"{path}, line {lineNumber}, column 4 (timestamp): \"{t}\" is not an integer", path);
                timestamp = ts;
            }
            builder.Add(new RatingEntry(user, item, rating, timestamp), lineNumber);
        }
        return builder.Build();

        static string Name(char c) => c switch { '\t' => "<TAB>", _ => c.ToString() };
    }

    /// <summary>Collects rows, checks the scale and duplicates, applies the implicit threshold.</summary>
    private sealed class Builder(string source, RatingsOptions options)
    {
        private readonly List<RatingEntry> _rows = [];
        private readonly Dictionary<(string, string), int> _seen = [];
        private float _min = float.PositiveInfinity, _max = float.NegativeInfinity;
        private int _dropped, _firstLine = -1;

        public int Count => _rows.Count + _dropped;

        /// <summary>The first line that had content (the only one that may be a header).</summary>
        public int FirstContentLine(int line) => _firstLine < 0 ? _firstLine = line : _firstLine;

        public void Add(RatingEntry r, int line)
        {
            FirstContentLine(line);
            if (!float.IsFinite(r.Value))
                throw new DataException($"{source}, line {line}, column 3 (rating): {r.Value} is not a finite number", source);
            if (options.ScaleMin is { } lo && options.ScaleMax is { } hi && (r.Value < lo || r.Value > hi))
                throw new DataException($"{source}, line {line}, column 3 (rating): {r.Value.ToString(CultureInfo.InvariantCulture)} is outside the declared scale " +
                                        $"{lo.ToString(CultureInfo.InvariantCulture)}..{hi.ToString(CultureInfo.InvariantCulture)}", source);
            if (!_seen.TryAdd((r.User, r.Item), line))
                throw new DataException($"{source}, line {line}: user {r.User} rated item {r.Item} twice (first on line {_seen[(r.User, r.Item)]}); keep one rating per pair", source);
            _min = Math.Min(_min, r.Value);
            _max = Math.Max(_max, r.Value);
            if (options.ImplicitThreshold is { } t)
            {
                if (r.Value >= t) _rows.Add(r with { Value = 1f });
                else _dropped++;
            }
            else _rows.Add(r);
        }

        public RatingsTable Build()
        {
            if (_rows.Count == 0)
                throw new DataException(_dropped > 0
                    ? $"{source}: no rating reaches the implicit threshold {options.ImplicitThreshold!.Value.ToString(CultureInfo.InvariantCulture)} ({_dropped} below it)"
                    : $"{source}: the file has no ratings", source);
            return new RatingsTable(source, _rows.ToArray(), options, options.ScaleMin ?? _min, options.ScaleMax ?? _max, _dropped);
        }
    }
}

/// <summary>
/// The ids of users or items and their 0-based indices. Ids that are all integers are ordered numerically (MovieLens 1..943),
/// others ordinally, so the same set of ids always gets the same indices.
/// </summary>
public sealed class IdIndex
{
    private readonly Dictionary<string, int> _index;

    /// <summary>Creates the index of <paramref name="ids"/> (duplicates collapse), in the order described above.</summary>
    /// <param name="ids">The ids.</param>
    public IdIndex(IEnumerable<string> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var distinct = ids.Distinct(StringComparer.Ordinal).ToArray();
        bool numeric = distinct.All(s => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out _));
        Ids = numeric
            ? distinct.OrderBy(s => long.Parse(s, CultureInfo.InvariantCulture)).ThenBy(s => s, StringComparer.Ordinal).ToArray()
            : distinct.OrderBy(s => s, StringComparer.Ordinal).ToArray();
        _index = new Dictionary<string, int>(Ids.Count, StringComparer.Ordinal);
        for (int i = 0; i < Ids.Count; i++) _index[Ids[i]] = i;
    }

    /// <summary>The ids, index order.</summary>
    public IReadOnlyList<string> Ids { get; }

    /// <summary>Number of ids.</summary>
    public int Count => Ids.Count;

    /// <summary>The index of <paramref name="id"/>, or −1 when it is not in the index.</summary>
    public int IndexOf(string id) => _index.TryGetValue(id, out int i) ? i : -1;
}

/// <summary>
/// Ratings as a sparse users × items matrix over fixed id indices (COO: parallel arrays of user index, item index, value), and
/// the dense rows models train on. Pairs whose user or item is not in the indices are left out and counted
/// (<see cref="UnknownPairs"/>), so a caller reports them instead of scoring them silently.
/// </summary>
public sealed class RatingMatrix
{
    private RatingMatrix(IdIndex users, IdIndex items, int[] u, int[] i, float[] r, int unknown, string source)
    {
        Users = users; Items = items; UserIndex = u; ItemIndex = i; Values = r; UnknownPairs = unknown; Source = source;
    }

    /// <summary>The user ids.</summary>
    public IdIndex Users { get; }
    /// <summary>The item ids.</summary>
    public IdIndex Items { get; }
    /// <summary>User index of each rating.</summary>
    public int[] UserIndex { get; }
    /// <summary>Item index of each rating.</summary>
    public int[] ItemIndex { get; }
    /// <summary>Each rating's value.</summary>
    public float[] Values { get; }
    /// <summary>Number of ratings.</summary>
    public int Count => Values.Length;
    /// <summary>Ratings left out because their user or item is not in the indices.</summary>
    public int UnknownPairs { get; }
    /// <summary>Where the ratings came from.</summary>
    public string Source { get; }

    /// <summary>The matrix of <paramref name="table"/> over its own ids.</summary>
    /// <param name="table">The ratings.</param>
    public static RatingMatrix From(RatingsTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return From(table, new IdIndex(table.Rows.Select(r => r.User)), new IdIndex(table.Rows.Select(r => r.Item)));
    }

    /// <summary>The matrix of <paramref name="table"/> over given id indices (a model's); unknown pairs are left out and counted.</summary>
    /// <param name="table">The ratings.</param>
    /// <param name="users">The user ids.</param>
    /// <param name="items">The item ids.</param>
    public static RatingMatrix From(RatingsTable table, IdIndex users, IdIndex items)
    {
        ArgumentNullException.ThrowIfNull(table);
        var u = new List<int>(table.Rows.Count); var i = new List<int>(table.Rows.Count); var r = new List<float>(table.Rows.Count);
        int unknown = 0;
        foreach (var row in table.Rows)
        {
            int ui = users.IndexOf(row.User), ii = items.IndexOf(row.Item);
            if (ui < 0 || ii < 0) { unknown++; continue; }
            u.Add(ui); i.Add(ii); r.Add(row.Value);
        }
        return new RatingMatrix(users, items, u.ToArray(), i.ToArray(), r.ToArray(), unknown, table.Source);
    }

    /// <summary>A matrix over the same ids holding only the ratings at <paramref name="positions"/>.</summary>
    /// <param name="positions">Indices into the ratings.</param>
    public RatingMatrix Subset(IEnumerable<int> positions)
    {
        var p = positions.ToArray();
        return new RatingMatrix(Users, Items, p.Select(k => UserIndex[k]).ToArray(), p.Select(k => ItemIndex[k]).ToArray(),
            p.Select(k => Values[k]).ToArray(), 0, Source);
    }

    /// <summary>
    /// The dense matrix and its observation mask, row-major: by user (rows = users, Users × Items) or by item (rows = items,
    /// Items × Users, I-AutoRec's item vectors). Unobserved entries are 0 with mask 0.
    /// </summary>
    /// <param name="byItem">Rows are items (true) or users (false).</param>
    public (float[] Values, float[] Mask) Dense(bool byItem)
    {
        int cols = byItem ? Users.Count : Items.Count;
        var values = new float[(long)Users.Count * Items.Count];
        var mask = new float[values.Length];
        for (int k = 0; k < Count; k++)
        {
            long at = byItem ? (long)ItemIndex[k] * cols + UserIndex[k] : (long)UserIndex[k] * cols + ItemIndex[k];
            values[at] = Values[k];
            mask[at] = 1f;
        }
        return (values, mask);
    }

    /// <summary>The items each user rated, as sorted item indices per user.</summary>
    public int[][] ItemsByUser()
    {
        var lists = Enumerable.Range(0, Users.Count).Select(_ => new List<int>()).ToArray();
        for (int k = 0; k < Count; k++) lists[UserIndex[k]].Add(ItemIndex[k]);
        return lists.Select(l => { l.Sort(); return l.ToArray(); }).ToArray();
    }
}
