using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Bottleneck.Autograd;
using Bottleneck.Data;
using Bottleneck.Evaluation;
using Bottleneck.IO;
using Bottleneck.Kernels;
using Bottleneck.Losses;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.Models.Variational;
using Bottleneck.NN;
using Bottleneck.Optim;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Bench;

/// <summary>
/// The variational family on MNIST (../shared/data/mnist), each protocol of issue 11's quality list:
/// <c>vae quality</c> (784-512-(20) VAE, 30 epochs, Adam 1e-3, batch 128, grey levels as Bernoulli targets: test −ELBO, IWAE
/// NLL k = 200 on the first 1,000 test images, active units; with <c>--binarized</c> dynamically binarized training and a
/// seeded binarization of the test set), <c>vae beta</c> (β ∈ {0.5, 1, 4} and a capacity schedule: KL per dimension, active
/// units), <c>vae cvae</c> (1,000 samples per class judged by an MLP classifier trained on MNIST: accuracy per class,
/// confusion matrix, sample grid), <c>vae ssvae</c> (1,000 labels: test error), <c>vae vq</c> (VQ-VAE against a dense
/// autoencoder of the same bottleneck width), <c>vae hvae</c> (two-layer ladder VAE against a one-layer VAE of about the
/// same size: IWAE NLL), <c>vae aae</c> (MMD to the prior, discriminator accuracy), <c>vae speed</c> (training and inference
/// samples/s against ../shared/peers/torch_ref.py vae in the same run, the GEMM bound of the training rate, and with
/// <c>--profile [STEPS]</c> the time per op kind per step), <c>vae streams</c> (the quality protocol trained from PyTorch's
/// own random streams, see <see cref="VaeStreamsBench"/>).
/// Common options: --epochs E, --seed S, --threads N, --out DIR (pictures), --limit N (training rows).
/// </summary>
public static class VaeBench
{
    public static int Run(string[] args)
    {
        string what = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "quality";
        Gemm.Threads = DenseBench.IntArg(args, "--threads", 2);
        var dir = DataDirectory.Find("mnist");
        if (dir is null) { Console.Error.WriteLine("vae: MNIST not found (../shared/data/mnist); nothing to measure"); return 2; }
        var train = IdxLoader.LoadMnist(dir, "train");
        var test = IdxLoader.LoadMnist(dir, "test");
        int limit = DenseBench.IntArg(args, "--limit", 0);
        if (limit > 0) train = train.Subset(Enumerable.Range(0, limit).ToArray());
        string outDir = DenseBench.StrArg(args, "--out", "bench-out/vae");
        Directory.CreateDirectory(outDir);
        ulong seed = ulong.Parse(DenseBench.StrArg(args, "--seed", "0"), CultureInfo.InvariantCulture);
        Console.WriteLine($"vae {what}: backend {Gemm.Describe()}, seed {seed}");
        return what switch
        {
            "quality" => Quality(args, train, test, seed),
            "beta" => Beta(args, train, test, seed),
            "cvae" => Cvae(args, train, test, seed, outDir),
            "ssvae" => Ssvae(args, train, test, seed),
            "vq" => Vq(args, train, test, seed),
            "hvae" => Hvae(args, train, test, seed),
            "aae" => Aae(args, train, test, seed),
            "speed" => Speed(args, train, test),
            "streams" => VaeStreamsBench.Run(args, train, test, seed),
            _ => Usage(what),
        };
    }

    private static int Usage(string what)
    {
        Console.Error.WriteLine($"vae: unknown protocol '{what}'; use quality, beta, cvae, ssvae, vq, hvae, aae, speed or streams");
        return 2;
    }

    private static int Epochs(string[] args, int def) => DenseBench.IntArg(args, "--epochs", def);

    /// <summary>Trains with the library's trainer (Adam, the given batch and lr), logging each epoch's terms.</summary>
    private static (VariationalAutoencoder Model, double Seconds) Fit(VariationalConfig config, Dataset train, int epochs, int batch, ulong seed, float lr = 1e-3f, string schedule = "none",
        Action<int, VariationalAutoencoder>? afterEpoch = null)
    {
        var model = new VariationalAutoencoder(config, new Rng(seed));
        var trainer = new Trainer(new TrainingOptions(epochs: epochs, batchSize: batch, learningRate: lr, schedule: schedule, seed: seed));
        var sw = Stopwatch.StartNew();
        var result = trainer.Fit(model, RowSource.For(model, train), null, new FitContext(new SyncProgress(p =>
        {
            if (p.Completed is { } r)
            {
                Console.Error.WriteLine($"  {config.Kind} epoch {r.Epoch}/{epochs} loss {r.TrainLoss:F3} " +
                    string.Join(", ", r.Terms?.Select(t => $"{t.Key} {t.Value:G5}") ?? []) + $" {r.Seconds:F1}s");
                afterEpoch?.Invoke(r.Epoch, model);   // the trainer puts the model back in training mode at the next epoch
            }
        })));
        return (model, sw.Elapsed.TotalSeconds);
    }

    private static void Json(object o) => Console.WriteLine(JsonSerializer.Serialize(o));

    private static string F(double? v, string f = "F2") => v?.ToString(f, CultureInfo.InvariantCulture) ?? "–";

