using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Bottleneck.Data;
using Bottleneck.Evaluation;
using Bottleneck.Kernels;
using Bottleneck.Models;
using Bottleneck.Models.Conv;
using Bottleneck.Optim;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Bench;

/// <summary>
/// <c>conv streams</c>: the conv counterpart of <c>vae streams</c>. The peer's MNIST model (<c>../shared/peers/conv_ae.py</c>:
/// channels 32, 64, kernel 3, stride 2, latent 32; BCE, Adam 1e-3, batch 128, 10 epochs) trained with the library's layers,
/// loss and Adam in a hand loop (the trainer's step) on PyTorch's own random streams: <c>bench/peers/conv_streams.py</c>
/// writes the initial weights and the permutation of every epoch of <c>conv_ae.py --seed S</c>. The model draws no noise,
/// so those two streams are all there is. <c>--own init</c> takes the initial weights from <c>Rng(S)</c> as <c>train --seed S</c>
/// does; <c>--own trainer-order</c> the trainer's order (<see cref="TrainingStreams.ForEpoch"/>); both together are the
/// trainer's run exactly. <c>--trainer</c> trains with <see cref="Trainer"/> itself (the CLI's path, no PyTorch needed).
/// Evaluation as <c>conv_ae.py</c>: on the 10,000 test images, squared error per image (sum over 784 pixels, mean over
/// images), PSNR as the mean over images of 10·log10(1/MSE_image), SSIM (scikit-image's default 7 × 7 uniform window,
/// <see cref="ImageMetrics.Ssim"/>), test BCE per image.
/// <c>--probe N</c> stops after the first N steps and prints the loss of step 1 and the mean loss of the N steps (a cheap
/// probe of the initial weights over many seeds; no evaluation).
/// Usage: conv streams [--seed S] [--epochs 10] [--own init,trainer-order] [--trainer] [--probe N] [--threads N]
/// </summary>
public static class ConvStreamsBench
{
    private const int Batch = 128, Rows = 60000;
    private static readonly string[] Streams = ["init", "trainer-order"];

