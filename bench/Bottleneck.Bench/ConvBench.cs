using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Bottleneck.Autograd;
using Bottleneck.Data;
using Bottleneck.Kernels;
using Bottleneck.Models;
using Bottleneck.Models.Conv;
using Bottleneck.NN;
using Bottleneck.Ops;
using Bottleneck.Optim;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Bench;

/// <summary>
/// <c>conv</c> suite. (1) Per layer shape: forward and forward+backward throughput (samples/s, median of repetitions) with each
/// available GEMM provider, and where the time goes (im2col, GEMM, col2im, NCHW ↔ channel-major layout). (2) The convolutional
/// autoencoder of <c>../shared/peers/torch_ref.py conv</c> (Conv(1→16,3,s2,p1)-Conv(16→32,3,s2,p1)-Linear(1568→32), the mirror with
/// ConvTranspose2d, BCE-with-logits summed per image, Adam 1e-3, batch 256) on MNIST: training and inference samples/s against
/// the peer run by this suite, and the training time split into the same phases.
/// (3) With <c>--steps N</c> only: the peer's MNIST model (<c>conv_ae.py</c>, channels 32, 64, latent 32) trained N Adam steps
/// from PyTorch's own initial weights on the same batches, loss by loss against PyTorch (<c>bench/peers/conv_ae_steps.py</c>).
/// Usage: conv [--epochs E] [--threads N] [--reps R] [--no-peer] [--layers-only] [--model-only] [--fused-only] [--limit N] | conv --steps N
/// | conv streams ... (<see cref="ConvStreamsBench"/>)
/// </summary>
public static class ConvBench
{
    private sealed record Shape(string Name, bool Transposed, int N, int Cin, int H, int W, int Cout, int K, int S, int P, int Op = 0, int Groups = 1);

    private static readonly Shape[] Shapes =
    [
        new("mnist enc1 1→16 28² s2", false, 256, 1, 28, 28, 16, 3, 2, 1),
        new("mnist enc2 16→32 14² s2", false, 256, 16, 14, 14, 32, 3, 2, 1),
        new("mnist dec1 32→16 7² s2 (T)", true, 256, 32, 7, 7, 16, 3, 2, 1, 1),
        new("mnist dec2 16→1 14² s2 (T)", true, 256, 16, 14, 14, 1, 3, 2, 1, 1),
        new("peer enc2 32→64 14² s2", false, 128, 32, 14, 14, 64, 3, 2, 1),
        new("photo 64→64 32² s1", false, 32, 64, 32, 32, 64, 3, 1, 1),
        new("photo 3→32 64² s2", false, 32, 3, 64, 64, 32, 3, 2, 1),
        new("photo depthwise 64 32² s1", false, 32, 64, 32, 32, 64, 3, 1, 1, Groups: 64),
    ];

    public static int Run(string[] args)
    {
        if (args.Length > 0 && args[0] == "streams") return ConvStreamsBench.Run(args);   // the peer's MNIST model on PyTorch's or our streams
        int epochs = DenseBench.IntArg(args, "--epochs", 2), threads = DenseBench.IntArg(args, "--threads", 2);
        int reps = DenseBench.IntArg(args, "--reps", 7), limit = DenseBench.IntArg(args, "--limit", 0);
        Gemm.Threads = threads;
        Console.WriteLine($"backend: {Gemm.Describe()}; threads {threads}");
        if (args.Contains("--steps")) return Steps(DenseBench.IntArg(args, "--steps", 60));
        if (args.Contains("--fused-only")) { FusedLayers(reps); return 0; }
        if (!args.Contains("--model-only")) Layers(reps);
        if (!args.Contains("--layers-only")) return Model(epochs, threads, limit, !args.Contains("--no-peer"));
        return 0;
    }

