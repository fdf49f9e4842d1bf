using System.Globalization;
using System.Text;
using Bottleneck.Tests.Data;
using Parquet.Schema;

namespace Bottleneck.Tests.Cli;

/// <summary>detect, encode and reconstruct with --shard i/N on real files: the shards' outputs together are the unsharded output.</summary>
public sealed class CliShardTests : IClassFixture<CliShardTests.Files>
{
    private readonly Files _f;

    public CliShardTests(Files f) => _f = f;

    /// <summary>A CSV and a Parquet file with the same 203 rows (4 features, numeric label) and a model trained on the CSV.</summary>
    public sealed class Files : IDisposable
    {
        public TempDir Dir { get; } = new();
        public string Csv { get; }
        public string Parquet { get; }
        public string Gz { get; }
        public string Npy { get; }
        public string NpyLabels { get; }
        public string Model { get; }
        public const int Rows = 203;

        public Files()
        {
            var rng = new Random(18);
            var cols = Enumerable.Range(0, 4).Select(_ => new double[Rows]).ToArray();
            var label = new int[Rows];
            var sb = new StringBuilder("a,b,c,d,label\n");
            for (int i = 0; i < Rows; i++)
            {
                float t = (float)rng.NextDouble();
                float[] x = [t, 2 * t, 1 - t, (float)rng.NextDouble() * 0.1f];
                if (i % 25 == 7) { x[1] = 5; label[i] = 1; }
                for (int c = 0; c < 4; c++) cols[c][i] = x[c];
                sb.Append(string.Join(",", x.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))).Append(',').Append(label[i]).Append('\n');
            }
            Csv = Dir.Write("rows.csv", sb.ToString());
            Gz = Dir.File("rows.csv.gz");
            using (var gz = new System.IO.Compression.GZipStream(File.Create(Gz), System.IO.Compression.CompressionLevel.Fastest))
                gz.Write(Encoding.UTF8.GetBytes(sb.ToString()));
            Parquet = ParquetFiles.Write(Dir.File("rows.parquet"), 64,
                new ParquetFiles.Column(new DataField<double>("a"), cols[0]), new ParquetFiles.Column(new DataField<double>("b"), cols[1]),
                new ParquetFiles.Column(new DataField<double>("c"), cols[2]), new ParquetFiles.Column(new DataField<double>("d"), cols[3]),
                new ParquetFiles.Column(new DataField<int>("label"), label));
            var features = new float[Rows * 4];
            for (int i = 0; i < Rows; i++) for (int c = 0; c < 4; c++) features[i * 4 + c] = (float)cols[c][i];
            Npy = Dir.File("rows.npy");
            Bottleneck.IO.NpyWriter.Write(Npy, features, [Rows, 4]);
            NpyLabels = Dir.File("labels.npy");
            Bottleneck.IO.NpyWriter.Write(NpyLabels, label.Select(l => (float)l).ToArray(), [Rows]);
            Model = Dir.File("model");
            var h = new CliHarness();
            int code = h.Run("train", "--data", $"csv:{Csv}:label=label", "--hidden", "8", "--latent", "2", "--epochs", "3", "--batch-size", "32",
                "--out", Model).GetAwaiter().GetResult();
            if (code != 0) throw new InvalidOperationException(h.Stdout + h.Stderr);
        }