    private static int Quality(string[] args, Dataset train, Dataset test, ulong seed)
    {
        int epochs = Epochs(args, 30);
        bool binarized = args.Contains("--binarized");
        var config = new VariationalConfig(784, [512], 20);
        Dataset trainData = train, testData = test;
        if (binarized)
        {
            testData = Binarize(test, new Rng(seed ^ 0xB1A5));
            trainData = train;   // binarized anew every epoch by the source below
        }
        VariationalAutoencoder model;
        double seconds;
        if (binarized)
        {
            model = new VariationalAutoencoder(config, new Rng(seed));
            var trainer = new Trainer(new TrainingOptions(epochs: epochs, batchSize: 128, learningRate: 1e-3f, seed: seed));
            var sw = Stopwatch.StartNew();
            trainer.Fit(model, new BinarizingSource(RowSource.For(model, trainData), seed), null, new FitContext());
            seconds = sw.Elapsed.TotalSeconds;
        }
        else (model, seconds) = Fit(config, trainData, epochs, 128, seed);
        var r = VariationalEvaluator.Evaluate(model, testData, iwSamples: 200, iwLimit: 1000, seed: seed + 12345);
        Json(new { protocol = binarized ? "vae-binarized" : "vae-grey", seed, epochs, negElbo = r.NegElbo, r.Reconstruction, r.Kl, r.IwNll, r.NegElboSameRows, r.ActiveUnits, trainSeconds = seconds });
        Console.WriteLine($"| {(binarized ? "binarized (dynamic)" : "grey levels")} | {seed} | {F(r.NegElbo)} | {F(r.Reconstruction)} | {F(r.Kl)} | {F(r.IwNll)} | {r.ActiveUnits}/20 |");
        return 0;
    }

    /// <summary>Pixels drawn as Bernoulli(x): a fixed binarization of a dataset.</summary>
    private static Dataset Binarize(Dataset d, Rng rng)
    {
        var f = new float[d.Features.Length];
        for (int i = 0; i < f.Length; i++) f[i] = rng.NextFloat() < d.Features[i] ? 1f : 0f;
        return new Dataset(f, d.Rows, d.FeatureCount, d.Labels, d.FeatureNames, d.Image, d.Source + " (binarized)", d.ClassNames);
    }

    /// <summary>Dynamic binarization: every batch loaded draws fresh binary pixels x_b ~ Bernoulli(x) (input and target).</summary>
    private sealed class BinarizingSource(RowSource inner, ulong seed) : IBatchSource
    {
        private readonly Rng _rng = new(seed ^ 0xD1B);
        public int Count => inner.Count;
        public string Name => inner.Name + " (dynamically binarized)";
        public Batch Load(ReadOnlySpan<int> indices)
        {
            var b = inner.LoadRows(indices);
            var s = b.Input.Span;
            for (int i = 0; i < s.Length; i++) s[i] = _rng.NextFloat() < s[i] ? 1f : 0f;
            return b;
        }
    }

    private static int Beta(string[] args, Dataset train, Dataset test, ulong seed)
    {
        int epochs = Epochs(args, 30);
        Console.WriteLine("| setting | test −ELBO | reconstruction | KL (nats) | active units | KL per dimension |");
        Console.WriteLine("|---|---:|---:|---:|---:|---|");
        var settings = new (string Name, VariationalConfig Config)[]
        {
            ("β 0.5", new VariationalConfig(784, [512], 20, beta: 0.5f)),
            ("β 1", new VariationalConfig(784, [512], 20)),
            ("β 4", new VariationalConfig(784, [512], 20, beta: 4f)),
            ("capacity C 10 over 20 epochs, γ 100", new VariationalConfig(784, [512], 20, beta: 100f, klSchedule: KlSchedule.Parse($"capacity:10:{Math.Max(1, epochs * 2 / 3)}", epochs))),
        };
        foreach (var (name, config) in settings)
        {
            var (model, _) = Fit(config, train, epochs, 128, seed);
            var r = VariationalEvaluator.Evaluate(model, test, seed: seed);
            Json(new { protocol = "beta", name, r.NegElbo, r.Reconstruction, r.Kl, r.ActiveUnits, r.KlPerDimension });
            Console.WriteLine($"| {name} | {F(r.NegElbo)} | {F(r.Reconstruction)} | {F(r.Kl)} | {r.ActiveUnits}/20 | {string.Join(" ", r.KlPerDimension.OrderByDescending(v => v).Select(v => F(v, "F1")))} |");
        }
        return 0;
    }

    /// <summary>An MLP classifier 784-512-10 (ReLU), Adam 1e-3, batch 128: the judge of generated digits.</summary>
    private static Sequential TrainClassifier(Dataset train, int epochs, ulong seed)
    {
        var rng = new Rng(seed ^ 0xC1A5);
        var net = Mlp.Stack([784, 512, 10], Activation.Relu, Activation.Identity, rng);
        var opt = new Adam(net.Parameters(), 1e-3f);
        var pool = new BufferPool();
        for (int e = 0; e < epochs; e++)
        {
            net.Train();
            var order = rng.Permutation(train.Rows);
            for (int s = 0; s < train.Rows; s += 128)
            {
                using var scope = new TensorScope(pool);
                var idx = order.AsSpan(s, Math.Min(128, train.Rows - s)).ToArray();
                var x = Tensor.Empty([idx.Length, 784]);
                train.CopyRows(idx, x.Span);
                var y = idx.Select(i => train.Labels![i]).ToArray();
                opt.ZeroGrad();
                Loss.CrossEntropy(net.Forward(x), y).Backward();
                opt.Step();
            }
        }
        net.Eval();
        return net;
    }

