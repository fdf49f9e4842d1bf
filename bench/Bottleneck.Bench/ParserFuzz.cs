using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using Bottleneck.Anomaly;
using Bottleneck.Data;
using Bottleneck.IO;
using Bottleneck.ModelFiles;
using Bottleneck.Models.Dense;
using Bottleneck.Tensors;
using Bottleneck.Training;
using CsCheck;

namespace Bottleneck.Bench;

/// <summary>
/// Property-based fuzzing (CsCheck) of every parser of untrusted bytes: the safetensors header, the NPY header, the IDX header,
/// config.json, trainer.json, CSV rows and gzip input. Inputs are valid seed files mutated by a shrinkable list of edits (byte
/// flips and sets, inserted tokens such as huge dimensions, NaN and malformed UTF-8, deleted and duplicated ranges, truncation)
/// or plain random bytes. The property: the parser returns, or throws only its documented exception type with a non-empty
/// message (never IndexOutOfRange, Overflow, OutOfMemory, InvalidOperation, …), within <see cref="SlowCase"/> per input.
/// A failure is shrunk by CsCheck and reported with its seed, so it can be replayed and kept as a regression test.
/// </summary>
public static class ParserFuzz
{
    /// <summary>An input that takes longer than this counts as a hang.</summary>
    public static readonly TimeSpan SlowCase = TimeSpan.FromSeconds(5);

    /// <summary>Memory budget while fuzzing (a mutated header may claim gigabytes; the claim must be refused, not allocated).</summary>
    public const long FuzzMemoryBudget = 256L << 20;

    /// <summary>One fuzzed parser.</summary>
    /// <param name="Name">Target name (the <c>--target</c> of <c>bench fuzz</c>).</param>
    /// <param name="Documented">The exception type the parser documents for bad input.</param>
    /// <param name="Inputs">The generator of inputs.</param>
    /// <param name="Parse">Parses one input (may use the scratch folder).</param>
    public sealed record Target(string Name, Type Documented, Gen<byte[]> Inputs, Action<byte[], string> Parse);

    /// <summary>Result of fuzzing one target.</summary>
    /// <param name="Name">The target.</param>
    /// <param name="Iterations">Inputs tried.</param>
    /// <param name="Seconds">Time taken.</param>
    /// <param name="Failure">The shrunk failing input's report (CsCheck message with the seed), or null.</param>
    public sealed record Report(string Name, long Iterations, double Seconds, string? Failure);

    /// <summary>Every target, in a fixed order.</summary>
    public static IReadOnlyList<Target> Targets => LazyTargets.Value;

    private static readonly Lazy<List<Target>> LazyTargets = new(CreateTargets);