        public void Dispose() => Dir.Dispose();
    }

    private async Task<string[]> Run(params string[] args)
    {
        var h = new CliHarness();
        int code = await h.Run(args);
        Assert.True(code == 0, string.Join(" ", args) + "\n" + h.Stdout + h.Stderr);
        return File.ReadAllLines(args[Array.IndexOf(args, "--out") + 1]);
    }

    /// <summary>The shards' data lines, each with its row number (first field), after checking every shard has <paramref name="header"/>.</summary>
    private async Task<List<(long Row, string Text)>> Shards(int n, string header, Func<string, string[]> args)
    {
        var all = new List<(long, string)>();
        for (int s = 1; s <= n; s++)
        {
            var lines = await Run(args($"{s}/{n}"));
            Assert.Equal(header, lines[0]);
            foreach (var l in lines.Skip(1))
            {
                int comma = l.IndexOf(',');
                long row = long.Parse(l[..comma], CultureInfo.InvariantCulture);
                all.Add((row, l[(comma + 1)..]));
            }
        }
        return all;
    }

    [Theory]
    [InlineData("csv", 3)]
    [InlineData("parquet", 4)]
    [InlineData("gz", 2)]
    public async Task Detect_ShardsTogether_EqualTheUnshardedScores(string kind, int n)
    {
        // Given the unsharded scores with a fixed threshold (the same for every shard)
        string data = kind switch { "csv" => $"csv:{_f.Csv}:label=label", "gz" => $"csv:{_f.Gz}:label=label", _ => $"parquet:{_f.Parquet}:label=label" };
        var full = await Run("detect", "--model", _f.Model, "--data", data, "--threshold", "0.05", "--out", _f.Dir.File($"full-{kind}.csv"));
        Assert.Equal(Files.Rows + 1, full.Length);
        // When N shards are scored apart
        var shards = await Shards(n, full[0], s => ["detect", "--model", _f.Model, "--data", data, "--threshold", "0.05", "--shard", s,
            "--out", _f.Dir.File($"detect-{kind}-{s.Replace('/', '-')}.csv")]);
        // Then their lines, ordered by row number, are the unsharded file's lines
        var merged = shards.OrderBy(p => p.Row).Select(p => $"{p.Row},{p.Text}").ToArray();
        Assert.Equal(full.Skip(1), merged);
        // and shard i holds the data rows i, i+N, … (row numbers: CSV lines with the header as 1, else 1-based)
        int first = kind == "parquet" ? 1 : 2;
        Assert.Equal(Enumerable.Range(first, Files.Rows).Select(r => (long)r), merged.Select(l => long.Parse(l.Split(',')[0], CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Detect_ParquetAndCsvOfTheSameRows_GiveTheSameScores()
    {
        var csv = await Run("detect", "--model", _f.Model, "--data", $"csv:{_f.Csv}:label=label", "--threshold", "0.05", "--out", _f.Dir.File("c.csv"));
        var pq = await Run("detect", "--model", _f.Model, "--data", $"parquet:{_f.Parquet}:label=label", "--threshold", "0.05", "--out", _f.Dir.File("p.csv"));
        Assert.Equal(csv.Skip(1).Select(l => l[(l.IndexOf(',') + 1)..]), pq.Skip(1).Select(l => l[(l.IndexOf(',') + 1)..]));
    }

    [Theory]
    [InlineData("encode", "csv")]
    [InlineData("reconstruct", "csv")]
    [InlineData("encode", "parquet")]
    [InlineData("reconstruct", "parquet")]
    public async Task EncodeAndReconstruct_ShardsTogether_EqualTheUnshardedTable(string command, string kind)
    {
        string data = kind == "csv" ? $"csv:{_f.Csv}:label=label" : $"parquet:{_f.Parquet}:label=label";
        var full = await Run(command, "--model", _f.Model, "--data", data, "--out", _f.Dir.File($"{command}-{kind}-full.csv"));
        Assert.Equal(Files.Rows + 1, full.Length);
        Assert.StartsWith("label,", full[0]);
        var shards = await Shards(3, "row," + full[0], s => [command, "--model", _f.Model, "--data", data, "--shard", s,
            "--out", _f.Dir.File($"{command}-{kind}-{s.Replace('/', '-')}.csv")]);
        Assert.Equal(Files.Rows, shards.Count);
        int first = kind == "csv" ? 2 : 1;
        foreach (var (row, rest) in shards) Assert.Equal(full[1 + row - first], rest);
    }

    [Fact]
    public async Task Encode_StreamedCsv_MatchesTheLabelsAndCodesOfParquet()
    {
        var c = await Run("encode", "--model", _f.Model, "--data", $"csv:{_f.Csv}:label=label", "--out", _f.Dir.File("ec.csv"));
        var p = await Run("encode", "--model", _f.Model, "--data", $"parquet:{_f.Parquet}:label=label", "--out", _f.Dir.File("ep.csv"));
        Assert.Equal(c, p);
        Assert.Equal("label,z0,z1", c[0]);
    }

    [Theory]
    [InlineData("detect", "0/2", "must be in 1..2")]
    [InlineData("detect", "3/2", "must be in 1..2")]
    [InlineData("detect", "x", "is not a shard")]
    [InlineData("encode", "2/2/2", "is not a shard")]
    [InlineData("reconstruct", "1/0", "N must be ≥ 1")]
    public async Task Shard_BadValue_IsOneLineErrorExit2(string command, string shard, string fragment)
    {
        var h = new CliHarness();
        string[] args = command == "detect"
            ? ["detect", "--model", _f.Model, "--data", $"csv:{_f.Csv}", "--shard", shard]
            : [command, "--model", _f.Model, "--data", $"csv:{_f.Csv}", "--shard", shard, "--out", _f.Dir.File("bad.csv")];
        h.AssertUsageError(await h.Run(args), "--shard", fragment);
    }

    [Fact]
    public async Task Shard_WithNpyOutputOrAThresholdFittedOnTheScoredRows_IsRefused()
    {
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("encode", "--model", _f.Model, "--data", $"csv:{_f.Csv}", "--shard", "1/2", "--out", _f.Dir.File("x.npy")), "--shard 1/2", ".csv");
        h = new CliHarness();
        h.AssertUsageError(await h.Run("detect", "--model", _f.Model, "--data", $"csv:{_f.Csv}:label=label", "--threshold", "f1", "--shard", "1/2"),
            "--shard 1/2", "fitted on the scored data");
    }

    [Fact]
    public async Task Reconstruct_StreamedNpyOutput_HasTheRowsAndLabelsOfTheCsvOutput()
    {
        string data = $"csv:{_f.Csv}:label=label";
        var csv = await Run("reconstruct", "--model", _f.Model, "--data", data, "--out", _f.Dir.File("r.csv"));
        var h = new CliHarness();
        var npy = _f.Dir.File("r.npy");
        Assert.True(await h.Run("reconstruct", "--model", _f.Model, "--data", data, "--out", npy) == 0, h.Stdout + h.Stderr);
        var (shape, values) = Bottleneck.Data.NpyLoader.Read(npy);
        Assert.Equal([Files.Rows, 4], shape);
        var fields = csv.Skip(1).Select(l => l.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        Assert.Equal(fields.SelectMany(f => f.Skip(1)), values);
        var (labelShape, labels) = Bottleneck.Data.NpyLoader.Read(_f.Dir.File("r.labels.npy"));
        Assert.Equal([Files.Rows], labelShape);
        Assert.Equal(fields.Select(f => f[0]), labels);
    }

    [Fact]
    public async Task Parquet_TrainNormalOnlyThenDetect_ReportsRankingMetrics()
    {
        var model = _f.Dir.File("pq-model");
        var h = new CliHarness();
        int code = await h.Run("train", "--data", $"parquet:{_f.Parquet}:label=label", "--normal-only", "label=0", "--hidden", "8", "--latent", "2",
            "--epochs", "20", "--batch-size", "32", "--out", model);
        Assert.True(code == 0, h.Stdout + h.Stderr);
        h = new CliHarness();
        code = await h.Run("detect", "--model", model, "--data", $"parquet:{_f.Parquet}:label=label", "--out", _f.Dir.File("pq-scores.csv"));
        Assert.True(code == 0, h.Stdout + h.Stderr);
        Assert.Contains("ROC-AUC", h.Stdout);
        Assert.Contains("training data", h.Stdout);   // the saved threshold, fitted on the Parquet training rows
        var lines = File.ReadAllLines(_f.Dir.File("pq-scores.csv"));
        Assert.Equal(Files.Rows + 1, lines.Length);
        // the planted rows (x1 = 5) score highest
        var top = lines.Skip(1).Select(l => l.Split(',')).OrderByDescending(p => float.Parse(p[1], CultureInfo.InvariantCulture)).Take(8).ToArray();
        Assert.All(top, p => Assert.Equal("1", p[3]));
    }

    [Fact]
    public async Task Parquet_BadFiles_AreOneLineErrorsExit2()
    {
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("detect", "--model", _f.Model, "--data", $"parquet:{_f.Dir.File("none.parquet")}"), "none.parquet", "file not found");
        h = new CliHarness();
        var text = ParquetFiles.Write(_f.Dir.File("text.parquet"), 10, new ParquetFiles.Column(new DataField<double>("a"), new double[] { 1, 2 }),
            new ParquetFiles.Column(new DataField<string>("b"), new[] { "x", "y" }));
        h.AssertUsageError(await h.Run("encode", "--model", _f.Model, "--data", $"parquet:{text}", "--out", _f.Dir.File("e.csv")),
            "column \"b\" (0-based index 1) has type string, not a number");
        h = new CliHarness();
        var nulls = ParquetFiles.Write(_f.Dir.File("nulls.parquet"), 2, new ParquetFiles.Column(new DataField<double?>("a"), new double?[] { 1, 2, null }));
        h.AssertUsageError(await h.Run("train", "--data", $"parquet:{nulls}", "--epochs", "1", "--out", _f.Dir.File("n-model")),
            "null value in column \"a\" at row 3 (row group 1)");
    }

    [Fact]
    public async Task Npy_MemoryMapped_EncodesAsTheCsvAndItsShardsMerge()
    {
        string npy = $"npy:{_f.Npy}:labels={_f.NpyLabels}";
        var fromCsv = await Run("encode", "--model", _f.Model, "--data", $"csv:{_f.Csv}:label=label", "--out", _f.Dir.File("n-csv.csv"));
        var fromNpy = await Run("encode", "--model", _f.Model, "--data", npy, "--out", _f.Dir.File("n-npy.csv"));
        Assert.Equal(fromCsv, fromNpy);
        var shards = await Shards(2, "row," + fromNpy[0], s => ["encode", "--model", _f.Model, "--data", npy, "--shard", s,
            "--out", _f.Dir.File($"n-{s.Replace('/', '-')}.csv")]);
        Assert.Equal(fromNpy.Skip(1), shards.OrderBy(p => p.Row).Select(p => p.Text));
        Assert.Equal(Enumerable.Range(1, Files.Rows).Select(r => (long)r), shards.Select(p => p.Row).Order());
    }
}
