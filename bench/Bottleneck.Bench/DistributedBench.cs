using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Bottleneck.Data;
using Bottleneck.Kernels;
using Bottleneck.Models.Dense;
using Bottleneck.Mpi;
using Bottleneck.Tensors;
using Bottleneck.Training;
using static Bottleneck.Bench.DenseBench;

namespace Bottleneck.Bench;

/// <summary>
/// Data-parallel training over MPI: epoch time and all-reduce time per step of the dense autoencoder 784-512-128-32-128-512-784
/// (944,176 parameters: a 3.78 MB float32 gradient, reduced in one fused all-reduce per step) with 1 and 2 ranks, each rank
/// using <c>--threads</c> GEMM threads. The suite launches <c>mpirun -np N</c> itself, running this program's worker mode on each
/// rank; rank 0 prints one JSON line. It also times a bare MPI_Allreduce of the gradient's size (no training around it).
/// Usage: distributed [--ranks 1,2] [--rows 60000] [--epochs 3] [--batch 256] [--threads 1] [--mpirun mpirun.openmpi]
/// [--mpi-args "--mca btl self,tcp"] (extra launcher arguments, split on spaces)
/// Data: MNIST (../shared/data/mnist) when present, else the demo generator.
/// </summary>
public static class DistributedBench
{
    private const string ResultPrefix = "RESULT ";