    private static int[] Classify(Sequential net, Tensor x)
    {
        using var _ = GradMode.NoGrad();
        var logits = net.Forward(x).Span;
        int n = x.Dim(0);
        var r = new int[n];
        for (int i = 0; i < n; i++)
        {
            int best = 0;
            for (int c = 1; c < 10; c++) if (logits[i * 10 + c] > logits[i * 10 + best]) best = c;
            r[i] = best;
        }
        return r;
    }

    private static int Cvae(string[] args, Dataset train, Dataset test, ulong seed, string outDir)
    {
        int epochs = Epochs(args, 30);
        var classifier = TrainClassifier(train, 10, seed);
        var testX = Tensor.FromArray(test.Features, test.Rows, 784);
        double judgeAccuracy = Classify(classifier, testX).Where((p, i) => p == test.Labels![i]).Count() / (double)test.Rows;
        int latent = DenseBench.IntArg(args, "--latent", 10);
        float temperature = float.Parse(DenseBench.StrArg(args, "--temperature", "1"), CultureInfo.InvariantCulture);
        var (model, _) = Fit(new VariationalConfig(784, [512], latent, classes: 10), train, epochs, 128, seed);
        var confusion = new int[10, 10];
        var rng = new Rng(seed ^ 0x5A3F);
        var grid = new List<IReadOnlyList<float[]>>();
        using (GradMode.NoGrad())
            for (int c = 0; c < 10; c++)
            {
                var samples = model.Decode(model.SamplePrior(1000, rng, temperature), Enumerable.Repeat(c, 1000).ToArray());
                var predicted = Classify(classifier, samples);
                foreach (int p in predicted) confusion[c, p]++;
                grid.Add(Enumerable.Range(0, 10).Select(i => samples.Span.Slice(i * 784, 784).ToArray()).ToList());
            }
        ImageGrid.Write(Path.Combine(outDir, $"cvae-samples-latent{latent}.png"), grid, 28, 28, scale: 2);
        var perClass = Enumerable.Range(0, 10).Select(c => confusion[c, c] / 1000.0).ToArray();
        Json(new { protocol = "cvae", seed, epochs, latent, temperature, judgeTestAccuracy = judgeAccuracy, perClass, mean = perClass.Average(), confusion = Enumerable.Range(0, 10).Select(c => Enumerable.Range(0, 10).Select(p => confusion[c, p]).ToArray()).ToArray() });
        Console.WriteLine($"judge (MLP 784-512-10, 10 epochs) test accuracy {judgeAccuracy:P2}; grid {Path.Combine(outDir, $"cvae-samples-latent{latent}.png")}");
        Console.WriteLine("| asked \\ judged | " + string.Join(" | ", Enumerable.Range(0, 10)) + " | accuracy |");
        Console.WriteLine("|---|" + string.Concat(Enumerable.Repeat("---:|", 11)));
        for (int c = 0; c < 10; c++)
            Console.WriteLine($"| {c} | " + string.Join(" | ", Enumerable.Range(0, 10).Select(p => confusion[c, p])) + $" | {perClass[c]:P1} |");
        return 0;
    }

    /// <summary>
    /// M2 with <c>--labelled</c> labels (default 1,000): 784-<c>--hidden</c>-(<c>--latent</c>) with a classifier of the same hidden
    /// width (defaults 500 and 50, <c>--activation</c> relu), Adam <c>--lr</c> (default 1e-3, the CLI's), batch <c>--batch</c> unlabelled rows
    /// (+ as many labelled rows drawn with replacement, the kind's fit procedure; <c>--no-pairing</c> trains on the plain shuffled rows),
    /// α = <c>--alpha</c> (0: the kind's default, 10·N). With <c>--holdout V</c> the last V
    /// training images are the evaluation set (choose settings there) and the labels come from the others; else the test set.
    /// Prints the evaluation error after every epoch.
    /// </summary>
    private static int Ssvae(string[] args, Dataset train, Dataset test, ulong seed)
    {
        int epochs = Epochs(args, 50), labelled = DenseBench.IntArg(args, "--labelled", 1000), holdout = DenseBench.IntArg(args, "--holdout", 0);
        int hidden = DenseBench.IntArg(args, "--hidden", 500), latent = DenseBench.IntArg(args, "--latent", 50), batch = DenseBench.IntArg(args, "--batch", 128);
        float alpha = float.Parse(DenseBench.StrArg(args, "--alpha", "0"), CultureInfo.InvariantCulture);
        float lr = float.Parse(DenseBench.StrArg(args, "--lr", "1e-3"), CultureInfo.InvariantCulture);
        bool pairing = !args.Contains("--no-pairing");
        var activation = NN.Activations.Parse(DenseBench.StrArg(args, "--activation", "relu"));
        var evalSet = test;
        string evalName = "test";
        if (holdout > 0)
        {
            evalSet = train.Subset(Enumerable.Range(train.Rows - holdout, holdout).ToArray());
            train = train.Subset(Enumerable.Range(0, train.Rows - holdout).ToArray());
            evalName = $"validation (last {holdout:N0} training images)";
        }
        var data = SemiSupervisedData.KeepLabels(train, labelled, 10, seed);
        var config = new VariationalConfig(784, [hidden], latent, activation, classes: 10, semiSupervised: true, datasetSize: train.Rows,
            classificationWeight: alpha, labelledRows: labelled) with { Kind = "ssvae" };
        var options = new TrainingOptions(epochs: epochs, batchSize: batch, learningRate: lr, seed: seed);
        var fit = pairing ? Models.Registry.ModelRegistry.Get("ssvae").CreateFit(config, options) : new Trainer(options);
        Console.WriteLine($"{config.Describe()}; {string.Join("; ", fit.Describe().Select(d => d.Text))}; evaluation set: {evalName}");
        var model = new VariationalAutoencoder(config, new Rng(seed));
        var evalX = Tensor.FromArray(evalSet.Features, evalSet.Rows, 784);
        double Error() { using var _ = GradMode.NoGrad(); return 1 - model.Predict(evalX).Where((p, i) => p == evalSet.Labels![i]).Count() / (double)evalSet.Rows; }
        var sw = Stopwatch.StartNew();
        fit.Fit(model, RowSource.For(model, data), null, new FitContext(new SyncProgress(p =>
        {
            if (p.Completed is { } r)
                Console.Error.WriteLine($"  ssvae epoch {r.Epoch}/{epochs} loss {r.TrainLoss:F3} " +
                    string.Join(", ", r.Terms?.Select(t => $"{t.Key} {t.Value:G5}") ?? []) + $" {r.Seconds:F1}s, {evalName} error {Error():P2}");
        })));
        double seconds = sw.Elapsed.TotalSeconds, error = Error();
        Json(new { protocol = "ssvae", seed, epochs, labelled, alpha = config.Alpha, hidden, latent, lr, batch, pairing, evalSet = evalName, error, trainSeconds = seconds });
        Console.WriteLine($"| M2, {labelled} labels, {epochs} epochs, {(pairing ? "paired batches" : "plain batches")}, α {config.Alpha:G4} | {evalName} error {error:P2} | {seconds:F0} s |");
        return 0;
    }

