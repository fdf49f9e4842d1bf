using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Bottleneck.Anomaly;
using Bottleneck.Data;
using Bottleneck.IO;
using Bottleneck.ModelFiles;
using Bottleneck.Training;
using CsvHelper;

namespace Bottleneck.Cli.Services;

/// <summary>
/// <c>encode</c> and <c>reconstruct</c> a chunk of rows at a time: CSV/TSV (also gzip) files through the model's tabular encoding
/// or column by column, Parquet files by row group, .npy files memory-mapped, and with <c>--shard i/N</c> any data (rows in memory
/// for the other kinds). Memory is O(chunk × D) apart from the PNG grid's first rows and the labels of an .npy output (4 bytes per
/// row). The output is the same table as the in-memory path, except that the label column holds the label text as read (the
/// in-memory path numbers non-integer labels by first appearance, which differs between shards) and, with a shard, a leading
/// <c>row</c> column holds the input's row numbers (CSV line, header = 1; else the 1-based sample number).
/// </summary>
internal static class StreamedApply
{
    /// <summary>Rows read, run through the model and written at a time.</summary>
    public const int ChunkRows = 8192;

    /// <summary>What to compute per row.</summary>
    public enum Mode
    {
        /// <summary>The latent code (latentDim values).</summary>
        Encode,
        /// <summary>The reconstruction in the data space (D values).</summary>
        Reconstruct,
    }

    /// <summary>Whether <paramref name="spec"/> takes the streamed path: CSV (unless it needs the decimal comma of the in-memory
    /// loader), Parquet and .npy files, or any data with a shard.</summary>
    public static bool Handles(DataSpec spec, RowShard? shard) =>
        shard != null || spec.Kind is DataKind.Parquet or DataKind.Npy || (spec.Kind == DataKind.Csv && !spec.DecimalComma);