    public static int Run(string[] args)
    {
        if (args.Contains("--worker")) return Worker(args);
        var ranks = StrArg(args, "--ranks", "1,2").Split(',').Select(int.Parse).ToArray();
        string mpirun = StrArg(args, "--mpirun", File.Exists("/usr/bin/mpirun.openmpi") ? "/usr/bin/mpirun.openmpi" : "mpirun");
        var mpiArgs = StrArg(args, "--mpi-args", "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string self = Environment.ProcessPath!;
        string dll = typeof(DistributedBench).Assembly.Location;
        var results = new List<JsonElement>();
        foreach (int n in ranks)
        {
            var psi = new ProcessStartInfo(mpirun) { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
            foreach (var a in (string[])["-np", n.ToString(CultureInfo.InvariantCulture), .. mpiArgs,
                         self, .. self.EndsWith("dotnet", StringComparison.Ordinal) ? new[] { dll } : [], "distributed", "--worker", .. args])
                psi.ArgumentList.Add(a);
            psi.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
            psi.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
            Console.Error.WriteLine($"distributed: {mpirun} -np {n} ...");
            using var p = Process.Start(psi)!;
            p.StandardInput.Close();
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            var line = output.Split('\n').Where(l => l.Contains(ResultPrefix, StringComparison.Ordinal))
                .Select(l => l[l.IndexOf(ResultPrefix, StringComparison.Ordinal)..]).FirstOrDefault();
            if (p.ExitCode != 0 || line is null) { Console.Error.WriteLine($"distributed: {n} rank(s) failed (exit {p.ExitCode}):\n{output}"); return 1; }
            Console.WriteLine(line[ResultPrefix.Length..]);
            results.Add(JsonDocument.Parse(line[ResultPrefix.Length..]).RootElement);
        }
        Console.WriteLine();
        Console.WriteLine("| ranks | GEMM threads per rank | epoch (s, median of timed) | samples/s | speed-up | efficiency | all-reduce per step in training (ms) | share of the epoch | bare all-reduce of the gradient (ms) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        double t1 = results[0].GetProperty("epochSeconds").GetDouble();
        int n1 = results[0].GetProperty("ranks").GetInt32();
        foreach (var r in results)
        {
            int n = r.GetProperty("ranks").GetInt32();
            double t = r.GetProperty("epochSeconds").GetDouble(), ar = r.GetProperty("allReduceMsPerStep").GetDouble();
            // Speed-up and efficiency against the first run when it is one rank (the same samples per epoch: time ratio).
            string speedup = n1 == 1 ? (t1 / t).ToString("F2", CultureInfo.InvariantCulture) : "–";
            string efficiency = n1 == 1 ? (t1 / t / n).ToString("P0", CultureInfo.InvariantCulture) : "–";
            Console.WriteLine(FormattableString.Invariant(
                $"| {n} | {r.GetProperty("threads").GetInt32()} | {t:F2} | {r.GetProperty("samplesPerSecond").GetDouble():F0} | {speedup} | {efficiency} | {ar:F2} | {ar * r.GetProperty("steps").GetInt32() / 1000 / t:P1} | {r.GetProperty("bareAllReduceMs").GetDouble():F2} |"));
        }
        Console.WriteLine($"gradient: {results[0].GetProperty("gradientBytes").GetInt64():N0} bytes per step; {results[0].GetProperty("data").GetString()}");
        return 0;
    }

    /// <summary>One rank: bare all-reduce timing, then training with a timed communicator; rank 0 prints the result line.</summary>
    private static int Worker(string[] args)
    {
        int rows = IntArg(args, "--rows", 60000), epochs = IntArg(args, "--epochs", 3), batch = IntArg(args, "--batch", 256), threads = IntArg(args, "--threads", 1);
        using var mpi = MpiCommunicator.Initialize();
        var comm = new TimedCommunicator(mpi);
        Gemm.Threads = threads;
        var dir = DataDirectory.Find("mnist");
        var data = dir != null ? IdxLoader.LoadMnist(dir, "train") : DemoDataset.Generate(rows, 1);
        if (data.Rows > rows) data = data.Subset(Enumerable.Range(0, rows).ToArray());
        var model = new DenseAutoencoder(new DenseConfig(784, [512, 128], 32), new Rng(1));
        long parameters = model.ParameterCount();

        // The bare collective: the fused buffer of one step (gradients, one count per parameter tensor, two flags).
        var buffer = new float[parameters + model.Parameters().Count + 2];
        for (int i = 0; i < 5; i++) mpi.AllReduceSum(buffer);
        const int reps = 30;
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < reps; i++) mpi.AllReduceSum(buffer);
        double bareMs = sw.Elapsed.TotalMilliseconds / reps;

        var epochSeconds = new List<double>();
        var allReduceAtEpoch = new List<(double Seconds, long Calls)>();
        var progress = new SyncProgress(p =>
        {
            if (p.Completed is { } c) { epochSeconds.Add(c.Seconds); allReduceAtEpoch.Add((comm.Seconds, comm.Calls)); }
        });
        var source = RowSource.For(model, data, "training data");
        new Trainer(new TrainingOptions(epochs: epochs, batchSize: batch, seed: 1)).Fit(model, source, null, new FitContext(progress, Communicator: comm));
        if (mpi.Rank != 0) return 0;
        // The first epoch includes JIT compilation and first-touch allocation: timed epochs are the later ones.
        var timed = epochSeconds.Skip(epochs > 1 ? 1 : 0).Order().ToList();
        double epoch = timed[timed.Count / 2];
        int steps = (data.Rows + batch - 1) / batch;
        var (arSeconds, calls) = epochs > 1
            ? (allReduceAtEpoch[^1].Seconds - allReduceAtEpoch[0].Seconds, allReduceAtEpoch[^1].Calls - allReduceAtEpoch[0].Calls)
            : allReduceAtEpoch[^1];
        var result = new
        {
            ranks = mpi.Size, threads, rows = data.Rows, batch, steps, epochs, epochSeconds = epoch, samplesPerSecond = data.Rows / epoch,
            allReduceMsPerStep = mpi.Size == 1 ? 0 : arSeconds * 1000 / Math.Max(1, (epochs > 1 ? epochs - 1 : 1) * steps),
            allReduceCalls = calls, bareAllReduceMs = bareMs, gradientBytes = parameters * 4, mpi = mpi.Version,
            data = dir != null ? $"MNIST, first {data.Rows} training images" : $"demo data, {data.Rows} rows", backend = Gemm.Describe(),
        };
        Console.WriteLine(ResultPrefix + JsonSerializer.Serialize(result));
        return 0;
    }

    /// <summary>Times the float all-reduce calls of the trainer (the fused gradient buffer; the per-epoch sums are in double).</summary>
    private sealed class TimedCommunicator(ICommunicator inner) : ICommunicator
    {
        private long _ticks;
        public double Seconds => (double)_ticks / Stopwatch.Frequency;
        public long Calls { get; private set; }
        public int Rank => inner.Rank;
        public int Size => inner.Size;
        public string Describe() => inner.Describe();

        public void AllReduceSum(Span<float> buffer)
        {
            long start = Stopwatch.GetTimestamp();
            inner.AllReduceSum(buffer);
            _ticks += Stopwatch.GetTimestamp() - start;
            Calls++;
        }

        public void AllReduceSum(Span<double> buffer) => inner.AllReduceSum(buffer);
        public void Broadcast(Span<byte> buffer, int root = 0) => inner.Broadcast(buffer, root);
        public void Abort(int errorCode) => inner.Abort(errorCode);
    }
}
