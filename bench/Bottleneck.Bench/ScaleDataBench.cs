using System.Diagnostics;
using System.Globalization;
using System.Text;
using Parquet;
using Parquet.Schema;

namespace Bottleneck.Bench;

/// <summary>
/// Generates the files of the scale benchmark (bench/scale_memory.sh, docs/scale.md): a small training CSV and a large CSV and/or
/// Parquet file of the same kind of rows, D columns x_j = sin(t + j/2) + 0.05·noise (t uniform), so a small dense model reconstructs them.
/// Usage: scale-data --out DIR [--gb 5] [--columns 16] [--csv] [--parquet] [--npy] [--group-rows 262144] [--train-rows 20000]
/// (none of --csv, --parquet, --npy: all three). Writes DIR/train.csv, DIR/big.csv, DIR/big.parquet, DIR/big.npy (float32) and
/// DIR/rows-*.txt (the row counts).
/// </summary>
public static class ScaleDataBench
{
    public static int Run(string[] args)
    {
        string? dir = DenseBench.StrArg(args, "--out", null);
        if (dir is null) { Console.Error.WriteLine("usage: scale-data --out DIR [--gb 5] [--columns 16] [--csv] [--parquet] [--group-rows N] [--train-rows N]"); return 2; }
        double gb = double.Parse(DenseBench.StrArg(args, "--gb", "5"), CultureInfo.InvariantCulture);
        int d = int.Parse(DenseBench.StrArg(args, "--columns", "16"), CultureInfo.InvariantCulture);
        int groupRows = int.Parse(DenseBench.StrArg(args, "--group-rows", "262144"), CultureInfo.InvariantCulture);
        int trainRows = int.Parse(DenseBench.StrArg(args, "--train-rows", "20000"), CultureInfo.InvariantCulture);
        bool csv = args.Contains("--csv"), parquet = args.Contains("--parquet"), npy = args.Contains("--npy");
        if (!csv && !parquet && !npy) csv = parquet = npy = true;
        Directory.CreateDirectory(dir);
        long bytes = (long)(gb * 1e9);
        var rng = new Random(18);
        WriteCsv(Path.Combine(dir, "train.csv"), d, trainRows, long.MaxValue, rng);
        if (csv)
        {
            var sw = Stopwatch.StartNew();
            long rows = WriteCsv(Path.Combine(dir, "big.csv"), d, long.MaxValue, bytes, rng);
            File.WriteAllText(Path.Combine(dir, "rows-csv.txt"), rows.ToString(CultureInfo.InvariantCulture));
            Console.WriteLine($"big.csv: {rows} rows x {d} columns, {new FileInfo(Path.Combine(dir, "big.csv")).Length / 1e9:0.00} GB in {sw.Elapsed.TotalSeconds:0} s");
        }
        if (parquet)
        {
            var sw = Stopwatch.StartNew();
            long rows = WriteParquet(Path.Combine(dir, "big.parquet"), d, groupRows, bytes, rng);
            File.WriteAllText(Path.Combine(dir, "rows-parquet.txt"), rows.ToString(CultureInfo.InvariantCulture));
            Console.WriteLine($"big.parquet: {rows} rows x {d} columns in row groups of {groupRows}, {new FileInfo(Path.Combine(dir, "big.parquet")).Length / 1e9:0.00} GB in {sw.Elapsed.TotalSeconds:0} s");
        }
        if (npy)
        {
            var sw = Stopwatch.StartNew();
            long rows = WriteNpy(Path.Combine(dir, "big.npy"), d, bytes, rng);
            File.WriteAllText(Path.Combine(dir, "rows-npy.txt"), rows.ToString(CultureInfo.InvariantCulture));
            Console.WriteLine($"big.npy: {rows} rows x {d} float32 columns, {new FileInfo(Path.Combine(dir, "big.npy")).Length / 1e9:0.00} GB in {sw.Elapsed.TotalSeconds:0} s");
        }
        return 0;
    }

    /// <summary>A (rows, d) &lt;f4 .npy of about <paramref name="maxBytes"/>, written block by block.</summary>
    private static long WriteNpy(string path, int d, long maxBytes, Random rng)
    {
        long rows = maxBytes / (4L * d);
        string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {d}), }}";
        int total = (10 + dict.Length + 1 + 63) / 64 * 64;
        var head = new byte[total];
        head[0] = 0x93; "NUMPY"u8.CopyTo(head.AsSpan(1)); head[6] = 1;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(8), (ushort)(total - 10));
        Encoding.ASCII.GetBytes(dict).CopyTo(head, 10);
        for (int i = 10 + dict.Length; i < total - 1; i++) head[i] = (byte)' ';
        head[total - 1] = (byte)'\n';
        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        fs.Write(head);
        var block = new float[65536 * d];
        for (long done = 0; done < rows; done += 65536)
        {
            int n = (int)Math.Min(65536, rows - done);
            for (int i = 0; i < n; i++)
            {
                double t = rng.NextDouble() * 2 * Math.PI;
                for (int j = 0; j < d; j++) block[i * d + j] = (float)Value(rng, t, j);
            }
            fs.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(block.AsSpan(0, n * d)));
        }
        return rows;
    }

    private static double Value(Random rng, double t, int j) => Math.Sin(t + j * 0.5) + 0.05 * (rng.NextDouble() * 2 - 1);

    /// <summary>Rows until <paramref name="maxRows"/> or <paramref name="maxBytes"/>; returns the rows written.</summary>
    private static long WriteCsv(string path, int d, long maxRows, long maxBytes, Random rng)
    {
        using var w = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        w.Write(string.Join(",", Enumerable.Range(0, d).Select(j => $"x{j}")) + "\n");
        long rows = 0, written = 0;
        var sb = new StringBuilder();
        while (rows < maxRows && written < maxBytes)
        {
            sb.Clear();
            double t = rng.NextDouble() * 2 * Math.PI;
            for (int j = 0; j < d; j++) { if (j > 0) sb.Append(','); sb.Append(Value(rng, t, j).ToString("F5", CultureInfo.InvariantCulture)); }
            sb.Append('\n');
            w.Write(sb);
            written += sb.Length;
            rows++;
        }
        return rows;
    }

    private static long WriteParquet(string path, int d, int groupRows, long maxBytes, Random rng)
    {
        var fields = Enumerable.Range(0, d).Select(j => new DataField<double>($"x{j}")).ToArray();
        using var fs = File.Create(path);
        var w = ParquetWriter.CreateAsync(new ParquetSchema(fields), fs).GetAwaiter().GetResult();
        var cols = Enumerable.Range(0, d).Select(_ => new double[groupRows]).ToArray();
        long rows = 0;
        try
        {
            while (fs.Position < maxBytes)
            {
                for (int i = 0; i < groupRows; i++)
                {
                    double t = rng.NextDouble() * 2 * Math.PI;
                    for (int j = 0; j < d; j++) cols[j][i] = Math.Round(Value(rng, t, j), 5);
                }
                using var rg = w.CreateRowGroup();
                for (int j = 0; j < d; j++) rg.WriteAsync<double>(fields[j], cols[j].AsMemory()).GetAwaiter().GetResult();
                rg.CompleteValidate();
                rows += groupRows;
            }
        }
        finally { w.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
        return rows;
    }
}
