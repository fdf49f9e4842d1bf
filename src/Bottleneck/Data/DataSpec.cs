using System.Globalization;

namespace Bottleneck.Data;

/// <summary>Kind of data source named by a <see cref="DataSpec"/>.</summary>
public enum DataKind
{
    /// <summary>The built-in procedural glyph dataset (<see cref="DemoDataset"/>).</summary>
    Demo,
    /// <summary>An MNIST folder in IDX format.</summary>
    Mnist,
    /// <summary>A CSV/TSV file.</summary>
    Csv,
    /// <summary>A NumPy .npy file.</summary>
    Npy,
    /// <summary>A folder of PNG, JPEG, BMP and GIF images (<see cref="ImageFolder"/>).</summary>
    Images,
    /// <summary>A file of equal-length sequences, one per row (<see cref="SequenceLoader"/>).</summary>
    Sequences,
    /// <summary>One long CSV series cut into sliding windows (<see cref="SeriesLoader"/>).</summary>
    Series,
    /// <summary>A graph: Cora's files or an edge list with optional node features (<see cref="GraphLoader"/>); for graph kinds.</summary>
    Graph,
    /// <summary>A ratings file, one (user, item, rating[, timestamp]) per line (<see cref="RatingsTable"/>).</summary>
    Ratings,
    /// <summary>A Parquet file of numeric columns, read by row group (<see cref="ParquetRowReader"/>).</summary>
    Parquet,
}

