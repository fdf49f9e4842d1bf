using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Bottleneck.Data;
using Bottleneck.IO;

namespace Bottleneck.Tests.Data;

/// <summary>Promise 5 and 8 of issue 10 at the library level: data is never silently misread, size claims are checked before memory is taken.</summary>
public class InputChecksTests
{
    // ---------------------------------------------------------------- CSV numbers

    [Fact]
    public void DecimalCommaCellIsAnErrorNamingFileRowAndColumn()
    {
        // Given a TSV whose first value uses a decimal comma (CsvHelper's culture parsing read it as 345584)
        using var dir = new TempDir();
        var path = dir.Write("d.tsv", "a\tb\n1.5\t2\n0,345584\t1\n");
        // When it is loaded without asking for decimal commas, Then the error names the file, the row (3), the column and the hint
        var e = Assert.Throws<DataException>(() => CsvLoader.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("row 3", e.Message);
        Assert.Contains("column \"a\"", e.Message);
        Assert.Contains("0,345584", e.Message);
        Assert.Contains("--decimal comma", e.Message);
    }

    [Theory]
    [InlineData("1,000")]     // thousands separator
    [InlineData("$5")]
    [InlineData("(5)")]
    [InlineData("5-")]
    [InlineData("0x10")]
    public void CultureFormsOfNumbersAreRefused(string cell)
    {
        using var dir = new TempDir();
        var path = dir.Write("d.tsv", $"a\tb\n{cell}\t2\n");
        var e = Assert.Throws<DataException>(() => CsvLoader.Load(path, new CsvOptions(HasHeader: true)));
        Assert.Contains("row 2", e.Message);
    }

    [Fact]
    public void DecimalCommaIsReadWhenAskedFor()
    {
        using var dir = new TempDir();
        var path = dir.Write("d.tsv", "a\tb\n0,345584\t1\n-2,5e1\t3\n");
        var d = CsvLoader.Load(path, new CsvOptions(DecimalComma: true));
        Assert.Equal([0.345584f, 1f, -25f, 3f], d.Features);
        // and through the SPEC suffix, which round-trips
        var spec = DataSpec.Parse($"csv:{path}:decimal=comma");
        Assert.True(spec.DecimalComma);
        Assert.Equal(spec, DataSpec.Parse(spec.ToString()));
        Assert.Equal(d.Features, spec.Load().Features);
    }

    [Fact]
    public void WithDecimalCommaAPointIsNotANumber()
    {
        using var dir = new TempDir();
        var path = dir.Write("d.tsv", "a\tb\n1.5\t1\n");
        var e = Assert.Throws<DataException>(() => CsvLoader.Load(path, new CsvOptions(HasHeader: true, DecimalComma: true)));
        Assert.Contains("\"1.5\"", e.Message);
    }

    [Fact]
    public void DecimalCommaColumnsAreNotTurnedIntoCategories()
    {
        // Given a CSV with a text column (so it goes through the tabular encoding) and a decimal-comma column
        using var dir = new TempDir();
        var path = dir.Write("t.tsv", "kind\tx\nred\t0,5\nblue\t1,25\n");
        // When the tabular encoding is fitted, Then the decimal-comma column is an error, not a one-hot category
        var e = Assert.Throws<DataException>(() => TabularEncoder.Fit(path));
        Assert.Contains("column \"x\"", e.Message);
        Assert.Contains("--decimal comma", e.Message);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("1e39")]
    public void NonFiniteCsvValuesAreErrorsNamingRowAndColumn(string cell)
    {
        using var dir = new TempDir();
        var path = dir.Write("d.csv", $"a,b\n1,2\n3,{cell}\n");
        var e = Assert.Throws<DataException>(() => CsvLoader.Load(path));
        Assert.Contains("row 3", e.Message);
        Assert.Contains("column \"b\"", e.Message);
    }

    [Theory]
    [InlineData("a,b,a\n1,2,3\n")]
    [InlineData("a,b,A\n1,2,3\n")]
    public void DuplicateColumnNamesAreRefused(string text)
    {
        using var dir = new TempDir();
        var path = dir.Write("d.csv", text);
        var e = Assert.Throws<DataException>(() => CsvLoader.Load(path));
        Assert.Contains("duplicate column name", e.Message);
        Assert.Contains("columns 0 and 2", e.Message);
        Assert.Throws<DataException>(() => TabularEncoder.Fit(dir.Write("t.csv", text.Replace("1,2,3", "x,2,3"))));
    }

    // ---------------------------------------------------------------- gzip

    private static byte[] Gzip(byte[] data)
    {
        var ms = new MemoryStream();
        using (var g = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true)) g.Write(data);
        return ms.ToArray();
    }