    /// <summary>Fuzzes <paramref name="target"/> for <paramref name="seconds"/> on one thread.</summary>
    /// <param name="target">The target.</param>
    /// <param name="seconds">Time budget (≥ 1).</param>
    /// <param name="seed">A CsCheck seed to replay, or null for a fresh run.</param>
    /// <returns>Iterations and the failure, if any.</returns>
    public static Report Run(Target target, int seconds, string? seed = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        string scratch = Path.Combine(Path.GetTempPath(), $"bottleneck-fuzz-{target.Name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(scratch);
        long iterations = 0;
        var watch = Stopwatch.StartNew();
        InputFile.MemoryBudgetBytes = FuzzMemoryBudget;
        try
        {
            Prepare(target.Name, scratch);
            target.Inputs.Sample(bytes =>
            {
                Interlocked.Increment(ref iterations);
                Check(target, bytes, scratch);
            }, seed: seed, iter: seed is null ? -1 : 1, time: seed is null ? Math.Max(1, seconds) : -1, threads: 1, print: Print);
            return new Report(target.Name, iterations, watch.Elapsed.TotalSeconds, null);
        }
        catch (Exception e)
        {
            return new Report(target.Name, iterations, watch.Elapsed.TotalSeconds, e.Message);
        }
        finally
        {
            InputFile.MemoryBudgetBytes = 0;
            try { Directory.Delete(scratch, true); } catch (IOException) { }
        }
    }

    /// <summary>The property for one input: success, or the documented exception with a message, in time.</summary>
    /// <exception cref="Exception">Anything else (rethrown as a failure with the input's size and the exception).</exception>
    public static void Check(Target target, byte[] bytes, string scratch)
    {
        ArgumentNullException.ThrowIfNull(target);
        var watch = Stopwatch.StartNew();
        try { target.Parse(bytes, scratch); }
        catch (Exception e) when (target.Documented.IsInstanceOfType(e))
        {
            if (string.IsNullOrWhiteSpace(e.Message)) throw new InvalidDataException($"{target.Name}: {e.GetType().Name} without a message");
            if (e.Message.Contains("unexpected", StringComparison.OrdinalIgnoreCase) && e.Message.Contains("Exception", StringComparison.Ordinal))
                throw new InvalidDataException($"{target.Name}: message names an exception type: {e.Message}");
        }
        if (watch.Elapsed > SlowCase) throw new TimeoutException($"{target.Name}: one input of {bytes.Length} bytes took {watch.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary><c>bench fuzz [--seconds N] [--target NAME] [--seed SEED]</c>: fuzzes each target for N seconds (default 60).</summary>
    /// <returns>0 when no target failed, 1 otherwise.</returns>
    public static int Run(string[] args)
    {
        int seconds = 60;
        string? only = null, seed = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seconds" when i + 1 < args.Length && int.TryParse(args[i + 1], out int s) && s >= 1: seconds = s; i++; break;
                case "--target" when i + 1 < args.Length: only = args[++i]; break;
                case "--seed" when i + 1 < args.Length: seed = args[++i]; break;
                default:
                    Console.Error.WriteLine($"usage: fuzz [--seconds N ≥ 1] [--target {string.Join("|", Targets.Select(t => t.Name))}] [--seed SEED]");
                    return 2;
            }
        }
        var targets = Targets.Where(t => only is null || t.Name.Equals(only, StringComparison.OrdinalIgnoreCase)).ToList();
        if (targets.Count == 0) { Console.Error.WriteLine($"unknown target '{only}'"); return 2; }
        Console.WriteLine("| target | seconds | inputs | inputs/s | result |");
        Console.WriteLine("|---|---:|---:|---:|---|");
        int failures = 0;
        foreach (var t in targets)
        {
            var r = Run(t, seconds, seed);
            if (r.Failure != null) failures++;
            Console.WriteLine($"| {r.Name} | {r.Seconds:0.0} | {r.Iterations} | {r.Iterations / Math.Max(1e-9, r.Seconds):0} | " +
                              (r.Failure is null ? "ok" : "FAILED: " + r.Failure.ReplaceLineEndings(" ")) + " |");
        }
        return failures == 0 ? 0 : 1;
    }

    // ------------------------------------------------------------------ generators

    private static string Print(byte[] bytes) =>
        bytes.Length <= 512 ? Convert.ToHexString(bytes) : Convert.ToHexString(bytes.AsSpan(0, 512)) + $"... ({bytes.Length} bytes)";

    /// <summary>Seeds mutated by 1–8 shrinkable edits, or (one time in eight) random bytes.</summary>
    private static Gen<byte[]> Mutations(byte[][] seeds, byte[][] tokens)
    {
        var edit = Gen.Select(Gen.Int[0, 6], Gen.Int[0, int.MaxValue], Gen.Int[0, 255], Gen.Int[0, tokens.Length - 1]);
        var mutated = Gen.Select(Gen.Int[0, seeds.Length - 1], edit.Array[1, 8], (s, edits) => Apply(seeds[s], edits, tokens));
        return Gen.Frequency((7, mutated), (1, Gen.Byte.Array[0, 96]));
    }

    private static byte[] Apply(byte[] seed, (int Kind, int Position, int Value, int Token)[] edits, byte[][] tokens)
    {
        var b = new List<byte>(seed);
        foreach (var (kind, position, value, token) in edits)
        {
            int at = b.Count == 0 ? 0 : position % (b.Count + 1);
            switch (kind)
            {
                case 0 when b.Count > 0: b[Math.Min(at, b.Count - 1)] ^= (byte)(1 << (value % 8)); break;
                case 1 when b.Count > 0: b[Math.Min(at, b.Count - 1)] = (byte)value; break;
                case 2: b.InsertRange(at, tokens[token]); break;
                case 3 when b.Count > 0: b.RemoveRange(Math.Min(at, b.Count - 1), Math.Min(1 + value % 16, b.Count - Math.Min(at, b.Count - 1))); break;
                case 4: b.RemoveRange(at, b.Count - at); break;
                case 5 when b.Count > 0:
                {
                    int from = Math.Min(at, b.Count - 1), n = Math.Min(1 + value % 32, b.Count - from);
                    b.InsertRange(from, b.GetRange(from, n));
                    break;
                }
                default:   // replace a run with a token (a number, a key, a dtype)
                    if (b.Count > 0) b.RemoveRange(Math.Min(at, b.Count - 1), Math.Min(1 + value % 8, b.Count - Math.Min(at, b.Count - 1)));
                    b.InsertRange(Math.Min(at, b.Count), tokens[token]);
                    break;
            }
        }
        return [.. b];
    }

    private static byte[][] Tokens(params string[] text) =>
    [
        .. text.Select(Encoding.UTF8.GetBytes),
        [0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0x00], [0x80, 0x80],
        BitConverter.GetBytes(long.MaxValue), BitConverter.GetBytes(uint.MaxValue), BitConverter.GetBytes(0x7FFFFFFF),
    ];

    private static readonly string[] CommonTokens =
    [
        "-1", "0", "2147483647", "2147483648", "4294967296", "9223372036854775807", "18446744073709551616", "1e309", "-1e309",
        "NaN", "\"NaN\"", "Infinity", "null", "true", "[]", "{}", "\"\"", "\"\\uD800\"", ",", ":", "\"", "'", "(", ")", "[", "]", "{", "}",
    ];

    // ------------------------------------------------------------------ targets

    private static List<Target> CreateTargets()
    {
        var list = new List<Target>
        {
            new("safetensors", typeof(ModelFileException), Mutations(SafetensorsSeeds(), Tokens([.. CommonTokens, "\"dtype\"", "\"F64\"", "\"BF16\"", "\"BOOL\"", "\"I64\"",
                    "\"shape\"", "\"data_offsets\"", "\"__metadata__\"", "[0,4]", "[4294967296,4294967296]", "[65536,65536,65536]"])),
                (bytes, _) => SafeTensors.Parse(bytes, "fuzz.safetensors")),
            new("npy", typeof(DataException), Mutations(NpySeeds(), Tokens([.. CommonTokens, "'descr'", "'<i8'", "'>f2'", "'|b1'", "'<u8'", "'shape'",
                    "(2147483647, 2147483647)", "(65536, 65536, 65536)", "(-1,)", "()", "True", "False", "'fortran_order'", "L", "'descr': [('a', '<f4')]"])),
                (bytes, _) => NpyLoader.Parse(bytes, "fuzz.npy")),
            new("idx", typeof(DataException), Mutations(IdxSeeds(), Tokens([.. CommonTokens, "\u0008", "\u000E", "\u00FF"])),
                (bytes, _) => { using var ms = new MemoryStream(bytes, false); IdxLoader.Read(ms, "fuzz.idx", bytes.Length); }),
            new("config-json", typeof(ModelFileException), Mutations([ConfigSeed.Value], Tokens([.. CommonTokens, "\"kind\"", "\"dense\"", "\"pca\"", "\"linear\"",
                    "\"formatVersion\"", "\"hidden\"", "[0]", "[-5]", "[1000000,1000000]", "\"sigmoid-bce\"", "\"gaussian-nll\"", "\"threshold\"",
                    "{\"rule\":\"p99\",\"value\":\"NaN\"}", "\"tabular\"", "\"preprocessing\"", "\"scale\"", "\"offset\""])),
                ParseConfig),
            new("trainer-json", typeof(ModelFileException), Mutations([TrainerSeed.Value], Tokens([.. CommonTokens, "\"epoch\"", "\"history\"", "\"optimizers\"",
                    "\"paramSteps\"", "\"schedule\"", "\"adam\"", "\"sgd\"", "\"version\"", "2", "1", "\"recipe\"", "\"bestValidationLoss\""])),
                ParseTrainer),
            new("csv-rows", typeof(DataException), Mutations(CsvSeeds(), Tokens([.. CommonTokens, "\n", "\r\n", "\"\"\"", "\t", "a,b", "1e5", "0,5", "x,,y", "\n\n\n"])),
                ParseCsv),
            new("gzip", typeof(DataException), Mutations(GzipSeeds(), Tokens([.. CommonTokens, "\u001F\u008B\u0008", "\u0000\u0000\u0000\u0000"])),
                ParseGzip),
            new("graph-edges", typeof(DataException), Mutations(GraphSeeds(), Tokens([.. CommonTokens, "\n", "a,a\n", "b,a\n", "1,2\n", "source,target\n", ",", "\t"])),
                ParseGraph),
            new("parquet", typeof(DataException), Mutations(ParquetSeeds(), Tokens([.. CommonTokens, "PAR1", "\u0000\u0000\u0000\u0000", "\u00FF\u00FF\u00FF\u007F"])),
                ParseParquet),
        };
        return list;
    }

    private static void Prepare(string name, string scratch)
    {
        if (name == "config-json")
        {
            ModelStore.Save(Path.Combine(scratch, "model"), SampleModel());
        }
    }

    // safetensors: F32 tensors with metadata, and hand-written headers with other dtypes.
    private static byte[][] SafetensorsSeeds()
    {
        var f32 = SafeTensors.Encode([("encoder.0.weight", [3, 2], [1, 2, 3, 4, 5, 6]), ("encoder.0.bias", [3], [0.5f, -1, 2]), ("scalar", [], [7])],
            new Dictionary<string, string> { ["format"] = "pt", ["epoch"] = "3" });
        byte[] Raw(string header, int dataBytes)
        {
            var h = Encoding.UTF8.GetBytes(header);
            var b = new byte[8 + h.Length + dataBytes];
            BinaryPrimitives.WriteUInt64LittleEndian(b, (ulong)h.Length);
            h.CopyTo(b, 8);
            for (int i = 8 + h.Length; i < b.Length; i++) b[i] = (byte)(i * 37);
            return b;
        }
        return
        [
            f32,
            Raw("{\"a\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[8,16]}}", 16),
            Raw("{\"__metadata__\":{\"k\":\"v\"},\"m\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[0,3]},\"n\":{\"dtype\":\"BF16\",\"shape\":[0],\"data_offsets\":[3,3]}}", 3),
        ];
    }

    // NPY: versions 1 and 2, several dtypes and shapes.
    internal static byte[] Npy(string descr, string shape, byte[] data, int major = 1)
    {
        string header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        int pre = major == 1 ? 10 : 12;
        header = header.PadRight(header.Length + (64 - (pre + header.Length + 1) % 64) % 64) + "\n";
        var bytes = new byte[pre + header.Length + data.Length];
        bytes[0] = 0x93; Encoding.ASCII.GetBytes("NUMPY").CopyTo(bytes, 1);
        bytes[6] = (byte)major;
        if (major == 1) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)header.Length);
        Encoding.ASCII.GetBytes(header).CopyTo(bytes, pre);
        data.CopyTo(bytes, pre + header.Length);
        return bytes;
    }

    private static byte[][] NpySeeds() =>
    [
        Npy("<f4", "(2, 3)", new byte[24]),
        Npy(">f8", "(3,)", new byte[24], major: 2),
        Npy("<i8", "(2,)", BitConverter.GetBytes(16777217L).Concat(BitConverter.GetBytes(-5L)).ToArray()),
        Npy("|u1", "(2, 2, 2)", [1, 2, 3, 4, 5, 6, 7, 8]),
        Npy("<f2", "()", [0, 0x3C]),
    ];

    // IDX: uint8 images, float64 and int32 vectors.
    private static byte[][] IdxSeeds()
    {
        byte[] Idx(byte type, int[] dims, int itemSize)
        {
            long count = dims.Aggregate(1L, (a, d) => a * d);
            var b = new byte[4 + 4 * dims.Length + count * itemSize];
            b[2] = type; b[3] = (byte)dims.Length;
            for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4 + 4 * i), dims[i]);
            for (int i = 4 + 4 * dims.Length; i < b.Length; i++) b[i] = (byte)(i * 13);
            return b;
        }
        return [Idx(0x08, [3, 4, 4], 1), Idx(0x0E, [5], 8), Idx(0x0C, [2, 3], 4), Idx(0x0B, [4], 2)];
    }

    // config.json: a saved dense model's config with an anomaly threshold and feature names.
    private static SavedModel SampleModel()
    {
        var model = new DenseAutoencoder(new DenseConfig(4, [3], 2), new Rng(1));
        model.Eval();
        var saved = new SavedModel(model, new PreprocessorState(ScalingKind.MinMax, [0, 0, 0, 0], [1, 1, 1, 1]), new TrainingOptions(epochs: 1, batchSize: 8),
            [], null, "csv:/data/d.csv")
        { FeatureNames = ["a", "b", "c", "d"], DataFiles = [new DataFileFingerprint("/data/d.csv", 10, new string('0', 64))] };
        return saved.WithAnomaly(new ThresholdState("p99", 0.5, ReconstructionError.Mse, "training data"), new NormalLabel("label", "0"));
    }

    private static readonly Lazy<byte[]> ConfigSeed = new(() =>
    {
        string dir = Path.Combine(Path.GetTempPath(), $"bottleneck-fuzz-seed-{Guid.NewGuid():N}");
        try
        {
            ModelStore.Save(dir, SampleModel());
            return File.ReadAllBytes(Path.Combine(dir, ModelStore.ConfigFile));
        }
        finally { try { Directory.Delete(dir, true); } catch (IOException) { } }
    });

    private static void ParseConfig(byte[] bytes, string scratch)
    {
        string folder = Path.Combine(scratch, "model");
        File.WriteAllBytes(Path.Combine(folder, ModelStore.ConfigFile), bytes);
        var saved = ModelStore.Load(folder);
        _ = saved.Threshold;
        _ = saved.Normal;
    }

    // trainer.json: a real checkpoint of a tiny dense model after one epoch.
    private static DenseAutoencoder TinyModel() => new(new DenseConfig(4, [3], 2), new Rng(1));
    private static readonly TrainingOptions TinyOptions = new(epochs: 2, batchSize: 8, schedule: "cosine");

    private static readonly Lazy<(byte[] Json, Dictionary<string, byte[]> Files)> Checkpoint = new(() =>
    {
        string dir = Path.Combine(Path.GetTempPath(), $"bottleneck-fuzz-seed-{Guid.NewGuid():N}");
        try
        {
            var data = new Dataset(Enumerable.Range(0, 64).Select(i => (i * 7 % 11) / 11f).ToArray(), 16, 4);
            var model = TinyModel();
            using var cts = new CancellationTokenSource();
            new Trainer(TinyOptions) { CheckpointDirectory = dir }.Fit(model, data, null,
                new SyncProgress(p => { if (p.Completed?.Epoch == 1) cts.Cancel(); }), cts.Token);
            var files = Directory.GetFiles(dir).Where(f => !f.EndsWith("trainer.json", StringComparison.Ordinal))
                .ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
            return (File.ReadAllBytes(Path.Combine(dir, "trainer.json")), files);
        }
        finally { try { Directory.Delete(dir, true); } catch (IOException) { } }
    });

    private static readonly Lazy<byte[]> TrainerSeed = new(() => Checkpoint.Value.Json);

    private static void ParseTrainer(byte[] bytes, string scratch)
    {
        string dir = Path.Combine(scratch, "checkpoint");
        if (!Directory.Exists(dir))
        {
            Directory.CreateDirectory(dir);
            foreach (var (name, content) in Checkpoint.Value.Files) File.WriteAllBytes(Path.Combine(dir, name), content);
        }
        File.WriteAllBytes(Path.Combine(dir, "trainer.json"), bytes);
        var model = TinyModel();
        var optimizers = model.ParameterGroups().Select(g => new OptimizerGroup(g.Name, TinyOptions.CreateOptimizer(g.Parameters, g.LearningRateScale))).ToArray();
        foreach (var g in optimizers) g.Schedule = TinyOptions.CreateSchedule(g.Optimizer);
        new Bottleneck.Training.Checkpoint(dir).Load(model, optimizers, TinyOptions, [new("--kind", "dense")]);
    }


    // CSV rows: numeric, headed, labelled, quoted and tabular text.
    private static byte[][] CsvSeeds() =>
    [
        .. new[]
        {
            "a,b,c\n1,2,3\n4.5,-6e2,7\n",
            "x,y,label\n0.1,0.2,normal\n0.3,0.4,attack\n0.5,0.6,normal\n",
            "\"a\",\"b, c\"\n\"1\",\"2\"\n3,4\n",
            "1,2,3\n4,5,6\n",
            "color,size,weight\nred,1,0.5\nblue,2,\nred,3,1.5\n",
        }.Select(Encoding.UTF8.GetBytes),
    ];

    // graph edge lists (graph:EDGES.csv): string and integer ids, a header, a self-loop and a reversed duplicate.
    private static byte[][] GraphSeeds() =>
    [
        .. new[] { "source,target\na,b\nb,c\nc,c\nb,a\nc,d\n", "1,2\n2,3\n3,1\n4,1\n5,4\n6,5\n7,6\n8,7\n9,8\n10,9\n11,10\n" }.Select(Encoding.UTF8.GetBytes),
    ];

    /// <summary>Reads the bytes as an edge list, then splits its edges (the split refuses graphs too small with a DataException).</summary>
    private static void ParseGraph(byte[] bytes, string scratch)
    {
        string path = Path.Combine(scratch, "edges.csv");
        File.WriteAllBytes(path, bytes);
        var graph = GraphLoader.LoadEdgeList(path);
        EdgeSplit.Create(graph, 1);
    }

    private static void ParseCsv(byte[] bytes, string _)
    {
        // Each reader on its own: one refusing the input must not hide a crash in the next. Documented refusals (DataException)
        // are checked for a message here; anything else propagates to the property.
        string text = Encoding.UTF8.GetString(bytes);
        static void Step(Action parse)
        {
            try { parse(); }
            catch (DataException e) when (!string.IsNullOrWhiteSpace(e.Message)) { }
        }
        Step(() => CsvLoader.Load(new StringReader(text), "fuzz.csv"));
        Step(() => CsvLoader.Load(new StringReader(text), "fuzz.csv", new CsvOptions(LabelColumn: "last", DecimalComma: true)));
        // The streaming reader detect uses: fit on the rows, then transform the same text and a changed copy.
        Step(() =>
        {
            var encoder = TabularEncoder.Fit(new StringReader(text), "fuzz.csv", new TabularOptions(Impute: NumericImpute.Mean, CategoricalImpute: CategoricalImpute.Missing));
            Step(() => encoder.Transform(new StringReader(text), "fuzz.csv"));
            Step(() => encoder.Transform(new StringReader(text.Replace('1', '9').Replace("red", "green")), "fuzz.csv"));
        });
    }

    // gzip: compressed CSV files, one and two members.
    private static byte[][] GzipSeeds()
    {
        static byte[] Gz(string text)
        {
            var ms = new MemoryStream();
            using (var g = new GZipStream(ms, CompressionLevel.Fastest, true)) g.Write(Encoding.UTF8.GetBytes(text));
            return ms.ToArray();
        }
        string rows = "a,b\n" + string.Concat(Enumerable.Range(0, 60).Select(i => $"{i},{i * 0.5}\n"));
        return [Gz(rows), [.. Gz(rows[..40]), .. Gz(rows[40..])], Gz("a,b\n1,2\n")];
    }

    private static void ParseGzip(byte[] bytes, string scratch)
    {
        string path = Path.Combine(scratch, "fuzz.csv.gz");
        File.WriteAllBytes(path, bytes);
        CsvLoader.Load(path);
    }

    // parquet: small files written by Parquet.Net (double, float, int and string columns, a nullable column, several row groups).
    private static byte[][] ParquetSeeds()
    {
        static byte[] Write(int groupRows, int rows, bool nullable)
        {
            var a = new Parquet.Schema.DataField<double>("a");
            var b = new Parquet.Schema.DataField<int>("b");
            var n = new Parquet.Schema.DataField<double?>("n");
            var label = new Parquet.Schema.DataField<string>("label");
            Parquet.Schema.Field[] fields = nullable ? [a, b, n, label] : [a, b, label];
            var ms = new MemoryStream();
            var w = Parquet.ParquetWriter.CreateAsync(new Parquet.Schema.ParquetSchema(fields), ms).GetAwaiter().GetResult();
            for (int start = 0; start < rows; start += groupRows)
            {
                int k = Math.Min(groupRows, rows - start);
                using var rg = w.CreateRowGroup();
                rg.WriteAsync<double>(a, Enumerable.Range(start, k).Select(i => i * 0.5).ToArray().AsMemory()).GetAwaiter().GetResult();
                rg.WriteAsync<int>(b, Enumerable.Range(start, k).ToArray().AsMemory()).GetAwaiter().GetResult();
                if (nullable) rg.WriteAsync<double>(n, Enumerable.Range(start, k).Select(i => i % 7 == 3 ? (double?)null : i).ToArray().AsMemory()).GetAwaiter().GetResult();
                rg.WriteAsync(label, Enumerable.Range(start, k).Select(i => i % 5 == 0 ? "attack" : "normal").ToArray()).GetAwaiter().GetResult();
            }
            w.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return ms.ToArray();
        }
        return [Write(16, 40, false), Write(100, 30, true), Write(8, 8, false)];
    }

    private static void ParseParquet(byte[] bytes, string scratch)
    {
        // Inputs on which Parquet.Net loops are cut by the reader's watchdog: 2 s here, inside the harness's 5 s per input.
        string path = Path.Combine(scratch, "fuzz.parquet");
        File.WriteAllBytes(path, bytes);
        using var r = new ParquetRowReader(path, "label", watchdogSeconds: 2);
        var buf = new float[16 * r.FeatureCount];
        while (r.Read(buf, 16, [], []) > 0) { }
    }
}