    /// <summary>Runs the protocol; returns the process exit code (2 when MNIST, python or the script is missing).</summary>
    /// <param name="args">The command line (see the type's summary).</param>
    public static int Run(string[] args)
    {
        int epochs = DenseBench.IntArg(args, "--epochs", 10), probe = DenseBench.IntArg(args, "--probe", 0);
        if (probe > 0) epochs = 1;
        ulong seed = ulong.Parse(DenseBench.StrArg(args, "--seed", "0"), CultureInfo.InvariantCulture);
        var own = DenseBench.StrArg(args, "--own", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        bool trainer = args.Contains("--trainer");
        Gemm.Threads = DenseBench.IntArg(args, "--threads", 2);
        if (own.FirstOrDefault(s => !Streams.Contains(s)) is { } bad)
        {
            Console.Error.WriteLine($"conv streams: --own takes init and trainer-order, got '{bad}'");
            return 2;
        }
        var data = DataDirectory.Find("mnist");
        if (data is null) { Console.Error.WriteLine("conv streams: MNIST not found (../shared/data/mnist)"); return 2; }
        var train = IdxLoader.LoadMnist(data, "train");
        var test = IdxLoader.LoadMnist(data, "test");
        if (train.Rows != Rows) { Console.Error.WriteLine($"conv streams: needs all 60,000 training images, got {train.Rows}"); return 2; }
        Console.WriteLine($"conv streams: backend {Gemm.Describe()}, seed {seed}");
        if (trainer || own.Contains("init") && own.Contains("trainer-order"))   // no stream of PyTorch's needed
            return Train(null, own, trainer, epochs, probe, train, test, seed);

        return PeerScripts.WithPeerStreams("conv streams", "conv_streams.py", seed, epochs, dir => Train(dir, own, trainer: false, epochs, probe, train, test, seed));
    }

    private static int Train(string? dir, HashSet<string> own, bool trainer, int epochs, int probe, Dataset train, Dataset test, ulong seed)
    {
        var model = new ConvAutoencoder(new ConvConfig(1, 28, 28, [32, 64], latent: 32), new Rng(seed));
        var sw = Stopwatch.StartNew();
        double lastLoss = double.NaN, firstLoss = double.NaN;
        if (trainer)
        {
            var result = new Trainer(new TrainingOptions(epochs: epochs, batchSize: Batch, learningRate: 1e-3f, seed: seed)).Fit(model, train);
            lastLoss = result.History[^1].TrainLoss;
        }
        else
        {
            if (!own.Contains("init"))
                foreach (var (name, t) in model.StateDict())
                {
                    var values = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(dir!, $"init_{name}.bin")));
                    if (values.Length != t.Length) throw new InvalidDataException($"init_{name}.bin has {values.Length} values, {name} has {t.Length}");
                    values.CopyTo(t.Span);
                }
            var optimizer = new Adam(model.Parameters(), 1e-3f);
            var source = RowSource.For(model, train);
            var orderBytes = new byte[Rows * sizeof(int)];
            using var orders = dir is null ? null : File.OpenRead(Path.Combine(dir, "perms.bin"));
            var pool = new BufferPool();
            for (int epoch = 1; epoch <= epochs; epoch++)
            {
                orders?.ReadExactly(orderBytes);
                var (shuffle, noise) = TrainingStreams.ForEpoch(seed, epoch);
                int[] order = own.Contains("trainer-order") ? shuffle.Permutation(Rows) : MemoryMarshal.Cast<byte, int>(orderBytes).ToArray();
                double total = 0;
                model.Train();
                int step = 0, steps = (Rows + Batch - 1) / Batch;
                for (int start = 0; start < Rows; start += Batch, step++)
                {
                    int m = Math.Min(Batch, Rows - start);
                    using var scope = new TensorScope(pool);
                    var context = StepContext.ForTraining(epoch, (long)(epoch - 1) * steps + step, noise);
                    optimizer.ZeroGrad();
                    var output = model.Step(source.Load(order.AsSpan(start, m)), context);
                    output.Loss.Backward();
                    optimizer.Step();
                    model.AfterStep(context);
                    total += output.Loss.Item() * m;
                    if (step == 0) firstLoss = output.Loss.Item();
                    if (step + 1 == probe)
                    {
                        Console.WriteLine(JsonSerializer.Serialize(new { protocol = "conv-init-probe", seed, streams = Label(own, false), steps = probe,
                            firstStepLoss = firstLoss, meanLoss = total / ((step + 1) * (double)Batch) }));
                        return 0;
                    }
                }
                lastLoss = total / Rows;
                Console.Error.WriteLine($"  epoch {epoch}/{epochs} train BCE {lastLoss:F4}");
            }
        }
        double seconds = sw.Elapsed.TotalSeconds;
        var (sqErr, psnr, ssim, bce) = Evaluate(model, test);
        string streams = Label(own, trainer);
        Console.WriteLine(JsonSerializer.Serialize(new { protocol = "conv-streams", seed, epochs, streams, trainLastEpoch = lastLoss,
            sqErrPerImage = sqErr, psnrDb = psnr, ssim, testBce = bce, trainSeconds = seconds }));
        return 0;
    }

    private static string Label(HashSet<string> own, bool trainer) =>
        trainer ? "trainer" : own.Count == 0 ? "pytorch" : "own " + string.Join(",", Streams.Where(own.Contains));

    /// <summary>conv_ae.py's test figures: squared error per image, mean per-image PSNR, mean SSIM (7 × 7 uniform), BCE per image.</summary>
    private static (double SqErr, double Psnr, double Ssim, double Bce) Evaluate(ConvAutoencoder model, Dataset test)
    {
        model.Eval();
        int n = test.Rows, d = test.FeatureCount;
        var shape = new ImageShape(1, 28, 28);
        double sq = 0, psnr = 0, ssim = 0, bce = 0;
        var x = new float[1000 * d];
        for (int start = 0; start < n; start += 1000)
        {
            int m = Math.Min(1000, n - start);
            test.CopyRows(Enumerable.Range(start, m).ToArray(), x.AsSpan(0, m * d));
            var input = Tensor.FromArray(x.AsSpan(0, m * d).ToArray(), m, 1, 28, 28);
            var output = model.Compute(input);
            bce += output.ReconstructionLoss.Item() * m;
            var xhat = output.Reconstruction.ToArray();
            for (int i = 0; i < m; i++)
            {
                var a = x.AsSpan(i * d, d);
                var b = xhat.AsSpan(i * d, d);
                double s = 0;
                for (int j = 0; j < d; j++) { double e = (double)a[j] - b[j]; s += e * e; }
                sq += s;
                psnr += 10 * Math.Log10(1.0 / (s / d));
                ssim += ImageMetrics.Ssim(a, b, shape);
            }
        }
        return (sq / n, psnr / n, ssim / n, bce / n);
    }
}