    private static string Rows(int n) =>
        "a,b\n" + string.Concat(Enumerable.Range(0, n).Select(i => $"{i * 0.37:0.000},{Math.Sin(i):0.00000}\n"));

    [Fact]
    public void TruncatedGzipIsAnErrorAtEveryCut()
    {
        // Given a gzip CSV of 2,000 rows, cut at many points (including inside the trailer)
        using var dir = new TempDir();
        var gz = Gzip(Encoding.UTF8.GetBytes(Rows(2000)));
        Assert.Equal(2000, CsvLoader.Load(dir.Write("whole.csv.gz", gz)).Rows);
        foreach (int cut in new[] { gz.Length - 1, gz.Length - 4, gz.Length - 8, gz.Length * 3 / 4, gz.Length / 2, 30 })
        {
            var path = dir.Write($"cut{cut}.csv.gz", gz[..cut]);
            // When it is loaded, Then it is an error naming the file and the truncation, never fewer rows
            var e = Assert.Throws<DataException>(() => CsvLoader.Load(path));
            Assert.Contains(path, e.Message);
            Assert.True(e.Message.Contains("truncated") || e.Message.Contains("corrupt") || e.Message.Contains("malformed"), e.Message);
        }
    }

    [Fact]
    public void ConcatenatedGzipMembersAreRead()
    {
        using var dir = new TempDir();
        var text = Encoding.UTF8.GetBytes(Rows(500));
        int split = Array.IndexOf(text, (byte)'\n', 2000) + 1;
        var path = dir.Write("multi.csv.gz", [.. Gzip(text[..split]), .. Gzip(text[split..])]);
        Assert.Equal(500, CsvLoader.Load(path).Rows);
    }

    [Fact]
    public void TruncatedGzipIdxIsAnError()
    {
        using var dir = new TempDir();
        var idx = new byte[8 + 200];
        idx[2] = 0x08; idx[3] = 1;
        BinaryPrimitives.WriteUInt32BigEndian(idx.AsSpan(4), 200);
        new Random(1).NextBytes(idx.AsSpan(8));
        var gz = Gzip(idx);
        Assert.Equal(200, IdxLoader.LoadLabels(dir.Write("ok.gz", gz)).Length);
        var e = Assert.Throws<DataException>(() => IdxLoader.LoadLabels(dir.Write("cut.gz", gz[..(gz.Length - 3)])));
        Assert.Contains("cut.gz", e.Message);
    }

    // ---------------------------------------------------------------- NPY

