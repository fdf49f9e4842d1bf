using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Bottleneck.Data;
using Bottleneck.Evaluation;
using Bottleneck.Models;
using Bottleneck.Models.Variational;
using Bottleneck.Optim;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Bench;

/// <summary>
/// <c>vae streams</c>: the VAE of <c>vae quality</c> (784-512-(20), Adam 1e-3, batch 128) trained from PyTorch's own random
/// streams, to tell the random streams apart from the arithmetic when Bottleneck and <c>../shared/peers/vae_nll.py</c> end
/// differently. <c>bench/peers/vae_streams.py</c> writes the streams of <c>vae_nll.py --seed S</c> (initial weights, the
/// permutation of every epoch, every ε, byte-identical to a real run's); this protocol trains on them with the library's
/// layers, loss and Adam in a hand loop (the trainer's step, with ε given instead of drawn) and evaluates as
/// <c>vae quality</c> does (test −ELBO with one seeded sample, IWAE NLL k = 200 on the first 1,000 test images).
/// With the same seed and epochs the result is what PyTorch's run would give if the two agreed to float rounding.
/// <c>--own init,order,eps</c> replaces the named streams by Bottleneck's generator (seeded from S), one at a time or
/// together, to see which stream (if any) moves the result: <c>init</c> is the trainer's (<c>Rng(S)</c> into the model's
/// constructor, as <c>train</c> does), <c>order</c> and <c>eps</c> are two plain generators of this loop (<c>Rng(S ⊕ 0xDE5)</c>,
/// <c>Rng(S ⊕ 0xE95)</c>), <c>trainer-order</c> and <c>trainer-eps</c> the <see cref="Trainer"/>'s own per-epoch streams
/// (<see cref="TrainingStreams.ForEpoch"/>), so <c>--own init,trainer-order,trainer-eps</c> is the trainer's run exactly.
/// Usage: vae streams [--seed S] [--epochs 30] [--own init,order,eps,trainer-order,trainer-eps] [--threads N]
/// </summary>
public static class VaeStreamsBench
{
    private const int Batch = 128, Latent = 20, Width = 784;
    private static readonly string[] Streams = ["init", "order", "eps", "trainer-order", "trainer-eps"];

    /// <summary>Runs the protocol; returns the process exit code (2 when MNIST, python or the script is missing).</summary>
    /// <param name="args">The command line (see the type's summary).</param>
    /// <param name="train">MNIST's 60,000 training images, x/255.</param>
    /// <param name="test">MNIST's 10,000 test images, x/255.</param>
    /// <param name="seed">The peer's seed S.</param>
    public static int Run(string[] args, Dataset train, Dataset test, ulong seed)
    {
        int epochs = DenseBench.IntArg(args, "--epochs", 30);
        var own = DenseBench.StrArg(args, "--own", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        if (own.FirstOrDefault(s => !Streams.Contains(s)) is { } bad)
        {
            Console.Error.WriteLine($"vae streams: --own takes init, order, eps, trainer-order and trainer-eps, got '{bad}'");
            return 2;
        }
        if (own.Contains("order") && own.Contains("trainer-order") || own.Contains("eps") && own.Contains("trainer-eps"))
        {
            Console.Error.WriteLine("vae streams: --own takes one order (order or trainer-order) and one ε (eps or trainer-eps)");
            return 2;
        }
        if (train.Rows != 60000)
        {
            Console.Error.WriteLine($"vae streams: needs all 60,000 training images (the peer's permutations index them), got {train.Rows}; drop --limit");
            return 2;
        }
        return PeerScripts.WithPeerStreams("vae streams", "vae_streams.py", seed, epochs, dir => Train(dir, own, epochs, train, test, seed));
    }

    private static int Train(string dir, HashSet<string> own, int epochs, Dataset train, Dataset test, ulong seed)
    {
        var model = new VariationalAutoencoder(new VariationalConfig(Width, [512], Latent), new Rng(seed));
        if (!own.Contains("init"))
            foreach (var (name, t) in model.StateDict())
            {
                var values = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(dir, $"init_{name}.bin")));
                if (values.Length != t.Length) throw new InvalidDataException($"init_{name}.bin has {values.Length} values, {name} has {t.Length}");
                values.CopyTo(t.Span);
            }
        var orderRng = new Rng(seed ^ 0x0DE5);
        var epsRng = new Rng(seed ^ 0xE95);
        var optimizer = new Adam(model.Parameters(), 1e-3f);
        int n = train.Rows;
        var orderBytes = new byte[n * sizeof(int)];
        var epsBytes = new byte[Batch * Latent * sizeof(float)];
        using var orders = File.OpenRead(Path.Combine(dir, "perms.bin"));
        using var epsilons = File.OpenRead(Path.Combine(dir, "eps.bin"));
        var pool = new BufferPool();
        var sw = Stopwatch.StartNew();
        double lastLoss = double.NaN;
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            orders.ReadExactly(orderBytes);
            var (trainerShuffle, trainerNoise) = TrainingStreams.ForEpoch(seed, epoch);
            int[] order = own.Contains("order") ? orderRng.Permutation(n)
                : own.Contains("trainer-order") ? trainerShuffle.Permutation(n)
                : MemoryMarshal.Cast<byte, int>(orderBytes).ToArray();
            double total = 0;
            model.Train();
            for (int start = 0; start < n; start += Batch)
            {
                int m = Math.Min(Batch, n - start);
                using var scope = new TensorScope(pool);
                var x = Tensor.Empty([m, Width]);
                train.CopyRows(order.AsSpan(start, m), x.Span);
                var epsSpan = epsBytes.AsSpan(0, m * Latent * sizeof(float));
                epsilons.ReadExactly(epsSpan);
                var eps = Tensor.Empty([m, Latent]);
                if (own.Contains("eps")) epsRng.FillNormal(eps.Span);
                else if (own.Contains("trainer-eps")) trainerNoise.FillNormal(eps.Span);
                else MemoryMarshal.Cast<byte, float>(epsSpan).CopyTo(eps.Span);
                optimizer.ZeroGrad();
                var context = StepContext.ForTraining(epoch, 0, epsRng);
                var latent = model.Gaussian!.Sample(model.Encoder.Forward(x), context, eps);
                var loss = model.LikelihoodHead.Loss(model.Decoder.Forward(latent.Z), x) + latent.Terms[0].Value;
                loss.Backward();
                optimizer.Step();
                total += loss.Item() * m;
            }
            lastLoss = total / n;
            Console.Error.WriteLine($"  epoch {epoch}/{epochs} train −ELBO {lastLoss:F4}");
        }
        double seconds = sw.Elapsed.TotalSeconds;
        var r = VariationalEvaluator.Evaluate(model, test, iwSamples: 200, iwLimit: 1000, seed: seed + 12345);
        string streams = own.Count == 0 ? "pytorch" : "own " + string.Join(",", Streams.Where(own.Contains));
        Console.WriteLine(JsonSerializer.Serialize(new { protocol = "vae-streams", seed, epochs, streams, trainLastEpoch = lastLoss,
            negElbo = r.NegElbo, r.Reconstruction, r.Kl, r.IwNll, r.NegElboSameRows, r.ActiveUnits, trainSeconds = seconds }));
        return 0;
    }
}