    private static void Layers(int reps)
    {
        var initial = Gemm.Provider;
        Console.WriteLine();
        Console.WriteLine("| layer (batch) | path | forward samples/s | fwd+bwd samples/s | im2col | GEMM | col2im | layout | other |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var provider in Gemm.Available())
        foreach (bool direct in new[] { false, true })
        {
            Gemm.Use(provider);
            DepthwiseKernels.Enabled = direct;
            foreach (var s in Shapes)
            {
                if (direct && (s.Groups == 1 || provider != Gemm.Available()[0])) continue;   // the direct kernel: depthwise shapes, measured once
                string path = direct ? "direct depthwise" : $"im2col + {provider.Name} GEMM";
                var rng = new Rng(1);
                Module layer = s.Transposed ? new ConvTranspose2d(s.Cin, s.Cout, s.K, rng, s.S, s.P, s.Op) : new Conv2d(s.Cin, s.Cout, s.K, rng, s.S, s.P, groups: s.Groups);
                var x = Tensor.Uniform(rng, -1f, 1f, s.N, s.Cin, s.H, s.W);
                var pool = new BufferPool();
                double fwd = Median(reps, () =>
                {
                    using var scope = new TensorScope(pool);
                    using var ng = GradMode.NoGrad();
                    layer.Forward(x);
                });
                x.RequiresGrad = true;
                Tensor? upstream = null;
                ConvKernels.ResetProfile();
                ConvKernels.Profile = true;
                var total = Stopwatch.StartNew();
                double both = Median(reps, () =>
                {
                    using var scope = new TensorScope(pool);
                    layer.ZeroGrad(); x.ClearGrad();
                    var y = layer.Forward(x);
                    using (TensorScope.Untracked()) upstream ??= Tensor.Ones(y.ShapeToArray());
                    y.Backward(upstream);
                });
                double elapsed = total.Elapsed.TotalSeconds;
                ConvKernels.Profile = false;
                x.RequiresGrad = false;
                double Share(long ticks) => ticks / (double)Stopwatch.Frequency / elapsed;
                double im = Share(ConvKernels.Im2ColTicks), gm = Share(ConvKernels.GemmTicks), ci = Share(ConvKernels.Col2ImTicks), lay = Share(ConvKernels.LayoutTicks);
                Console.WriteLine($"| {s.Name} ({s.N}) | {path} | {s.N / fwd:F0} | {s.N / both:F0} | {P(im)} | {P(gm)} | {P(ci)} | {P(lay)} | {P(1 - im - gm - ci - lay)} |");
                Console.Error.WriteLine(JsonSerializer.Serialize(new { suite = "conv-layer", layer = s.Name, path, forward_sps = Math.Round(s.N / fwd), train_sps = Math.Round(s.N / both) }));
            }
        }
        Gemm.Use(initial);
        DepthwiseKernels.Enabled = true;
        FusedLayers(reps);
    }

    /// <summary>
    /// Each shape inside the fused inference path (<see cref="ConvInference"/>: NHWC in and out, no autograd, bias and activation in
    /// the epilogue), through im2row + GEMM (or GEMM + col2im) and through the direct kernel where one exists, so the per-shape
    /// choice (<see cref="ConvInference.DirectConvMaxK"/>, <see cref="ConvInference.DirectTransposedMaxCout"/>) rests on this table.
    /// </summary>
    private static void FusedLayers(int reps)
    {
        var initial = Gemm.Provider;
        Gemm.Use(Gemm.Available()[0]);
        int maxK = ConvInference.DirectConvMaxK, maxCout = ConvInference.DirectTransposedMaxCout;
        Console.WriteLine();
        Console.WriteLine($"inference, forward only ({Gemm.Describe()}); the three paths interleaved, best of {reps} (robust to a shared machine):");
        Console.WriteLine("the layer (no-grad tensors, NCHW), and the step inside the fused path (NHWC in and out, ReLU in the epilogue)");
        Console.WriteLine();
        Console.WriteLine("| layer (batch) | layer, no-grad (samples/s) | fused im2row + GEMM (samples/s, GFLOP/s) | fused direct (samples/s, GFLOP/s) | chosen |");
        Console.WriteLine("|---|---:|---:|---:|---|");
        try
        {
            foreach (var s in Shapes)
            {
                if (s.Groups != 1) continue;
                var rng = new Rng(1);
                Module layer = s.Transposed ? new ConvTranspose2d(s.Cin, s.Cout, s.K, rng, s.S, s.P, s.Op) : new Conv2d(s.Cin, s.Cout, s.K, rng, s.S, s.P);
                var relu = new ActivationLayer(Activation.Relu);
                ConvInference? Make(bool direct)
                {
                    ConvInference.DirectConvMaxK = direct ? int.MaxValue : 0;
                    ConvInference.DirectTransposedMaxCout = direct ? int.MaxValue : 0;
                    var f = ConvInference.TryCreateChannelsLast([layer, relu], s.Cin, s.H, s.W);
                    return f is null || (direct && !f.StepNames[0].Contains(": direct", StringComparison.Ordinal)) ? null : f;
                }
                var gemmPath = Make(false)!;
                var directPath = Make(true);
                (ConvInference.DirectConvMaxK, ConvInference.DirectTransposedMaxCout) = (maxK, maxCout);
                var chosen = ConvInference.TryCreateChannelsLast([layer, relu], s.Cin, s.H, s.W)!.StepNames[0];
                var x = new float[s.N * s.Cin * s.H * s.W];
                new Rng(2).FillUniform(x, -1f, 1f);
                var xt = Tensor.FromArray(x, s.N, s.Cin, s.H, s.W);
                var outShape = layer.Forward(Tensor.Zeros(1, s.Cin, s.H, s.W));
                var y = new float[s.N * outShape.Length];
                long macs = s.Transposed ? (long)s.H * s.W * s.Cin * s.Cout * s.K * s.K : (long)outShape.Length * s.Cin * s.K * s.K;
                var pool = new BufferPool();
                Action tensors = () =>
                {
                    using var scope = new TensorScope(pool);
                    using var ng = GradMode.NoGrad();
                    relu.Forward(layer.Forward(xt));
                };
                var actions = new List<Action> { tensors, () => gemmPath.Logits(x, s.N, y) };
                if (directPath != null) actions.Add(() => directPath.Logits(x, s.N, y));
                var best = Best(reps, actions);
                string Rate(double sec) => $"{s.N / sec:F0} ({2.0 * macs * s.N / sec / 1e9:F1})";
                Console.WriteLine($"| {s.Name} ({s.N}) | {s.N / best[0]:F0} | {Rate(best[1])} | {(directPath != null ? Rate(best[2]) : "–")} | {chosen[(chosen.IndexOf(':') + 2)..]} |");
                Console.Error.WriteLine(JsonSerializer.Serialize(new { suite = "conv-fused-layer", layer = s.Name, layer_sps = Math.Round(s.N / best[0]),
                    fused_gemm_sps = Math.Round(s.N / best[1]), fused_direct_sps = directPath != null ? Math.Round(s.N / best[2]) : (double?)null, chosen }));
            }
        }
        finally
        {
            (ConvInference.DirectConvMaxK, ConvInference.DirectTransposedMaxCout) = (maxK, maxCout);
            Gemm.Use(initial);
        }
    }

    /// <summary>The fastest of <paramref name="reps"/> interleaved runs of each action, in seconds (after one warm-up each).</summary>
    private static double[] Best(int reps, IReadOnlyList<Action> actions)
    {
        foreach (var a in actions) a();
        var best = Enumerable.Repeat(double.MaxValue, actions.Count).ToArray();
        for (int r = 0; r < reps; r++)
            for (int i = 0; i < actions.Count; i++)
            {
                var sw = Stopwatch.StartNew();
                actions[i]();
                best[i] = Math.Min(best[i], sw.Elapsed.TotalSeconds);
            }
        return best;
    }

    private static string P(double share) => (100 * share).ToString("F0", CultureInfo.InvariantCulture) + "%";

    private static double Median(int reps, Action a)
    {
        a();   // warm-up (JIT, pool)
        var t = new List<double>();
        for (int r = 0; r < reps; r++)
        {
            var sw = Stopwatch.StartNew();
            a();
            t.Add(sw.Elapsed.TotalSeconds);
        }
        t.Sort();
        return t[t.Count / 2];
    }

    private static int Model(int epochs, int threads, int limit, bool peer)
    {
        var dir = DataDirectory.Find("mnist");
        if (dir is null) { Console.Error.WriteLine("conv: MNIST not found (../shared/data/mnist); nothing to measure"); return 2; }
        var train = IdxLoader.LoadMnist(dir, "train");
        var test = IdxLoader.LoadMnist(dir, "test");
        if (limit > 0) train = train.Subset(Enumerable.Range(0, limit).ToArray());
        const int bs = 256;
        var model = new ConvAutoencoder(new ConvConfig(1, 28, 28, [16, 32], latent: 32), new Rng(0));
        var opt = new Adam(model.Parameters(), 1e-3f);
        var pool = new BufferPool();
        var source = RowSource.For(model, train);
        int n = train.Rows;
        var rng = new Rng(0);
        var times = new List<double>();
        double lastLoss = 0, bytesPerStep = 0;
        long step = 0;
        (double Im, double Gm, double Ci, double Lay) shares = default;
        Console.WriteLine();
        Console.WriteLine($"conv autoencoder {model.Config.Describe()}; batch {bs}; 1 warm-up + {epochs} timed epochs");
        for (int epoch = 0; epoch <= epochs; epoch++)
        {
            var perm = rng.Permutation(n);
            var noise = rng.Fork();
            bool profile = epoch == epochs;   // the phase split of the last epoch (the timers cost a little, so it is not a timed epoch when E > 1)
            ConvKernels.ResetProfile();
            ConvKernels.Profile = profile && epochs > 1;
            var sw = Stopwatch.StartNew();
            double tot = 0;
            long alloc0 = GC.GetTotalAllocatedBytes(precise: true);
            int steps = 0;
            for (int i = 0; i < n; i += bs)
            {
                int m = Math.Min(bs, n - i);
                using var scope = new TensorScope(pool);
                var batch = source.Load(perm.AsSpan(i, m));
                opt.ZeroGrad();
                var loss = model.Step(batch, StepContext.ForTraining(epoch + 1, step++, noise)).Loss;
                loss.Backward();
                opt.Step();
                tot += loss.Item() * m;
                steps++;
            }
            double sec = sw.Elapsed.TotalSeconds;
            if (epoch > 0) bytesPerStep = (double)(GC.GetTotalAllocatedBytes(precise: true) - alloc0) / steps;
            if (ConvKernels.Profile)
            {
                double S(long t) => t / (double)Stopwatch.Frequency / sec;
                shares = (S(ConvKernels.Im2ColTicks), S(ConvKernels.GemmTicks), S(ConvKernels.Col2ImTicks), S(ConvKernels.LayoutTicks));
            }
            else if (epoch > 0) times.Add(sec);
            ConvKernels.Profile = false;
            lastLoss = tot / n;
            Console.Error.WriteLine($"  epoch {epoch}: {sec:F2} s, loss {lastLoss:F3}{(profile && epochs > 1 ? " (profiled)" : "")}");
        }
        times.Sort();
        double trainSps = n / times[times.Count / 2];

        model.Eval();
        var testSource = RowSource.For(model, test);
        double se = 0;
        using (GradMode.NoGrad())
            for (int i = 0; i < test.Rows; i += bs)
            {
                int m = Math.Min(bs, test.Rows - i);
                using var scope = new TensorScope(pool);
                var b = (RowBatch)testSource.Load(Enumerable.Range(i, m).ToArray());
                var r = model.Reconstruct(b.Input);
                var xs = b.Input.Span; var rs = r.Span;
                for (int j = 0; j < xs.Length; j++) { double e = xs[j] - rs[j]; se += e * e; }
            }
        // Inference over the test set in batches of 256 (batch copy, encode, decode, sigmoid), two ways, interleaved: the model's own
        // Reconstruct under no-grad (the fused path, ConvInference) and the same images through the layers (no-grad tensors, NCHW
        // im2col + GEMM: the path the fused one replaced). Median and best of 5 passes each; the best is what a shared machine lets through.
        void Pass(bool fused)
        {
            using var ng = GradMode.NoGrad();
            for (int i = 0; i < test.Rows; i += bs)
            {
                int m = Math.Min(bs, test.Rows - i);
                using var scope = new TensorScope(pool);
                var b = (RowBatch)testSource.Load(Enumerable.Range(i, m).ToArray());
                if (fused) model.Reconstruct(b.Input);
                else model.LikelihoodHead.Mean(model.Decoder.Forward(model.Encoder.Forward(b.Input)));
            }
        }
        var inferTimes = new List<double>();
        var layerTimes = new List<double>();
        Pass(true); Pass(false);
        for (int rep = 0; rep < 5; rep++)
        {
            var sw = Stopwatch.StartNew();
            Pass(true);
            inferTimes.Add(sw.Elapsed.TotalSeconds);
            sw.Restart();
            Pass(false);
            layerTimes.Add(sw.Elapsed.TotalSeconds);
        }
        inferTimes.Sort();
        layerTimes.Sort();
        double inferSps = test.Rows / inferTimes[inferTimes.Count / 2], layerSps = test.Rows / layerTimes[layerTimes.Count / 2];
        double inferBest = test.Rows / inferTimes[0], layerBest = test.Rows / layerTimes[0];
        var ours = new { train_samples_per_s = Math.Round(trainSps, 1), infer_samples_per_s = Math.Round(inferSps, 1), infer_layers_samples_per_s = Math.Round(layerSps, 1), infer_best = Math.Round(inferBest, 1), infer_layers_best = Math.Round(layerBest, 1), final_train_loss = Math.Round(lastLoss, 4),
            test_se_per_image = Math.Round(se / test.Rows, 3), backend = Gemm.Describe() };
        Console.WriteLine(JsonSerializer.Serialize(ours));
        var torch = peer ? DenseBench.RunPeer("conv", threads, epochs > 1 ? epochs - 1 : epochs, limit, coreType: null) : null;
        double? Get(string k) => torch != null && torch.TryGetValue(k, out var v) ? v.GetDouble() : null;
        string Ratio(double ourV, double? t, bool higher) => t is > 0 ? ((higher ? ourV / t.Value : t.Value / ourV).ToString("F2", CultureInfo.InvariantCulture) + "×") : "";
        Console.WriteLine();
        Console.WriteLine("| measure | Bottleneck | PyTorch 1.13 (same run) | ratio |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine($"| training samples/s (median epoch) | {trainSps:F0} | {Get("train_samples_per_s")?.ToString("F0", CultureInfo.InvariantCulture) ?? "–"} | {Ratio(trainSps, Get("train_samples_per_s"), true)} |");
        Console.WriteLine($"| inference samples/s, through the layers (no-grad tensors, NCHW im2col + GEMM), median / best of 5 | {layerSps:F0} / {layerBest:F0} | | |");
        Console.WriteLine($"| inference samples/s, fused path, best of 5 | {inferBest:F0} | | |");
        Console.WriteLine($"| inference samples/s | {inferSps:F0} | {Get("infer_samples_per_s")?.ToString("F0", CultureInfo.InvariantCulture) ?? "–"} | {Ratio(inferSps, Get("infer_samples_per_s"), true)} |");
        Console.WriteLine($"| final train loss (BCE per image, nats) | {lastLoss:F3} | {Get("final_train_loss")?.ToString("F3", CultureInfo.InvariantCulture) ?? "–"} | |");
        Console.WriteLine($"| test squared error per image | {se / test.Rows:F3} | {Get("test_se_per_image")?.ToString("F3", CultureInfo.InvariantCulture) ?? "–"} | |");
        Console.WriteLine($"| managed bytes allocated per training step after epoch 1 (all threads) | {bytesPerStep:F0} | | |");
        if (epochs > 1)
            Console.WriteLine($"\ntraining time by phase (profiled epoch): im2col {P(shares.Im)}, GEMM {P(shares.Gm)}, col2im {P(shares.Ci)}, layout {P(shares.Lay)}, " +
                              $"everything else (Linear layers, activations, loss, Adam, batch copy) {P(1 - shares.Im - shares.Gm - shares.Ci - shares.Lay)}");
        return 0;
    }

    /// <summary>Trains from PyTorch's initial weights on PyTorch's batches and compares the loss of every step.</summary>
    private static int Steps(int steps)
    {
        var data = DataDirectory.Find("mnist");
        var script = PeerScripts.Find("conv_ae_steps.py");
        if (data is null || !File.Exists("/usr/bin/python3") || script is null)
        {
            Console.Error.WriteLine("conv --steps: needs MNIST, /usr/bin/python3 and bench/peers/conv_ae_steps.py");
            return 2;
        }
        var dir = Path.Combine(Path.GetTempPath(), "bottleneck-conv-steps-" + Environment.ProcessId);
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { script, dir, "--steps", steps.ToString(CultureInfo.InvariantCulture), "--data", Path.GetDirectoryName(data)! })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) { Console.Error.WriteLine($"conv --steps: peer failed ({p.ExitCode}): {stderr}"); return 1; }
        var torch = JsonDocument.Parse(stdout.Trim().Split('\n').Last()).RootElement.GetProperty("losses").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var init = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "init.json"))).RootElement.EnumerateObject().ToDictionary(e => e.Name,
            e => (e.Value.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray(), e.Value.GetProperty("data").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray()));
        Directory.Delete(dir, recursive: true);

        var model = new ConvAutoencoder(new ConvConfig(1, 28, 28, [32, 64], latent: 32), new Rng(0));
        model.LoadStateDict(init);
        var train = IdxLoader.LoadMnist(data, "train");
        var opt = new Adam(model.Parameters(), 1e-3f);
        var buf = new float[128 * 784];
        Console.WriteLine();
        Console.WriteLine("| step | PyTorch loss | Bottleneck loss | relative difference |");
        Console.WriteLine("|---:|---:|---:|---:|");
        for (int step = 0; step < torch.Length; step++)
        {
            train.CopyRows(Enumerable.Range(step * 128, 128).ToArray(), buf);
            opt.ZeroGrad();
            var loss = model.Compute(Tensor.FromArray(buf, 128, 1, 28, 28)).Loss;
            loss.Backward();
            opt.Step();
            double ours = loss.Item(), rel = Math.Abs(ours - torch[step]) / Math.Abs(torch[step]);
            if (step < 3 || (step + 1) % 10 == 0 || step == torch.Length - 1)
                Console.WriteLine($"| {step + 1} | {torch[step]:F4} | {ours:F4} | {rel:E1} |");
        }
        return 0;
    }
}