    private static byte[] Npy(string descr, string shape, byte[] data)
    {
        string header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        int total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        var bytes = new byte[10 + header.Length + data.Length];
        bytes[0] = 0x93; Encoding.ASCII.GetBytes("NUMPY").CopyTo(bytes, 1);
        bytes[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
        Encoding.ASCII.GetBytes(header).CopyTo(bytes, 10);
        data.CopyTo(bytes, 10 + header.Length);
        return bytes;
    }

    private static byte[] Int64s(params long[] v) { var b = new byte[8 * v.Length]; for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(8 * i), v[i]); return b; }
    private static byte[] Doubles(params double[] v) { var b = new byte[8 * v.Length]; for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(8 * i), v[i]); return b; }
    private static byte[] Floats(params float[] v) { var b = new byte[4 * v.Length]; for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(4 * i), v[i]); return b; }

    [Fact]
    public void Int64LabelsStayExactIntegers()
    {
        // Given int64 labels above float32's exact range (2^24 + 1 becomes 2^24 through float)
        using var dir = new TempDir();
        var x = dir.Write("x.npy", Npy("<f4", "(3, 1)", Floats(1, 2, 3)));
        var y = dir.Write("y.npy", Npy("<i8", "(3,)", Int64s(16777217, -2147483648, 2147483647)));
        // When loaded, Then they are kept exactly
        Assert.Equal([16777217, int.MinValue, int.MaxValue], NpyLoader.Load(x, y).Labels!);
    }

    [Theory]
    [InlineData("<i8", 3_000_000_000L, "outside the 32-bit integer range")]
    [InlineData("<i8", -3_000_000_000L, "outside the 32-bit integer range")]
    public void OutOfRangeIntegerLabelsAreErrors(string descr, long value, string expected)
    {
        using var dir = new TempDir();
        var x = dir.Write("x.npy", Npy("<f4", "(2, 1)", Floats(1, 2)));
        var y = dir.Write("y.npy", Npy(descr, "(2,)", Int64s(0, value)));
        var e = Assert.Throws<DataException>(() => NpyLoader.Load(x, y));
        Assert.Contains(expected, e.Message);
        Assert.Contains("row 1", e.Message);
        Assert.Contains(value.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
    }

    [Theory]
    [InlineData(3e9, "outside the 32-bit integer range")]
    [InlineData(double.PositiveInfinity, "not a finite number")]
    [InlineData(double.NaN, "not a finite number")]
    [InlineData(1.5, "non-integer")]
    public void BadFloatLabelsAreErrorsNotClamped(double value, string expected)
    {
        using var dir = new TempDir();
        var x = dir.Write("x.npy", Npy("<f4", "(2, 1)", Floats(1, 2)));
        var y = dir.Write("y.npy", Npy("<f8", "(2,)", Doubles(1, value)));
        var e = Assert.Throws<DataException>(() => NpyLoader.Load(x, y));
        Assert.Contains(expected, e.Message);
        Assert.Contains(y, e.Message);
    }

    [Fact]
    public void NonFiniteNpyDataIsAnErrorNamingRowAndColumn()
    {
        using var dir = new TempDir();
        var x = dir.Write("x.npy", Npy("<f4", "(2, 3)", Floats(1, 2, 3, 4, float.NegativeInfinity, 6)));
        var e = Assert.Throws<DataException>(() => NpyLoader.Load(x));
        Assert.Contains("row 1, column 1", e.Message);
        Assert.Contains(x, e.Message);
    }

    [Fact]
    public void NpyShapeClaimLargerThanTheFileIsRefusedBeforeAllocating()
    {
        // Given a 1 KB file whose header claims 10^8 float64 values (800 MB)
        using var dir = new TempDir();
        var path = dir.Write("big.npy", Npy("<f8", "(100000000,)", new byte[1000]));
        var e = Assert.Throws<DataException>(() => NpyLoader.Read(path));
        Assert.Contains("truncated", e.Message);
    }

    // ---------------------------------------------------------------- IDX

    [Fact]
    public void IdxDimensionsLargerThanTheFileAreRefusedBeforeAllocating()
    {
        using var dir = new TempDir();
        var idx = new byte[16 + 100];
        idx[2] = 0x0E; idx[3] = 3;    // float64, 3 dimensions
        BinaryPrimitives.WriteUInt32BigEndian(idx.AsSpan(4), 60000);
        BinaryPrimitives.WriteUInt32BigEndian(idx.AsSpan(8), 28);
        BinaryPrimitives.WriteUInt32BigEndian(idx.AsSpan(12), 28);
        var e = Assert.Throws<DataException>(() => IdxLoader.Read(dir.Write("x.idx", idx)));
        Assert.Contains("truncated", e.Message);
        Assert.Contains("376320000", e.Message);
    }

    [Theory]
    [InlineData(double.PositiveInfinity, "not a finite number")]
    [InlineData(3e9, "outside the 32-bit integer range")]
    public void BadIdxLabelsAreErrorsNotWrapped(double value, string expected)
    {
        using var dir = new TempDir();
        var idx = new byte[8 + 16];
        idx[2] = 0x0E; idx[3] = 1;
        BinaryPrimitives.WriteUInt32BigEndian(idx.AsSpan(4), 2);
        BinaryPrimitives.WriteDoubleBigEndian(idx.AsSpan(8), 1);
        BinaryPrimitives.WriteDoubleBigEndian(idx.AsSpan(16), value);
        var e = Assert.Throws<DataException>(() => IdxLoader.LoadLabels(dir.Write("labels.idx", idx)));
        Assert.Contains(expected, e.Message);
        Assert.Contains("label 1", e.Message);
    }

    [Fact]
    public void NonFiniteIdxImagesAreErrorsNamingSampleAndFeature()
    {
        using var dir = new TempDir();
        var idx = new byte[12 + 4 * 6];
        idx[2] = 0x0D; idx[3] = 2;
        BinaryPrimitives.WriteUInt32BigEndian(idx.AsSpan(4), 2);
        BinaryPrimitives.WriteUInt32BigEndian(idx.AsSpan(8), 3);
        BinaryPrimitives.WriteSingleBigEndian(idx.AsSpan(12 + 4 * 4), float.NaN);
        var e = Assert.Throws<DataException>(() => IdxLoader.LoadImages(dir.Write("images.idx", idx)));
        Assert.Contains("sample 1, feature 1", e.Message);
    }

    [Fact]
    public void GzipIdxClaimAboveTheMemoryBudgetIsRefused()
    {
        using var dir = new TempDir();
        var idx = new byte[12 + 10];
        idx[2] = 0x08; idx[3] = 2;
        BinaryPrimitives.WriteUInt32BigEndian(idx.AsSpan(4), 2_000_000_000);
        BinaryPrimitives.WriteUInt32BigEndian(idx.AsSpan(8), 1);
        var path = dir.Write("x.gz", Gzip(idx));
        long saved = InputFile.MemoryBudgetBytes;
        try
        {
            InputFile.MemoryBudgetBytes = 1L << 30;
            var e = Assert.Throws<DataException>(() => IdxLoader.Read(path));
            Assert.Contains("memory", e.Message);
            Assert.Contains(path, e.Message);
        }
        finally { InputFile.MemoryBudgetBytes = 0; }
        _ = saved;
    }

    // ---------------------------------------------------------------- paths

    [Fact]
    public void ResolvedSpecsHoldAbsoluteCanonicalPaths()
    {
        using var dir = new TempDir();
        var csv = dir.Write("d.csv", "a\n1\n");
        var link = dir.File("link.csv");
        File.CreateSymbolicLink(link, csv);
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, link);
        var spec = DataSpec.Parse($"csv:{relative}:label=0").Resolved();
        Assert.Equal(DataFileFingerprint.Canonical(csv), spec.Path);
        Assert.True(Path.IsPathFullyQualified(spec.Path!));
        Assert.Equal("0", spec.LabelColumn);
        var npy = DataSpec.Parse($"npy:{relative}:labels={relative}").Resolved();
        Assert.Equal(spec.Path, npy.LabelsPath);
    }

    [SkippableFact]
    public void TheSharedMnistFolderIsRecordedWhereItWasFound()
    {
        var found = DataDirectory.Find("mnist");
        Skip.If(found is null, "no shared mnist folder");
        var spec = DataSpec.Parse("mnist").Resolved();
        Assert.Equal(DataFileFingerprint.Canonical(found!), spec.Path);
        Assert.Equal(2, spec.Files("train").Count);
    }

    [Fact]
    public void AFingerprintNoticesAChangeOfTheSameSize()
    {
        using var dir = new TempDir();
        var csv = dir.Write("d.csv", "a,b\n1,2\n");
        var f = DataFileFingerprint.Of(csv);
        Assert.Null(f.Mismatch());
        File.WriteAllText(csv, "a,b\n1,3\n");
        Assert.Contains("another SHA-256", f.Mismatch());
        File.Delete(csv);
        Assert.Equal("is missing", f.Mismatch());
    }

    // ---------------------------------------------------------------- demo and special files

    [Fact]
    public void HugeDemoCountIsASpecErrorNotAnOverflow()
    {
        var e = Assert.Throws<DataException>(() => DataSpec.Parse("demo:3000000"));
        Assert.Contains("demo:3000000", e.Message);
        Assert.Contains("too large", e.Message);
        Assert.Throws<DataException>(() => DataSpec.Parse("demo:99999999999999"));
    }

    [SkippableFact]
    public void DevicesAndFifosAreRefusedAsInputs()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "file types come from statx on Linux");
        using var dir = new TempDir();
        var fifo = dir.File("fifo");
        using (var p = System.Diagnostics.Process.Start("mkfifo", fifo)) p.WaitForExit();
        var link = dir.File("zero.npy");
        File.CreateSymbolicLink(link, "/dev/zero");
        Assert.Equal(InputFileKind.Fifo, InputFile.KindOf(fifo));
        Assert.Equal(InputFileKind.CharacterDevice, InputFile.KindOf(link));
        Assert.Equal(InputFileKind.Regular, InputFile.KindOf(dir.Write("r.txt", "x")));
        // Each reader refuses them before opening (opening a FIFO would block, reading /dev/zero never ends)
        Assert.Contains("FIFO", Assert.Throws<DataException>(() => CsvLoader.Load(fifo)).Message);
        Assert.Contains("character device", Assert.Throws<DataException>(() => NpyLoader.Read(link)).Message);
        Assert.Contains("character device", Assert.Throws<ModelFileException>(() => SafeTensors.Read(link)).Message);
        Assert.Contains("character device", Assert.Throws<DataException>(() => IdxLoader.Read(link)).Message);
    }

    // ---------------------------------------------------------------- safetensors header

    [Fact]
    public void NonUtf8SafetensorsHeaderIsAModelFileError()
    {
        var header = new byte[] { (byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}' };
        var bytes = new byte[8 + header.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        var e = Assert.Throws<ModelFileException>(() => SafeTensors.Parse(bytes, "w.safetensors"));
        Assert.Contains("UTF-8", e.Message);
    }
}