    /// <summary>An <see cref="IProgress{T}"/> that reports on the training thread (so the callback may read the model between steps).</summary>
    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    private static int Vq(string[] args, Dataset train, Dataset test, ulong seed)
    {
        int epochs = Epochs(args, 15);
        Console.WriteLine("| model | test squared error / image | BCE / image | codes used | perplexity |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var (name, config) in new (string, VariationalConfig)[]
        {
            ("VQ-VAE, 8 vectors × 8, K 64, restarts", new VariationalConfig(784, [512], 64, latent: LatentKind.VectorQuantized, codebookSize: 64, codeDim: 8)),
            ("VQ-VAE, 8 vectors × 8, K 64, no restarts", new VariationalConfig(784, [512], 64, latent: LatentKind.VectorQuantized, codebookSize: 64, codeDim: 8, restartDeadCodes: false)),
            ("VQ-VAE, EMA 0.99, restarts", new VariationalConfig(784, [512], 64, latent: LatentKind.VectorQuantized, codebookSize: 64, codeDim: 8, emaDecay: 0.99f)),
        })
        {
            var (model, _) = Fit(config, train, epochs, 128, seed);
            var rep = ReconstructionEvaluator.Evaluate(model, test, true);
            var r = VariationalEvaluator.Evaluate(model, test, seed: seed);
            Json(new { protocol = "vq", name, rep.SquaredErrorPerSample, r.Reconstruction, r.CodesUsed, r.Perplexity });
            Console.WriteLine($"| {name} | {F(rep.SquaredErrorPerSample)} | {F(r.Reconstruction)} | {r.CodesUsed}/64 | {F(r.Perplexity)} |");
        }
        // The continuous autoencoder with the same bottleneck width (64 values) and the same hidden layer.
        var dense = new DenseAutoencoder(new DenseConfig(784, [512], 64), new Rng(seed));
        new Trainer(new TrainingOptions(epochs: epochs, batchSize: 128, learningRate: 1e-3f, seed: seed)).Fit(dense, train);
        var d = ReconstructionEvaluator.Evaluate(dense, test, true);
        Json(new { protocol = "vq", name = "dense 784-512-64", d.SquaredErrorPerSample, bce = d.Bce * 784 });
        Console.WriteLine($"| dense 784-512-64 (continuous code) | {F(d.SquaredErrorPerSample)} | {F(d.Bce * 784)} | – | – |");
        return 0;
    }

    private static int Hvae(string[] args, Dataset train, Dataset test, ulong seed)
    {
        int epochs = Epochs(args, 30), warmup = DenseBench.IntArg(args, "--warmup", 0);
        var schedule = warmup > 0 ? KlSchedule.Parse($"linear:{warmup}", epochs) : null;
        Console.WriteLine($"KL schedule: {(schedule?.Describe() ?? "none")}");
        Console.WriteLine("| model | parameters | test −ELBO | IWAE NLL (k 200, first 1,000) | active units |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var (name, config) in new (string, VariationalConfig)[]
        {
            ("one-layer VAE 784-512-(32)", new VariationalConfig(784, [512], 32, klSchedule: schedule)),
            ("ladder VAE 784-512-(32)-256-(16)", new VariationalConfig(784, [512], 32, latent: LatentKind.Ladder, topLatentDim: 16, ladderHidden: 256, klSchedule: schedule)),
        })
        {
            var (model, _) = Fit(config, train, epochs, 128, seed);
            var r = VariationalEvaluator.Evaluate(model, test, iwSamples: 200, iwLimit: 1000, seed: seed + 12345);
            Json(new { protocol = "hvae", name, parameters = model.ParameterCount(), r.NegElbo, r.IwNll, r.ActiveUnits });
            Console.WriteLine($"| {name} | {model.ParameterCount():N0} | {F(r.NegElbo)} | {F(r.IwNll)} | {r.ActiveUnits}/32 |");
        }
        return 0;
    }