    /// <summary>Runs <paramref name="mode"/> over <paramref name="data"/> into <paramref name="outPath"/> (.csv, .tsv or .npy).</summary>
    /// <exception cref="DataException">Bad data (names file, row and column), or the width is not the model's.</exception>
    /// <exception cref="ArgumentException">A conditional model, or an .npy output with a shard.</exception>
    public static void Run(Mode mode, string modelDir, string data, string outPath, RowShard? shard, Action<string> line)
    {
        if (string.IsNullOrWhiteSpace(modelDir)) throw new ArgumentException("--model needs a model folder");
        bool npy = Path.GetExtension(outPath).Equals(".npy", StringComparison.OrdinalIgnoreCase);
        if (npy && shard != null)
            throw new ArgumentException($"--shard {shard} adds a 'row' column with the input's row numbers, which float32 .npy cannot hold exactly; write --out as .csv or .tsv");
        var spec = DataSpec.Parse(data);
        var saved = ModelStore.Load(modelDir);
        var model = saved.Model;
        if (model.Config.NotRowsNote is { } note) throw new DataException($"{modelDir} holds a {model.Config.Kind} model: {note}");
        if (model.ConditionsOnLabels)
            throw new ArgumentException($"a conditional {model.Config.Kind} model needs each row's class label as a number; " +
                                        (shard != null ? "--shard is not supported for it" : "it is read into memory"));
        var (reader, names, image) = Open(spec, saved);
        using IRowReader rows = shard != null ? new ShardedRowReader(reader, shard) : reader;
        int d = model.InputDim;
        if (rows.FeatureCount != d)
            throw new DataException($"{rows.Source}: input has {rows.FeatureCount} features, model expects {d}", rows.Source);
        var pre = new Preprocessor(saved.Preprocessing);
        int width = mode == Mode.Encode ? model.LatentDim : d;
        string[] header = mode == Mode.Encode
            ? Enumerable.Range(0, width).Select(i => $"z{i}").ToArray()
            : names ?? Enumerable.Range(0, d).Select(i => $"c{i}").ToArray();
        image ??= saved.Image is { } im && im.Size == d ? im : null;
        bool grid = mode == Mode.Reconstruct && image is { Channels: 1 };
        var gridOriginals = new List<float>();
        var gridRecon = new List<float>();
        var buf = new float[ChunkRows * d];
        var labels = rows.HasLabels ? new List<string>(ChunkRows) : null;
        var rowNumbers = new List<long>(ChunkRows);
        var npyLabels = npy && rows.HasLabels ? new List<float>() : null;
        var classes = new Dictionary<string, int>(StringComparer.Ordinal);
        long total = 0;

        void Body(Action<ReadOnlySpan<float>, int> writeChunk)
        {
            int n;
            while ((n = rows.Read(buf, ChunkRows, labels, rowNumbers)) > 0)
            {
                CancellationScope.ThrowIfCancellationRequested();
                var x = buf.AsSpan(0, n * d);
                if (grid && gridOriginals.Count < Output.GridImages * d)
                    gridOriginals.AddRange(x[..(Math.Min(n, Output.GridImages - gridOriginals.Count / d) * d)].ToArray());
                var scaled = x.ToArray();
                pre.Transform(scaled);
                var chunk = new Dataset(scaled, n, d, source: rows.Source);
                float[] result;
                if (mode == Mode.Encode) result = Batching.Encode(model, chunk);
                else
                {
                    result = Batching.Reconstruct(model, chunk);
                    pre.InverseTransform(result);
                    if (grid && gridRecon.Count < Output.GridImages * d)
                        gridRecon.AddRange(result.AsSpan(0, Math.Min(n, Output.GridImages - gridRecon.Count / d) * d).ToArray());
                }
                writeChunk(result, n);
                total += n;
            }
        }

        if (npy) WriteNpy(outPath, width, Body, labels, npyLabels, classes);
        else WriteDelimited(outPath, width, header, shard != null, labels, rowNumbers, Body);
        var files = new List<string> { outPath };
        if (npyLabels != null)
        {
            var labelsPath = Path.ChangeExtension(outPath, ".labels.npy");
            TempNames.CheckNameLength(labelsPath, "the labels file written beside --out,");
            NpyWriter.Write(labelsPath, npyLabels.ToArray(), [npyLabels.Count]);
            files.Add(labelsPath);
        }
        string what = shard != null ? $"{total} samples (shard {shard})" : $"{total} samples";
        if (mode == Mode.Encode) line($"encoded {what} of {rows.Source} to {width} values each: {string.Join(", ", files)}");
        else
        {
            line($"reconstructed {what} of {rows.Source}: {string.Join(", ", files)}");
            string png = Path.ChangeExtension(outPath, ".png");
            int shown = gridRecon.Count / d;
            if (grid && shown > 0 && Output.WriteGrid(png, image, gridOriginals.ToArray(), gridRecon.ToArray(), shown))
                line($"images: {png} (originals above reconstructions)");
        }
    }

    /// <summary>The streamed reader of <paramref name="spec"/>, its column names and image shape.</summary>
    private static (IRowReader Reader, string[]? Names, ImageShape? Image) Open(DataSpec spec, SavedModel saved)
    {
        if (spec.Kind == DataKind.Csv)
        {
            if (!File.Exists(spec.Path)) throw new FileNotFoundException($"{spec.Path}: file not found", spec.Path);
            var encoder = saved.Tabular != null ? new TabularEncoder(saved.Tabular)
                : AnomalyDetector.PassThroughEncoder(spec.Path!, new CsvScoringOptions(spec.LabelColumn));
            if (saved.Tabular == null && encoder.State.HasHeader) ModelStore.CheckColumns(saved, encoder.FeatureNames.ToArray(), spec.Path!);
            return (encoder.OpenRows(spec.Path!), saved.Tabular == null && !encoder.State.HasHeader ? null : encoder.FeatureNames.ToArray(), null);
        }
        if (StreamedRows.Open(spec, null, saved) is { } streamed) return (streamed.Reader, streamed.FeatureNames, streamed.Image);
        var raw = spec.Kind == DataKind.Images ? ImageFolder.Load(spec.Path!, spec.Images).Data : spec.Load("test");
        if (raw.Sequence is { } sq && saved.Model.InputShape is [int steps, int channels] && (sq.Steps != steps || sq.Channels != channels))
            throw new DataException($"{raw.Source} has sequences of {sq}, the model expects {new SequenceShape(steps, channels)}", raw.Source);
        return (new DatasetRowReader(raw), raw.FeatureNames, raw.Image);
    }