/// <summary>
/// A parsed command-line data SPEC. Accepted forms:
/// <c>demo[:COUNT]</c>, <c>mnist[:DIR][:train|test]</c> (DIR defaults to the shared data folder's <c>mnist</c>),
/// <c>csv:FILE[:label=COL]</c> (COL = header name, 0-based index, -1 or "last"), <c>npy:FILE[:labels=FILE]</c>,
/// <c>images:DIR[:size=HxW][:channels=1|3][:patch=P[,stride=S]][:skip-bad]</c> (options in any order).
/// <c>sequences:FILE[:label=COL][:pad]</c> (one sequence per row; COL a 0-based index, first or last; <c>pad</c>: rows of different lengths, padded and masked),
/// <c>series:FILE.csv[:columns=a,b][:time=COL][:label=COL]:window=W[,stride=S][:until=TIME|FRACTION]</c> (sliding windows).
/// <c>ratings:FILE[:sep=TAB|COMMA|PIPE][:implicit=THRESHOLD][:scale=MIN..MAX]</c> (user, item, rating[, timestamp] per line).
/// <c>parquet:FILE[:label=COL]</c> (numeric columns; COL = name, 0-based index, -1 or "last").
/// Paths may contain ':' (e.g. Windows drive letters); only a trailing <c>:train</c>, <c>:test</c>, <c>:label=...</c>,
/// <c>:labels=...</c> or <c>:COUNT</c> suffix is treated as an option.
/// </summary>
/// <param name="Kind">Source kind.</param>
/// <param name="Path">File or folder path; null for demo (and for mnist when the shared folder is used).</param>
/// <param name="Split">"train" or "test" when given in the spec, else null (the caller's default applies).</param>
/// <param name="LabelColumn">CSV label column (name or index), or null.</param>
/// <param name="LabelsPath">For npy: optional .npy file with labels, or null.</param>
/// <param name="Count">For demo: number of images, or null for the default.</param>
/// <param name="Images">For images: resize, channel and patch options, or null for none.</param>
/// <param name="Series">For series: window, stride, columns, time column and split point; else null.</param>
/// <param name="Ratings">For ratings: separator, implicit threshold and declared scale; else null.</param>
public sealed record DataSpec(DataKind Kind, string? Path, string? Split = null, string? LabelColumn = null, string? LabelsPath = null, int? Count = null,
                              ImageFolderOptions? Images = null, SeriesOptions? Series = null, RatingsOptions? Ratings = null)
{
    /// <summary>Text listing the accepted SPEC forms, for help and error messages.</summary>
    public const string AcceptedForms =
        "demo[:COUNT] | mnist[:DIR][:train|test] | csv:FILE[:label=COLUMN][:decimal=comma] | npy:FILE[:labels=FILE] | images:DIR[:size=HxW][:channels=1|3][:patch=P[,stride=S]][:skip-bad] | sequences:FILE[:label=COLUMN][:pad] | series:FILE[:columns=A,B][:time=COLUMN][:label=COLUMN]:window=W[,stride=S][:until=TIME|FRACTION] | graph:cora:DIR | graph:EDGES.csv[:features=FILE.csv] | ratings:FILE[:sep=TAB|COMMA|PIPE][:implicit=THRESHOLD][:scale=MIN..MAX] | parquet:FILE[:label=COLUMN]";

    /// <summary>For csv: numbers are written with a decimal comma (<c>:decimal=comma</c>, or the CLI's <c>--decimal comma</c>);
    /// default false (invariant culture: a cell such as <c>0,5</c> is an error naming file, row and column).</summary>
    public bool DecimalComma { get; init; }

    /// <summary>For sequences: rows may have different lengths (<c>:pad</c>); they are post-padded with zeros to the longest and the padding
    /// is masked (<see cref="Dataset.StepCounts"/>). Default false: a ragged file is an error.</summary>
    public bool Pad { get; init; }

    /// <summary>For graph: the node-feature CSV of an edge list (<c>:features=FILE.csv</c>), or null (Cora, or featureless).</summary>
    public string? GraphFeatures { get; init; }

    /// <summary>For graph: the path is a folder of Cora's LINQS files (<c>graph:cora:DIR</c>).</summary>
    public bool GraphCora { get; init; }

    /// <summary>The most demo images the memory budget allows (28×28 float32 values each, plus labels).</summary>
    public static int MaxDemoCount() =>
        (int)Math.Min(Array.MaxLength / DemoDataset.Size / DemoDataset.Size, Bottleneck.IO.InputFile.MemoryBudgetBytes / (4L * DemoDataset.Size * DemoDataset.Size + 4));

    private static void CheckDemoCount(int n, string spec)
    {
        int max = MaxDemoCount();
        if (n > max)
            throw new DataException($"invalid data SPEC \"{spec}\": demo image count {n} is too large: {n} images of {DemoDataset.Size}×{DemoDataset.Size} float32 values need " +
                                    $"{Bottleneck.IO.InputFile.FormatBytes(4L * n * DemoDataset.Size * DemoDataset.Size)}, at most {max} fit in the memory budget");
    }

    /// <summary>This spec with its paths made absolute and canonical (symbolic links resolved; see
    /// <see cref="DataFileFingerprint.Canonical"/>), so that it reads the same files from any working directory; a mnist SPEC without a
    /// folder gets the shared folder found now. Demo data is unchanged.</summary>
    public DataSpec Resolved() => this with
    {
        // The shared mnist folder is found from the working folder: record the one found, so it is the same from anywhere.
        Path = Path is null ? Kind == DataKind.Mnist && DataDirectory.Find("mnist") is { } found ? DataFileFingerprint.Canonical(found) : null
             : DataFileFingerprint.Canonical(Path),
        LabelsPath = LabelsPath is null ? null : DataFileFingerprint.Canonical(LabelsPath),
        GraphFeatures = GraphFeatures is null ? null : DataFileFingerprint.Canonical(GraphFeatures),
    };

    /// <summary>The files this spec reads for <paramref name="defaultSplit"/>: the csv or npy file (and its labels file), or the MNIST
    /// images and labels files; none for demo data and image folders.</summary>
    /// <param name="defaultSplit">Split used when the spec names none (as for <see cref="Load"/>); default "train".</param>
    /// <exception cref="DataException">A MNIST folder or file cannot be found.</exception>
    public IReadOnlyList<string> Files(string defaultSplit = "train")
    {
        switch (Kind)
        {
            case DataKind.Demo: return [];
            case DataKind.Mnist:
            {
                string? dir = Path ?? DataDirectory.Find("mnist");
                if (dir == null) return [];
                return IdxLoader.MnistFiles(dir, (Split ?? defaultSplit).ToLowerInvariant());
            }
            case DataKind.Csv or DataKind.Ratings or DataKind.Parquet: return [Path!];
            case DataKind.Images: return [];   // an image folder is not fingerprinted (see docs/reliability.md, limits)
            case DataKind.Graph: return GraphSpecs.Files(this);
            default: return LabelsPath is null ? [Path!] : [Path!, LabelsPath];
        }
    }

    /// <summary>Images generated for the demo training split when no count is given.</summary>
    public const int DefaultDemoTrainCount = 8000;

    /// <summary>Images generated for the demo test split when no count is given.</summary>
    public const int DefaultDemoTestCount = 2000;

    /// <summary>Parses a SPEC string.</summary>
    /// <param name="spec">The SPEC, e.g. "mnist:../shared/data/mnist:test" or "csv:cardio.csv:label=label".</param>
    /// <returns>The typed spec (paths are not checked until <see cref="Load"/>).</returns>
    /// <exception cref="DataException">The SPEC is empty or malformed; the message lists the accepted forms.</exception>
    public static DataSpec Parse(string spec)
    {
        DataException Bad(string why) => new($"invalid data SPEC \"{spec}\": {why}. Accepted forms: {AcceptedForms}");
        if (string.IsNullOrWhiteSpace(spec)) throw Bad("it is empty");
        spec = spec.Trim();
        int colon = spec.IndexOf(':');
        string kind = (colon < 0 ? spec : spec[..colon]).ToLowerInvariant();
        string rest = colon < 0 ? "" : spec[(colon + 1)..];
        if (kind != "csv" && spec.EndsWith(":decimal=comma", StringComparison.OrdinalIgnoreCase))
            throw Bad("a decimal comma (--decimal comma or :decimal=comma) applies to csv: data only");
        switch (kind)
        {
            case "demo":
                if (rest.Length == 0) return new DataSpec(DataKind.Demo, null);
                if (int.TryParse(rest, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n > 0)
                {
                    CheckDemoCount(n, spec);
                    return new DataSpec(DataKind.Demo, null, Count: n);
                }
                if (rest.Length > 0 && rest.All(char.IsAsciiDigit) && rest.TrimStart('0').Length > 0)
                    throw Bad($"demo image count {rest} is too large (at most {MaxDemoCount()} images fit in memory here)");
                throw Bad($"demo takes an optional positive image count, got \"{rest}\"");
            case "mnist":
            {
                string? split = null;
                string path = rest;
                foreach (var s in new[] { "train", "test" })
                {
                    if (path.Equals(s, StringComparison.OrdinalIgnoreCase)) { split = s; path = ""; break; }
                    if (path.EndsWith(":" + s, StringComparison.OrdinalIgnoreCase)) { split = s; path = path[..^(s.Length + 1)]; break; }
                }
                return new DataSpec(DataKind.Mnist, path.Length == 0 ? null : path, split);
            }
            case "csv":
            {
                string path = rest;
                string? label = null;
                bool decimalComma = false;
                foreach (var (suffix, comma) in new[] { (":decimal=comma", true), (":decimal=point", false) })
                    if (path.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) { decimalComma = comma; path = path[..^suffix.Length]; break; }
                int li = path.LastIndexOf(":label=", StringComparison.OrdinalIgnoreCase);
                if (li >= 0) { label = path[(li + 7)..]; path = path[..li]; if (label.Length == 0) throw Bad("label= needs a column name or index"); }
                if (path.Length == 0) throw Bad("csv needs a file path");
                return new DataSpec(DataKind.Csv, path, LabelColumn: label) { DecimalComma = decimalComma };
            }
            case "parquet":
            {
                string path = rest;
                string? label = null;
                int li = path.LastIndexOf(":label=", StringComparison.OrdinalIgnoreCase);
                if (li >= 0) { label = path[(li + 7)..]; path = path[..li]; if (label.Length == 0) throw Bad("label= needs a column name or index"); }
                if (path.Length == 0) throw Bad("parquet needs a file path");
                return new DataSpec(DataKind.Parquet, path, LabelColumn: label);
            }
            case "sequences":
            {
                string path = rest;
                string? label = null;
                bool pad = false;
                if (path.EndsWith(":pad", StringComparison.OrdinalIgnoreCase)) { pad = true; path = path[..^4]; }
                int li = path.LastIndexOf(":label=", StringComparison.OrdinalIgnoreCase);
                if (li >= 0) { label = path[(li + 7)..]; path = path[..li]; if (label.Length == 0) throw Bad("label= needs a column index"); }
                if (path.EndsWith(":pad", StringComparison.OrdinalIgnoreCase)) { pad = true; path = path[..^4]; }
                if (path.Length == 0) throw Bad("sequences needs a file path");
                return new DataSpec(DataKind.Sequences, path, LabelColumn: label) { Pad = pad };
            }
            case "series":
                return ParseSeries(rest, Bad);
            case "graph":
                return GraphSpecs.Parse(rest, Bad);
            case "ratings":
            {
                // the path is everything before the first :sep=, :implicit= or :scale=
                int first = new[] { ":sep=", ":implicit=", ":scale=" }.Select(k => rest.IndexOf(k, StringComparison.OrdinalIgnoreCase)).Where(i => i >= 0).DefaultIfEmpty(-1).Min();
                string path = first < 0 ? rest : rest[..first];
                if (path.Length == 0) throw Bad("ratings needs a file path");
                try { return new DataSpec(DataKind.Ratings, path, Ratings: RatingsOptions.Parse(first < 0 ? [] : rest[(first + 1)..].Split(':'))); }
                catch (FormatException e) { throw Bad(e.Message); }
            }
            case "npy":
            {
                string path = rest;
                string? labels = null;
                int li = path.IndexOf(":labels=", StringComparison.OrdinalIgnoreCase);
                if (li >= 0) { labels = path[(li + 8)..]; path = path[..li]; if (labels.Length == 0) throw Bad("labels= needs a file path"); }
                if (path.Length == 0) throw Bad("npy needs a file path");
                return new DataSpec(DataKind.Npy, path, LabelsPath: labels);
            }
            case "images":
            {
                var (path, options) = ParseImageOptions(rest, Bad);
                if (path.Length == 0) throw Bad("images needs a folder path");
                return new DataSpec(DataKind.Images, path, Images: options);
            }
            default:
                throw Bad($"unknown kind \"{kind}\"");
        }
    }

    private static readonly string[] SeriesKeys = ["columns", "time", "label", "window", "until"];

    /// <summary>series:FILE followed by :key=value options (the path is everything before the first known key).</summary>
    private static DataSpec ParseSeries(string rest, Func<string, DataException> bad)
    {
        int first = SeriesKeys.Select(k => rest.IndexOf(":" + k + "=", StringComparison.OrdinalIgnoreCase)).Where(i => i >= 0).DefaultIfEmpty(-1).Min();
        if (first < 0) throw bad("series needs :window=W (and a file path before it)");
        string path = rest[..first];
        if (path.Length == 0) throw bad("series needs a file path");
        string[]? columns = null; string? time = null, label = null, until = null; int? window = null; int stride = 1;
        foreach (var part in rest[(first + 1)..].Split(':'))
        {
            int eq = part.IndexOf('=');
            string key = eq < 0 ? part : part[..eq].ToLowerInvariant(), value = eq < 0 ? "" : part[(eq + 1)..];
            switch (key)
            {
                case "columns": columns = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries); if (columns.Length == 0) throw bad("columns= needs column names"); break;
                case "time": time = value.Length > 0 ? value : throw bad("time= needs a column name"); break;
                case "label": label = value.Length > 0 ? value : throw bad("label= needs a column name"); break;
                case "until": until = value.Length > 0 ? value : throw bad("until= needs a time or a fraction"); break;
                case "window":
                {
                    var wv = value.Split(',', StringSplitOptions.TrimEntries);
                    if (!int.TryParse(wv[0], NumberStyles.None, CultureInfo.InvariantCulture, out int w) || w < 1) throw bad($"window= needs a positive number of steps, got \"{wv[0]}\"");
                    window = w;
                    foreach (var extra in wv.Skip(1))
                    {
                        if (!extra.StartsWith("stride=", StringComparison.OrdinalIgnoreCase) ||
                            !int.TryParse(extra[7..], NumberStyles.None, CultureInfo.InvariantCulture, out stride) || stride < 1)
                            throw bad($"window=W takes an optional ,stride=S with S ≥ 1, got \"{extra}\"");
                    }
                    break;
                }
                default:
                    // a time value for until= may contain ':' (e.g. 2014-02-01 00:00:00): glue it back
                    if (until != null && eq < 0) { until += ":" + part; break; }
                    throw bad($"unknown series option \"{part}\" (columns=, time=, label=, window=, until=)");
            }
        }
        if (window is null) throw bad("series needs :window=W");
        return new DataSpec(DataKind.Series, path, LabelColumn: label, Series: new SeriesOptions(window.Value, stride, columns, time, until));
    }

    /// <summary>Loads the data.</summary>
    /// <param name="defaultSplit">Split used when the spec names none: "train" (default) or "test". For mnist it selects the file
    /// set; for demo it selects the seed (train: seed 1, test: seed 2, so the two never coincide) and default count; csv and npy ignore it.</param>
    /// <returns>The dataset (MNIST and demo in [0, 1]; csv/npy unscaled).</returns>
    /// <exception cref="DataException">The data cannot be found or read; messages name the file.</exception>
    public Dataset Load(string defaultSplit = "train")
    {
        string split = (Split ?? defaultSplit).ToLowerInvariant();
        if (split is not ("train" or "test")) throw new DataException($"split must be \"train\" or \"test\", got \"{split}\"");
        switch (Kind)
        {
            case DataKind.Demo:
                return DemoDataset.Generate(Count ?? (split == "train" ? DefaultDemoTrainCount : DefaultDemoTestCount), split == "train" ? 1UL : 2UL);
            case DataKind.Mnist:
            {
                string? dir = Path ?? DataDirectory.Find("mnist");
                if (dir == null)
                    throw new DataException($"mnist: no folder given and no shared data folder found (set {DataDirectory.EnvironmentVariable} or use mnist:DIR)");
                return IdxLoader.LoadMnist(dir, split);
            }
            case DataKind.Csv:
                return CsvLoader.Load(Path!, new CsvOptions(LabelColumn, DecimalComma: DecimalComma));
            case DataKind.Images:
                return ImageFolder.Load(Path!, Images).Data;
            case DataKind.Parquet:
            {
                using var rows = new ParquetRowReader(Path!, LabelColumn);
                return rows.ReadAll();
            }
            case DataKind.Sequences:
                return SequenceLoader.Load(Path!, LabelColumn, Pad);
            case DataKind.Series:
                return SeriesLoader.Load(Path!, Series!, LabelColumn, trainingPart: split == "train");
            case DataKind.Graph:
                throw new DataException($"{this} is a graph: it trains --kind gae or vgae and is read by LoadGraph, not as rows");
            case DataKind.Ratings:
            {
                // The users × items matrix (0 where unrated); the recommendation kinds read the ratings themselves (LoadRatings).
                var matrix = RatingMatrix.From(LoadRatings());
                return new Dataset(matrix.Dense(byItem: false).Values, matrix.Users.Count, matrix.Items.Count,
                    featureNames: matrix.Items.Ids.ToArray(), source: Path!);
            }
            default:
                return NpyLoader.Load(Path!, LabelsPath);
        }
    }

    /// <summary>Reads a ratings SPEC's file (<see cref="RatingsTable.Load"/>).</summary>
    /// <exception cref="DataException">Not a ratings SPEC, or the file is missing or malformed.</exception>
    public RatingsTable LoadRatings() => Kind == DataKind.Ratings
        ? RatingsTable.Load(Path!, Ratings)
        : throw new DataException($"{this}: not ratings data; use ratings:FILE[:sep=TAB|COMMA|PIPE][:implicit=THRESHOLD]");

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        DataKind.Demo => Count is int c ? $"demo:{c}" : "demo",
        DataKind.Mnist => "mnist" + (Path != null ? ":" + Path : "") + (Split != null ? ":" + Split : ""),
        DataKind.Csv => $"csv:{Path}" + (LabelColumn != null ? $":label={LabelColumn}" : "") + (DecimalComma ? ":decimal=comma" : ""),
        DataKind.Images => $"images:{Path}{Images}",
        DataKind.Sequences => $"sequences:{Path}" + (LabelColumn != null ? $":label={LabelColumn}" : "") + (Pad ? ":pad" : ""),
        DataKind.Series => $"series:{Path}" + Series!.SpecSuffix(LabelColumn),
        DataKind.Graph => GraphSpecs.Format(this),
        DataKind.Ratings => $"ratings:{Path}" + (Ratings ?? new RatingsOptions()).SpecSuffix(),
        DataKind.Parquet => $"parquet:{Path}" + (LabelColumn != null ? $":label={LabelColumn}" : ""),
        _ => $"npy:{Path}" + (LabelsPath != null ? $":labels={LabelsPath}" : ""),
    };

    /// <summary>Splits trailing <c>:size=HxW</c>, <c>:channels=C</c>, <c>:patch=P[,stride=S]</c> and <c>:skip-bad</c> options off an images: SPEC's rest.</summary>
    private static (string Path, ImageFolderOptions Options) ParseImageOptions(string rest, Func<string, DataException> bad)
    {
        int? h = null, w = null, c = null, p = null, s = null;
        bool skipBad = false;
        static int Int(string text, string what, Func<string, DataException> bad) =>
            int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int v) && v > 0
                ? v : throw bad($"{what} must be a positive integer, got \"{text}\"");
        while (true)
        {
            int colon = rest.LastIndexOf(':');
            if (colon < 0) break;
            string opt = rest[(colon + 1)..];
            if (opt.Equals("skip-bad", StringComparison.OrdinalIgnoreCase)) { skipBad = true; rest = rest[..colon]; continue; }
            string key = opt.Contains('=') ? opt[..opt.IndexOf('=')].ToLowerInvariant() : "";
            string value = opt.Contains('=') ? opt[(opt.IndexOf('=') + 1)..] : "";
            switch (key)
            {
                case "size":
                {
                    var parts = value.ToLowerInvariant().Split('x');
                    if (parts.Length != 2) throw bad($"size= takes HxW (e.g. size=64x64), got \"{value}\"");
                    h = Int(parts[0], "size= height", bad); w = Int(parts[1], "size= width", bad);
                    break;
                }
                case "channels":
                    c = Int(value, "channels=", bad);
                    if (c is not (1 or 3)) throw bad($"channels= must be 1 or 3, got {c}");
                    break;
                case "patch":
                {
                    var parts = value.Split(',');
                    p = Int(parts[0], "patch=", bad);
                    if (parts.Length == 2 && parts[1].StartsWith("stride=", StringComparison.OrdinalIgnoreCase)) s = Int(parts[1][7..], "stride=", bad);
                    else if (parts.Length != 1) throw bad($"patch= takes P or P,stride=S (e.g. patch=32,stride=16), got \"{value}\"");
                    break;
                }
                default:
                    if (key.Length > 0 && !value.Contains('/') && !value.Contains('\\'))
                        throw bad($"unknown images option \"{opt}\" (options: size=HxW, channels=1|3, patch=P[,stride=S], skip-bad)");
                    return (rest, new ImageFolderOptions(h, w, c, p, s, skipBad));
            }
            rest = rest[..colon];
        }
        return (rest, new ImageFolderOptions(h, w, c, p, s, skipBad));
    }
}
