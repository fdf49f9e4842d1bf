using Bottleneck.Data;
using Parquet.Schema;
using static Bottleneck.Tests.Data.ParquetFiles;

namespace Bottleneck.Tests.Data;

public sealed class ParquetTests
{
    /// <summary>A file of 250 rows in row groups of 100: a (double), b (float), c (int), d (long), label (string).</summary>
    private static (string Path, float[] Expected, string[] Labels) Sample(TempDir dir, int rows = 250, int groupRows = 100)
    {
        var a = new double[rows]; var b = new float[rows]; var c = new int[rows]; var d = new long[rows]; var label = new string[rows];
        var expected = new float[rows * 4];
        for (int i = 0; i < rows; i++)
        {
            a[i] = Math.Sin(i) * 3.5; b[i] = i * 0.25f - 7; c[i] = i % 17 - 8; d[i] = 1000L * i;
            label[i] = i % 10 == 3 ? "attack" : "normal";
            expected[i * 4] = (float)a[i]; expected[i * 4 + 1] = b[i]; expected[i * 4 + 2] = c[i]; expected[i * 4 + 3] = d[i];
        }
        var path = Write(dir.File("t.parquet"), groupRows,
            new Column(new DataField<double>("a"), a), new Column(new DataField<float>("b"), b), new Column(new DataField<int>("c"), c),
            new Column(new DataField<long>("d"), d), new Column(new DataField<string>("label"), label));
        return (path, expected, label);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(64)]
    [InlineData(100)]
    [InlineData(1000)]
    public void Reader_GivenRowGroups_ReturnsEveryRowInOrderWhateverTheChunkSize(int chunk)
    {
        using var dir = new TempDir();
        var (path, expected, labels) = Sample(dir);
        using var r = new ParquetRowReader(path, "label");
        Assert.Equal(["a", "b", "c", "d"], r.FeatureNames);
        Assert.Equal(3, r.RowGroupCount);
        Assert.True(r.HasLabels);
        var got = new List<float>(); var gotLabels = new List<string>(); var gotRows = new List<long>();
        var buf = new float[chunk * 4]; var l = new List<string>(); var rows = new List<long>();
        int n;
        while ((n = r.Read(buf, chunk, l, rows)) > 0)
        {
            got.AddRange(buf.Take(n * 4)); gotLabels.AddRange(l); gotRows.AddRange(rows);
            Assert.Equal(n, l.Count);
        }
        Assert.Equal(expected, got);
        Assert.Equal(labels, gotLabels);
        Assert.Equal(Enumerable.Range(1, 250).Select(i => (long)i), gotRows);
    }

    [Fact]
    public void DataSpec_ParquetWithLabel_LoadsADatasetWithClassNames()
    {
        using var dir = new TempDir();
        var (path, expected, _) = Sample(dir);
        var spec = DataSpec.Parse($"parquet:{path}:label=label");
        Assert.Equal(DataKind.Parquet, spec.Kind);
        Assert.Equal($"parquet:{path}:label=label", spec.ToString());
        Assert.Equal([path], spec.Files());
        var ds = spec.Load();
        Assert.Equal(250, ds.Rows);
        Assert.Equal(4, ds.FeatureCount);
        Assert.Equal(expected, ds.Features);
        Assert.NotNull(ds.ClassNames);
        Assert.Equal(["normal", "attack"], ds.ClassNames);
        Assert.Equal("attack", ds.LabelText(3));
        // without a label the string column is refused, naming it
        var e = Assert.Throws<DataException>(() => DataSpec.Parse($"parquet:{path}").Load());
        Assert.Contains("column \"label\"", e.Message);
        Assert.Contains("not a number", e.Message);
    }

    [Fact]
    public void Reader_NullValue_IsAnErrorNamingColumnRowAndRowGroup()
    {
        using var dir = new TempDir();
        var x = Enumerable.Range(0, 30).Select(i => (double?)i).ToArray();
        x[17] = null;
        var path = Write(dir.File("n.parquet"), 10, new Column(new DataField<double?>("x"), x), new Column(new DataField<int>("y"), new int[30]));
        using var r = new ParquetRowReader(path);
        var buf = new float[64 * 2];
        var e = Assert.Throws<DataException>(() => { while (r.Read(buf, 64) > 0) { } });
        Assert.Contains(path, e.Message);
        Assert.Contains("null value in column \"x\" at row 18 (row group 1)", e.Message);
    }

    [Fact]
    public void Reader_NullableColumnWithoutNulls_Reads()
    {
        using var dir = new TempDir();
        var x = Enumerable.Range(0, 5).Select(i => (double?)i).ToArray();
        var path = Write(dir.File("n.parquet"), 10, new Column(new DataField<double?>("x"), x));
        Assert.Equal([0f, 1, 2, 3, 4], DataSpec.Parse($"parquet:{path}").Load().Features);
    }

    [Fact]
    public void Reader_NonFiniteValue_IsAnError()
    {
        using var dir = new TempDir();
        var path = Write(dir.File("nan.parquet"), 10, new Column(new DataField<double>("x"), new[] { 1.0, double.NaN }));
        var e = Assert.Throws<DataException>(() => DataSpec.Parse($"parquet:{path}").Load());
        Assert.Contains("column \"x\" at row 2 (row group 0) is not a finite", e.Message);
    }

    [Theory]
    [InlineData("missing", "label column \"missing\" not found")]
    [InlineData("7", "label column index 7 is out of range")]
    public void Reader_BadLabelColumn_IsAnError(string label, string fragment)
    {
        using var dir = new TempDir();
        var (path, _, _) = Sample(dir);
        var e = Assert.Throws<DataException>(() => new ParquetRowReader(path, label));
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void Reader_MissingOrGarbageFile_IsAnErrorNamingTheFile()
    {
        using var dir = new TempDir();
        var missing = dir.File("none.parquet");
        Assert.Contains("file not found", Assert.Throws<DataException>(() => new ParquetRowReader(missing)).Message);
        var garbage = dir.Write("g.parquet", "a,b\n1,2\n");
        var e = Assert.Throws<DataException>(() => new ParquetRowReader(garbage));
        Assert.Contains(garbage, e.Message);
        Assert.Contains("Parquet", e.Message);
    }

    /// <summary>Robustness: truncated files and files with flipped bytes give a <see cref="DataException"/> naming the file, or read
    /// (a flip inside a value), never another exception.</summary>
    [Fact]
    public void Reader_CorruptedFiles_FailWithDataExceptionOnly()
    {
        using var dir = new TempDir();
        var (path, _, _) = Sample(dir, rows: 60, groupRows: 25);
        var good = File.ReadAllBytes(path);
        var rng = new Random(18);
        var bad = dir.File("bad.parquet");
        int failures = 0;
        for (int trial = 0; trial < 200; trial++)
        {
            var bytes = (byte[])good.Clone();
            if (trial % 4 == 0) bytes = bytes.AsSpan(0, rng.Next(bytes.Length)).ToArray();
            else for (int k = 0, flips = 1 + rng.Next(4); k < flips; k++) bytes[rng.Next(bytes.Length)] ^= (byte)(1 << rng.Next(8));
            File.WriteAllBytes(bad, bytes);
            try
            {
                using var r = new ParquetRowReader(bad, "label");
                var buf = new float[32 * r.FeatureCount];
                while (r.Read(buf, 32, []) > 0) { }
            }
            catch (DataException e) { Assert.Contains(bad, e.Message); failures++; }
        }
        Assert.True(failures > 50, $"only {failures} of 200 corrupted files were refused");
    }
}