    private static void WriteDelimited(string path, int width, string[] header, bool withRow, List<string>? labels, List<long> rowNumbers,
        Action<Action<ReadOnlySpan<float>, int>> body)
    {
        bool tsv = Path.GetExtension(path).Equals(".tsv", StringComparison.OrdinalIgnoreCase);
        AtomicFile.Write(path, stream =>
        {
            var opts = new CsvWriterOptions { NewLine = "\n", Separator = tsv ? '\t' : ',', FormatProvider = CultureInfo.InvariantCulture };
            using var w = CsvWriter.Create(stream, opts, leaveOpen: true);
            w.WriteHeader([.. withRow ? ["row"] : Array.Empty<string>(), .. labels != null ? ["label"] : Array.Empty<string>(), .. header]);
            body((values, n) =>
            {
                for (int r = 0; r < n; r++)
                {
                    if (withRow) w.WriteField(rowNumbers[r].ToString(CultureInfo.InvariantCulture));
                    if (labels != null) w.WriteField(labels[r]);
                    for (int c = 0; c < width; c++) w.WriteField(values[r * width + c].ToString("R", CultureInfo.InvariantCulture));
                    w.EndRecord();
                }
            });
            w.Flush();
        });
    }

    /// <summary>Streams an .npy (&lt;f4, shape (rows, width)): a header padded for any row count first, rewritten with the count at the end.</summary>
    private static void WriteNpy(string path, int width, Action<Action<ReadOnlySpan<float>, int>> body, List<string>? labels, List<float>? npyLabels,
        Dictionary<string, int> classes)
    {
        AtomicFile.Write(path, stream =>
        {
            if (!stream.CanSeek) throw new ArgumentException($"--out {path}: streaming an .npy file needs a regular file (the row count is written last)");
            int headerLength = NpyHeader(long.MaxValue / 2, width, 0).Length;
            stream.Write(new byte[headerLength]);
            long rows = 0;
            var bytes = new byte[4 * StreamedApply.ChunkRows * Math.Max(width, 1)];
            body((values, n) =>
            {
                int count = n * width;
                if (bytes.Length < 4 * count) bytes = new byte[4 * count];
                for (int i = 0; i < count; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
                stream.Write(bytes, 0, 4 * count);
                if (npyLabels != null)
                    foreach (var text in labels!)
                        npyLabels.Add(float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) ? v
                            : classes.TryGetValue(text, out int k) ? k : classes[text] = classes.Count);
                rows += n;
            });
            stream.Position = 0;
            stream.Write(NpyHeader(rows, width, headerLength));
        });
    }

    /// <summary>The .npy 1.0 header of a (rows, width) &lt;f4 array, padded with spaces to <paramref name="length"/> bytes (0: to a multiple of 64).</summary>
    private static byte[] NpyHeader(long rows, int width, int length)
    {
        string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {width}), }}";
        int total = length > 0 ? length : (10 + dict.Length + 1 + 63) / 64 * 64;
        var b = new byte[total];
        b[0] = 0x93; "NUMPY"u8.CopyTo(b.AsSpan(1));
        b[6] = 1; b[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(8), (ushort)(total - 10));
        int p = 10;
        foreach (char ch in dict) b[p++] = (byte)ch;
        while (p < total - 1) b[p++] = (byte)' ';
        b[p] = (byte)'\n';
        return b;
    }
}