    /// <summary>
    /// The adversarial autoencoders (N(0, I) prior, 784-512-8; mixture of 10, 784-512-2) and a deterministic baseline: test BCE, MMD² of the
    /// codes to the prior, the model's discriminator accuracy and a fresh two-sample classifier's (<see cref="TwoSampleAccuracy"/>).
    /// Options: <c>--discriminator-hidden N</c> (default 512), <c>--adversarial-lr-scale X</c> (the discriminator's learning-rate factor,
    /// default 1), <c>--generator-lr-scale X</c> (0 = the same), <c>--adversarial-beta1 B</c> (default 0.9), <c>--lr X</c> (1e-3),
    /// <c>--schedule NAME</c> (the trainer's; default cosine, as <c>train --kind aae</c>), <c>--adversarial-weight λ</c> (0: a generator phase of its own; λ &gt; 0: the WAE-GAN joint step), <c>--discriminator-steps k</c> (default 2 with N(0, I), 1 with the mixture, as <c>train --kind aae</c>), <c>--report-every N</c> (measure after every N epochs too), <c>--instance-noise σ0</c> (falling linearly to 0 over the run; default 2 with N(0, I), 0 with the mixture),
    /// <c>--instance-noise-epochs T</c> (the noise reaches 0 after T epochs; default the run's), <c>--mmd-weight λ</c> (an MMD penalty between the batch's codes
    /// and prior samples in the reconstruction phase, as wae-mmd's; default 0), <c>--spectral-norm</c> (spectrally normalised discriminator weights, Miyato et al. 2018),
    /// <c>--hidden 1000,1000</c> (the AAEs' encoder widths, the decoder mirrored; default 512), <c>--gradient-penalty γ</c> (the R1 penalty on the discriminator at prior samples, Mescheder et al. 2018; default 0),
    /// <c>--aae-posterior deterministic|gaussian</c> (the encoder q(z | x),
    /// Makhzani et al. 2016 §2; the codes measured are the ones the discriminator sees, z ~ q(z | x)), <c>--seeds 0,1,2</c> (one run per seed, default <c>--seed</c>), <c>--models 0,1</c>
    /// (which of the three).
    /// </summary>
    private static int Aae(string[] args, Dataset train, Dataset test, ulong seed)
    {
        int epochs = Epochs(args, 20), discriminator = DenseBench.IntArg(args, "--discriminator-hidden", 512);
        float scale = float.Parse(DenseBench.StrArg(args, "--adversarial-lr-scale", "1"), CultureInfo.InvariantCulture);
        float generatorScale = float.Parse(DenseBench.StrArg(args, "--generator-lr-scale", "0"), CultureInfo.InvariantCulture);
        float beta1 = float.Parse(DenseBench.StrArg(args, "--adversarial-beta1", "0.9"), CultureInfo.InvariantCulture);
        float lr = float.Parse(DenseBench.StrArg(args, "--lr", "1e-3"), CultureInfo.InvariantCulture);
        string schedule = DenseBench.StrArg(args, "--schedule", "cosine");   // the aae kind's default (train --kind aae)
        string posterior = DenseBench.StrArg(args, "--aae-posterior", "deterministic");
        float lambda = float.Parse(DenseBench.StrArg(args, "--adversarial-weight", "0"), CultureInfo.InvariantCulture);
        // the aae kind's defaults (train --kind aae): instance noise σ0 2 and 2 discriminator steps with N(0, I), neither with the mixture
        int? dStepsGiven = DenseBench.StrArg(args, "--discriminator-steps", "") is { Length: > 0 } ds ? int.Parse(ds, CultureInfo.InvariantCulture) : null;
        float? noiseGiven = DenseBench.StrArg(args, "--instance-noise", "") is { Length: > 0 } ns ? float.Parse(ns, CultureInfo.InvariantCulture) : null;   // σ₀, falls linearly to 0 over the run
        int every = DenseBench.IntArg(args, "--report-every", 0);   // also measure after every N epochs (0: at the end only)
        float mmdWeight = float.Parse(DenseBench.StrArg(args, "--mmd-weight", "0"), CultureInfo.InvariantCulture);   // λ of an MMD penalty in the reconstruction phase
        bool spectral = args.Contains("--spectral-norm");   // spectrally normalised discriminator (Miyato et al. 2018)
        float? gammaGiven = DenseBench.StrArg(args, "--gradient-penalty", "") is { Length: > 0 } gp ? float.Parse(gp, CultureInfo.InvariantCulture) : null;   // R1 γ (Mescheder et al. 2018)
        float gamma = gammaGiven ?? 0f;
        int[] hidden = DenseBench.StrArg(args, "--hidden", "512").Split(',').Select(h => int.Parse(h, CultureInfo.InvariantCulture)).ToArray();   // the AAEs' encoder widths (decoder mirrored)
        float noiseEpochs = float.Parse(DenseBench.StrArg(args, "--instance-noise-epochs", "0"), CultureInfo.InvariantCulture);   // T of the noise's fade, 0 = the run's epochs
        var latent = posterior switch
        {
            "deterministic" => LatentKind.Deterministic,
            "gaussian" => LatentKind.Gaussian,
            _ => throw new ArgumentException($"--aae-posterior must be deterministic or gaussian, got '{posterior}'"),
        };
        var seeds = DenseBench.StrArg(args, "--seeds", "") is { Length: > 0 } ss ? ss.Split(',').Select(x => ulong.Parse(x, CultureInfo.InvariantCulture)).ToArray() : [seed];
        var only = DenseBench.StrArg(args, "--models", "") is { Length: > 0 } m ? m.Split(',').Select(int.Parse).ToArray() : null;   // e.g. 0,1: skip the baseline
        Console.WriteLine($"discriminator hidden width {discriminator}, discriminator lr ×{scale}, generator lr ×{(generatorScale > 0 ? generatorScale : scale)}, adversarial β1 {beta1}, lr {lr}, schedule {schedule}, posterior {posterior}, joint λ {lambda}, " +
            $"discriminator steps {dStepsGiven?.ToString(CultureInfo.InvariantCulture) ?? "2 (N(0, I)) / 1 (mixture)"}, instance noise σ0 {noiseGiven?.ToString(CultureInfo.InvariantCulture) ?? "2 (N(0, I)) / 0 (mixture)"} → 0 over {(noiseEpochs > 0 ? noiseEpochs : epochs)} epochs, spectral norm {spectral}, R1 γ {gamma}");
        Console.WriteLine("| model | prior | seed | test BCE / image | MMD² codes vs prior | discriminator accuracy | fresh two-sample classifier accuracy | MMD² posterior means vs prior | MMD² training codes | discriminator accuracy, training codes |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        var trainHead = train.Subset(VariationalEvaluator.SampleRows(train.Rows, VariationalEvaluator.MmdRows, 0x7A1));
        foreach (var (name, config) in new (string, VariationalConfig)[]
        {
            ($"aae 784-{string.Join("-", hidden)}-8", new VariationalConfig(784, hidden, 8, latent: latent, adversarial: true, discriminatorHidden: discriminator,
                adversarialLearningRateScale: scale, generatorLearningRateScale: generatorScale, adversarialBeta1: beta1, adversarialWeight: lambda,
                discriminatorSteps: dStepsGiven ?? 2, instanceNoise: noiseGiven ?? 2f, instanceNoiseEpochs: noiseEpochs > 0 ? noiseEpochs : epochs, spectralNorm: spectral, mmdWeight: mmdWeight, gradientPenalty: gamma)),
            ($"aae 784-{string.Join("-", hidden)}-2, mixture of 10", new VariationalConfig(784, hidden, 2, latent: latent, adversarial: true, priorComponents: 10,
                discriminatorHidden: discriminator, adversarialLearningRateScale: scale, generatorLearningRateScale: generatorScale, adversarialBeta1: beta1, adversarialWeight: lambda,
                discriminatorSteps: dStepsGiven ?? 1, instanceNoise: noiseGiven ?? 0f, instanceNoiseEpochs: noiseEpochs > 0 ? noiseEpochs : epochs, spectralNorm: spectral, mmdWeight: mmdWeight, gradientPenalty: gamma)),
            ("dense 784-512-8 (no prior matching)", new VariationalConfig(784, [512], 8, latent: LatentKind.Deterministic, mmdWeight: 1e-9f)),
        }.Where((_, i) => only is null || only.Contains(i)))
        foreach (var s in seeds)
        {
            void Measure(int epoch, VariationalAutoencoder model)
            {
                var r = VariationalEvaluator.Evaluate(model, test, seed: s);
                double twoSample = TwoSampleAccuracy(model, train, test, s);
                double? mmdMeans = model.Gaussian != null ? MeanCodeMmd(model, test, s) : null;
                // the same measures on the codes of 2,000 training images drawn at random, which the discriminator was trained on
                var onTrain = VariationalEvaluator.Evaluate(model, trainHead, seed: s);
                var (codeMean, codeStd, codeRadius) = CodeMoments(model, test, s);
                var (trainCodeMean, trainCodeStd, trainCodeRadius) = CodeMoments(model, train, s);
                Json(new { protocol = "aae", name, seed = s, epoch, posterior, lambda, dSteps = config.DiscriminatorSteps, instanceNoise = config.InstanceNoise, noiseEpochs = config.InstanceNoiseEpochs, spectral = config.SpectralNorm, gamma = config.GradientPenalty, mmdWeight = config.MmdWeight, discriminator, scale, generatorScale, beta1, lr, schedule, epochs, r.Reconstruction, r.MmdToPrior, r.DiscriminatorAccuracy, twoSample, mmdMeans, trainMmd = onTrain.MmdToPrior, trainDiscriminatorAccuracy = onTrain.DiscriminatorAccuracy, codeMean, codeStd, codeRadius, trainCodeMean, trainCodeStd, trainCodeRadius });
                Console.WriteLine($"| {name}{(epoch < epochs ? $", after epoch {epoch}" : "")} | {(config.PriorComponents > 0 ? $"mixture of {config.PriorComponents}" : "N(0, I)")} | {s} | {F(r.Reconstruction)} | {F(r.MmdToPrior, "F4")} | {F(r.DiscriminatorAccuracy, "F3")} | {twoSample:F3} | {F(mmdMeans, "F4")} | {F(onTrain.MmdToPrior, "F4")} | {F(onTrain.DiscriminatorAccuracy, "F3")} |");
            }
            var (trained, _) = Fit(config, train, epochs, 128, s, lr, schedule, every > 0 ? (e, m) => { if (e % every == 0 && e < epochs) Measure(e, m); } : null);
            Measure(epochs, trained);
        }
        return 0;
    }

    /// <summary>
    /// The classifier two-sample test (Lopez-Paz &amp; Oquab 2017) of codes against the prior: a fresh k-256-256-1 ReLU classifier,
    /// trained for 5 epochs (Adam 1e-3, batch 256) to tell the codes of 20,000 training images drawn at random from as many prior samples,
    /// then its accuracy (threshold 0.5) on the codes of 5,000 test images drawn at random from the set against 5,000 fresh prior samples. 0.5 = the
    /// code distribution cannot be told from the prior by such a classifier; unlike the model's own discriminator it is not a moving target.
    /// </summary>
    private static double TwoSampleAccuracy(VariationalAutoencoder model, Dataset train, Dataset test, ulong seed)
    {
        if (!model.VariationalConfig.CanSample) return double.NaN;
        var rng = new Rng(seed ^ 0x2C57);
        int k = model.LatentDim, m = Math.Min(20000, train.Rows), t = Math.Min(5000, test.Rows);
        float[] Codes(Dataset d, int n) => SampledCodes(model, d, n, rng);
        var trainCodes = Codes(train, m);
        var trainPrior = model.SamplePrior(m, rng).ToArray();
        var net = Mlp.Stack([k, 256, 256, 1], Activation.Relu, Activation.Identity, rng);
        var opt = new Adam(net.Parameters(), 1e-3f);
        var pool = new BufferPool();
        for (int e = 0; e < 5; e++)
        {
            var order = rng.Permutation(2 * m);
            for (int s = 0; s < 2 * m; s += 256)
            {
                using var scope = new TensorScope(pool);
                int n = Math.Min(256, 2 * m - s);
                var x = Tensor.Empty([n, k]);
                var y = Tensor.Empty([n, 1]);
                for (int i = 0; i < n; i++)
                {
                    int j = order[s + i];
                    (j < m ? trainCodes.AsSpan(j * k, k) : trainPrior.AsSpan((j - m) * k, k)).CopyTo(x.Span.Slice(i * k, k));
                    y.Span[i] = j < m ? 0f : 1f;
                }
                opt.ZeroGrad();
                Loss.BceWithLogits(net.Forward(x), y, Reduction.Mean).Backward();
                opt.Step();
            }
        }
        using var _ = GradMode.NoGrad();
        var fake = net.Forward(Tensor.FromArray(Codes(test, t), t, k)).Span;
        var real = net.Forward(model.SamplePrior(t, rng)).Span;
        int right = 0;
        for (int i = 0; i < t; i++) { if (fake[i] < 0) right++; if (real[i] >= 0) right++; }
        return right / (2.0 * t);
    }

    /// <summary>The codes of <paramref name="n"/> rows of <paramref name="data"/> drawn at random with <paramref name="rng"/> (<see cref="VariationalEvaluator.SampleRows"/>;
    /// not the first rows: MNIST's files are ordered by writer population) as the model's discriminator sees them in training: one z ~ q(z | x)
    /// each for a Gaussian posterior (<see cref="VariationalAutoencoder.EncodeSample"/>), the code itself for a deterministic encoder. Row-major (n × k).</summary>
    private static float[] SampledCodes(VariationalAutoencoder model, Dataset data, int n, Rng rng)
    {
        model.Eval();
        int k = model.LatentDim, d = data.FeatureCount;
        var rows = VariationalEvaluator.SampleRows(data.Rows, n, rng.NextUInt64());
        var codes = new float[n * k];
        var pool = new BufferPool();
        for (int s = 0; s < n; s += 500)
        {
            using var scope = new TensorScope(pool);
            int b = Math.Min(500, n - s);
            var x = Tensor.Empty([b, d]);
            data.CopyRows(rows.AsSpan(s, b).ToArray(), x.Span);
            model.EncodeSample(x, rng).Span.CopyTo(codes.AsSpan(s * k, b * k));
        }
        return codes;
    }

    /// <summary>Per-dimension mean and standard deviation of the codes of 5,000 images drawn at random from <paramref name="data"/>, and the mean and standard deviation of their
    /// norm ‖z‖ (for N(0, I) in k dimensions: means 0, standard deviations 1, ‖z‖ about √k with standard deviation about 0.7).</summary>
    private static (double[] Mean, double[] Std, double[] Radius) CodeMoments(VariationalAutoencoder model, Dataset data, ulong seed)
    {
        int k = model.LatentDim, n = Math.Min(5000, data.Rows);
        var codes = SampledCodes(model, data, n, new Rng(seed ^ 0x303));
        var mean = new double[k];
        var sq = new double[k];
        double r = 0, r2 = 0;
        for (int i = 0; i < n; i++)
        {
            double norm = 0;
            for (int j = 0; j < k; j++) { double z = codes[i * k + j]; mean[j] += z; sq[j] += z * z; norm += z * z; }
            norm = Math.Sqrt(norm);
            r += norm; r2 += norm * norm;
        }
        var std = new double[k];
        for (int j = 0; j < k; j++) { mean[j] /= n; std[j] = Math.Sqrt(sq[j] / n - mean[j] * mean[j]); }
        r /= n;
        return (mean.Select(v => Math.Round(v, 3)).ToArray(), std.Select(v => Math.Round(v, 3)).ToArray(), [Math.Round(r, 3), Math.Round(Math.Sqrt(r2 / n - r * r), 3)]);
    }

    /// <summary>MMD² (inverse multiquadric, unbiased) between the posterior means μ(x) of 2,000 test images drawn at random (the evaluator's rows) and as many prior samples
    /// (for a Gaussian posterior, beside the evaluator's figure on sampled codes).</summary>
    private static double MeanCodeMmd(VariationalAutoencoder model, Dataset test, ulong seed)
    {
        int m = Math.Min(VariationalEvaluator.MmdRows, test.Rows);
        using var _ = GradMode.NoGrad();
        var x = Tensor.Empty([m, test.FeatureCount]);
        test.CopyRows(VariationalEvaluator.SampleRows(test.Rows, m, seed ^ 0x5A3B1EUL), x.Span);
        return MmdPenalty.Estimate(model.Encode(x), model.SamplePrior(m, new Rng(seed ^ 0x4D4DUL)), MmdKernel.Imq).Item();
    }

    private static int Speed(string[] args, Dataset train, Dataset test)
    {
        int epochs = Epochs(args, 3), threads = DenseBench.IntArg(args, "--threads", 2);
        Gemm.Threads = threads;   // ours at the peer's thread count
        var config = new VariationalConfig(784, [512], 20);
        var model = new VariationalAutoencoder(config, new Rng(0));
        var trainer = new Trainer(new TrainingOptions(epochs: epochs + 1, batchSize: 256, learningRate: 1e-3f));
        var seconds = new List<double>();
        trainer.Fit(model, RowSource.For(model, train), null, new FitContext(new SyncProgress(p =>
        {
            if (p.Completed is { } r && r.Epoch > 1) seconds.Add(r.Seconds);
        })));
        seconds.Sort();
        double trainRate = train.Rows / seconds[seconds.Count / 2];
        model.Eval();
        var x = Tensor.FromArray(test.Features, test.Rows, 784);
        var times = new List<double>();
        using (GradMode.NoGrad())
            for (int rep = 0; rep < 5; rep++)
            {
                var sw = Stopwatch.StartNew();
                var pool = new BufferPool();
                for (int s = 0; s < test.Rows; s += 256)
                {
                    using var scope = new TensorScope(pool);
                    model.Reconstruct(x.Slice(0, s, Math.Min(256, test.Rows - s)));
                }
                times.Add(sw.Elapsed.TotalSeconds);
            }
        times.Sort();
        double inferRate = test.Rows / times[times.Count / 2];
        Json(new { protocol = "vae-speed", trainSamplesPerSecond = trainRate, inferSamplesPerSecond = inferRate, epochs });
        Dictionary<string, JsonElement>? peer = args.Contains("--no-peer") ? null : RunPeer(threads, epochs);
        double? pt = peer != null && peer.TryGetValue("train_samples_per_s", out var a) ? a.GetDouble() : null;
        double? pi = peer != null && peer.TryGetValue("infer_samples_per_s", out var b) ? b.GetDouble() : null;
        Console.WriteLine("| VAE 784-512-(20), batch 256 | Bottleneck | PyTorch 1.13 | ratio |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine($"| training samples/s (median epoch) | {trainRate:F0} | {F(pt, "F0")} | {(pt is > 0 ? F(trainRate / pt) + "×" : "")} |");
        Console.WriteLine($"| inference samples/s (reconstruct, median of 5) | {inferRate:F0} | {F(pi, "F0")} | {(pi is > 0 ? F(inferRate / pi) + "×" : "")} |");
        var (flops, computedFlops) = GemmBench.TrainingFlops(model, 784);
        GemmBench.PrintBound($"VAE 784-512-20 training, {Gemm.Threads} thread{(Gemm.Threads == 1 ? "" : "s")}", trainRate, flops, computedFlops);
        int profileAt = Array.IndexOf(args, "--profile");
        if (profileAt >= 0)
            DenseBench.Profile(new VariationalAutoencoder(config, new Rng(0)), train, 256,
                profileAt + 1 < args.Length && int.TryParse(args[profileAt + 1], out int ps) && ps > 0 ? ps : 100, "VAE 784-512-(20)");
        return 0;
    }

    private static Dictionary<string, JsonElement>? RunPeer(int threads, int epochs)
    {
        var script = Path.Combine(DataDirectory.Find()!, "..", "peers", "torch_ref.py");
        if (!File.Exists("/usr/bin/python3") || !File.Exists(script)) { Console.Error.WriteLine("vae: peer skipped (/usr/bin/python3 or torch_ref.py missing)"); return null; }
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment.Remove("OPENBLAS_CORETYPE");
        foreach (var a in new[] { script, "vae", "--threads", threads.ToString(CultureInfo.InvariantCulture), "--epochs", epochs.ToString(CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) { Console.Error.WriteLine($"vae: peer failed ({p.ExitCode}): {stderr}"); return null; }
        var line = stdout.Trim().Split('\n').Last();
        Console.WriteLine(line);
        return JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(line);
    }
}
