using System.Diagnostics;
using System.Globalization;
using Bottleneck.Data;
using Bottleneck.Evaluation;
using Bottleneck.Kernels;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.Models.Pca;
using Bottleneck.NN;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Bench;

/// <summary>
/// Quality benchmark of the regularized autoencoders on MNIST (not a unit test): PCA-30 squared error per test image
/// against Hinton &amp; Salakhutdinov (2006); denoising PSNR gain under Gaussian σ = 0.5 noise; KL-sparse code activation and
/// reconstruction error; contractive Jacobian norm and reconstruction error; semi-supervised accuracy with 1,000 labels after
/// greedy layer-wise (denoising) pretraining versus from scratch.
/// Usage: regularized pca|denoising|sparse|contractive|semisupervised|all (or a comma-separated list) [--epochs N] [--limit N] [--threads N]
///        [--sparse-weight λ] [--sparse-hidden 512 (comma-separated hidden widths around the 256-unit code; "" = none)] [--cae-weight λ] [--sup-epochs N] [--sup-lr 1e-3] [--labels N] [--semi-layers 1000,1000] [--pretrain-mask 0.5 (0 = no noise)] [--semi-seeds 3] [--lr 1e-3] [--batch 128] (learning rate and batch
///        size of the pca/denoising/sparse/contractive autoencoders and their plain baselines; the semi-supervised pretraining
///        keeps 1e-3 and 128, its fine-tuning --sup-lr and 50)
/// </summary>
public static class RegularizedBench
{
    private sealed record Row(string Suite, string Measure, string Value, string Reference, string Verdict);

    public static int Run(string[] args)
    {
        string which = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0].ToLowerInvariant() : "all";
        string[] known = ["pca", "denoising", "sparse", "contractive", "semisupervised", "all"];
        var selected = which.Split(',');
        if (selected.Any(w => !known.Contains(w))) { Console.Error.WriteLine($"regularized: unknown sub-benchmark '{which}'; use {string.Join("|", known)} (or a comma-separated list)"); return 2; }
        bool Want(string name) => selected.Contains(name) || selected.Contains("all");
        int epochs = DenseBench.IntArg(args, "--epochs", 5), limit = DenseBench.IntArg(args, "--limit", 0);
        Gemm.Threads = DenseBench.IntArg(args, "--threads", 2);
        learningRate = float.Parse(DenseBench.StrArg(args, "--lr", "1e-3"), CultureInfo.InvariantCulture);
        batchSize = DenseBench.IntArg(args, "--batch", 128);
        var dir = DataDirectory.Find("mnist");
        if (dir is null) { Console.Error.WriteLine("regularized: MNIST not found (../shared/data/mnist)"); return 2; }
        var train = IdxLoader.LoadMnist(dir, "train");
        var test = IdxLoader.LoadMnist(dir, "test");
        if (limit > 0) train = train.Subset(Enumerable.Range(0, Math.Min(limit, train.Rows)).ToArray());
        Console.WriteLine($"backend {Gemm.Describe()}; train {train.Rows} rows, test {test.Rows}; epochs {epochs}");
        var rows = new List<Row>();
        var total = Stopwatch.StartNew();
        DenseAutoencoder? plain = null;   // shared baseline of sparse and contractive: 784-256 sigmoid code
        DenseAutoencoder Plain()
        {
            if (plain != null) return plain;
            plain = Train("plain 784-256 sigmoid", new DenseConfig(784, [], 256, latentActivation: Activation.Sigmoid), train, epochs);
            return plain;
        }

        if (Want("pca")) rows.AddRange(Pca(train, test));
        if (Want("denoising")) rows.AddRange(Denoising(train, test, epochs));
        if (Want("sparse"))
            rows.AddRange(Sparse(train, test, epochs, Plain, float.Parse(DenseBench.StrArg(args, "--sparse-weight", "3"), CultureInfo.InvariantCulture),
                DenseBench.StrArg(args, "--sparse-hidden", "512").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(w => int.Parse(w, CultureInfo.InvariantCulture)).ToArray()));
        if (Want("contractive"))
            rows.AddRange(ContractiveRows(train, test, epochs, Plain(), float.Parse(DenseBench.StrArg(args, "--cae-weight", "0.1"), CultureInfo.InvariantCulture)));
        if (Want("semisupervised"))
            rows.AddRange(SemiSupervised(train, test, epochs, DenseBench.IntArg(args, "--sup-epochs", 60), DenseBench.IntArg(args, "--labels", 1000),
                float.Parse(DenseBench.StrArg(args, "--sup-lr", "1e-3"), CultureInfo.InvariantCulture),
                DenseBench.StrArg(args, "--semi-layers", "1000,1000").Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture)).ToArray(),
                float.Parse(DenseBench.StrArg(args, "--pretrain-mask", "0.5"), CultureInfo.InvariantCulture), DenseBench.IntArg(args, "--semi-seeds", 3)));

        Console.WriteLine();
        Console.WriteLine($"command: dotnet run -c Release --project bench/Bottleneck.Bench -- regularized {string.Join(" ", args)}");
        Console.WriteLine($"total {total.Elapsed.TotalSeconds:F0} s");
        Console.WriteLine();
        Console.WriteLine("| benchmark | measure | Bottleneck | reference / target | verdict |");
        Console.WriteLine("|---|---|---:|---|---|");
        foreach (var r in rows) Console.WriteLine($"| {r.Suite} | {r.Measure} | {r.Value} | {r.Reference} | {r.Verdict} |");
        return 0;
    }

    private static string F(double v, int digits = 2) => v.ToString("F" + digits, CultureInfo.InvariantCulture);

    private static float learningRate = 1e-3f;
    private static int batchSize = 128;

    private static DenseAutoencoder Train(string name, DenseConfig config, Dataset train, int epochs, ulong seed = 0)
    {
        var sw = Stopwatch.StartNew();
        var model = new DenseAutoencoder(config, new Rng(seed));
        var result = new Trainer(new TrainingOptions(epochs: epochs, batchSize: batchSize, learningRate: learningRate, seed: seed)).Fit(model, train);
        Console.WriteLine($"{name}: {epochs} epochs, final train loss {F(result.History[^1].TrainLoss, 3)}, {sw.Elapsed.TotalSeconds:F0} s");
        return model;
    }

    private static IEnumerable<Row> Pca(Dataset train, Dataset test)
    {
        var sw = Stopwatch.StartNew();
        var pca = new PcaModel(new PcaConfig(784, 30), new Rng(0)).Fit(train);
        double fitSeconds = sw.Elapsed.TotalSeconds;
        var report = ReconstructionEvaluator.Evaluate(pca, test);
        double evr = pca.ExplainedVarianceRatio.Sum();
        Console.WriteLine($"pca: fit {fitSeconds:F1} s, explained variance ratio of 30 components {F(evr, 4)}");
        yield return new Row("pca", "squared error per test image, 30 components", F(report.SquaredErrorPerSample),
            "13.87 (Hinton & Salakhutdinov 2006)", Math.Abs(report.SquaredErrorPerSample - 13.87) / 13.87 < 0.1 ? "agrees within 10%" : "differs");
        yield return new Row("pca", "explained variance ratio / fit time", $"{F(evr, 3)} / {F(fitSeconds, 1)} s", "", "");
    }

    private static IEnumerable<Row> Denoising(Dataset train, Dataset test, int epochs)
    {
        var noise = new GaussianNoise(0.5f, 0f, 1f);
        var model = Train("denoising 784-512-128", new DenseConfig(784, [512], 128, corruption: noise), train, epochs);
        var r = DenoisingEvaluator.Evaluate(model, test, noise, seed: 1);
        yield return new Row("denoising", "PSNR noisy → denoised (σ = 0.5, clipped to [0, 1])", $"{F(r.NoisyPsnr)} → {F(r.DenoisedPsnr)} dB", "", "");
        yield return new Row("denoising", "PSNR gain", $"{F(r.PsnrGain)} dB", "≥ 8 dB", r.PsnrGain >= 8 ? "met" : "missed");
    }

    private static double MeanActivation(AutoencoderModel model, Dataset data)
    {
        var codes = CodesOf(model, data);
        return codes.Average(v => (double)v);
    }

    private static float[] CodesOf(AutoencoderModel model, Dataset data)
    {
        var result = new float[data.Rows * model.LatentDim];
        model.Eval();
        using (Autograd.GradMode.NoGrad())
            for (int s = 0; s < data.Rows; s += 1000)
            {
                int n = Math.Min(1000, data.Rows - s);
                var x = Tensor.FromArray(data.Features.AsSpan(s * 784, n * 784), n, 784);
                model.Encode(x).Span.CopyTo(result.AsSpan(s * model.LatentDim));
            }
        return result;
    }

    private static IEnumerable<Row> Sparse(Dataset train, Dataset test, int epochs, Func<DenseAutoencoder> shallowPlain, float weight, int[] hidden)
    {
        // The plain baseline has the same layers without the penalty; with no hidden layers it is the shared 784-256 model.
        string shape = string.Join("-", new[] { 784 }.Concat(hidden).Append(256).Concat(hidden.Reverse()).Append(784));
        var plain = hidden.Length == 0 ? shallowPlain()
            : Train($"plain {shape} sigmoid code", new DenseConfig(784, hidden, 256, latentActivation: Activation.Sigmoid), train, epochs);
        var model = Train($"sparse {shape}, KL rho 0.05 weight {weight}", new DenseConfig(784, hidden, 256, latentActivation: Activation.Sigmoid,
            regularizer: new SparsityKl(0.05f, weight)), train, epochs);
        double act = MeanActivation(model, test), plainAct = MeanActivation(plain, test);
        var codes = CodesOf(model, test);
        Array.Sort(codes);
        Console.WriteLine($"sparse code on test: share > 0.5 {F(codes.Count(v => v > 0.5f) / (double)codes.Length, 4)}, share < 0.01 {F(codes.Count(v => v < 0.01f) / (double)codes.Length, 4)}, " +
                          $"quantiles 10/50/90/99% {F(codes[codes.Length / 10], 4)} {F(codes[codes.Length / 2], 4)} {F(codes[codes.Length * 9 / 10], 4)} {F(codes[codes.Length * 99 / 100], 4)}");
        double se = ReconstructionEvaluator.Evaluate(model, test).SquaredErrorPerSample;
        double plainSe = ReconstructionEvaluator.Evaluate(plain, test).SquaredErrorPerSample;
        yield return new Row("sparse", $"mean code activation ({shape}, 256 sigmoid code units, λ = {weight}); plain AE", $"{F(act, 4)}; plain {F(plainAct, 4)}", "ρ = 0.05 ± 0.01",
            Math.Abs(act - 0.05) <= 0.01 ? "met" : "missed");
        yield return new Row("sparse", "squared error per test image vs plain AE of the same size", $"{F(se)} vs {F(plainSe)} ({F(100 * (se / plainSe - 1), 1)}%)",
            "within 25%", se <= 1.25 * plainSe ? "met" : "missed");
    }

    private static IEnumerable<Row> ContractiveRows(Dataset train, Dataset test, int epochs, DenseAutoencoder plain, float weight)
    {
        var model = Train($"contractive weight {weight}", new DenseConfig(784, [], 256, latentActivation: Activation.Sigmoid,
            regularizer: new Contractive(weight)), train, epochs);
        double j = ContractionEvaluator.MeanFrobeniusNorm(model.EncoderLayers, test);
        double plainJ = ContractionEvaluator.MeanFrobeniusNorm(plain.EncoderLayers, test);
        double se = ReconstructionEvaluator.Evaluate(model, test).SquaredErrorPerSample;
        double plainSe = ReconstructionEvaluator.Evaluate(plain, test).SquaredErrorPerSample;
        yield return new Row("contractive", $"mean ‖∂h/∂x‖_F on test (λ = {weight}) vs plain AE", $"{F(j, 3)} vs {F(plainJ, 3)} ({F(plainJ / j, 2)}× smaller)",
            "≥ 2× smaller", plainJ / j >= 2 ? "met" : "missed");
        yield return new Row("contractive", "squared error per test image vs plain AE", $"{F(se)} vs {F(plainSe)} ({F(100 * (se / plainSe - 1), 1)}%)",
            "within 25%", se <= 1.25 * plainSe ? "met" : "missed");
    }

    private static IEnumerable<Row> SemiSupervised(Dataset train, Dataset test, int epochs, int supEpochs, int labels, float supLr, int[] layers, float mask, int seeds)
    {
        var config = new DenseConfig(784, layers[..^1], layers[^1], Activation.Sigmoid, Activation.Sigmoid,
            pretraining: new GreedyPretraining(epochs, mask > 0 ? new MaskingNoise(mask) : null));
        string shape = string.Join("-", layers.Prepend(784));
        var pre = new List<double>();
        var scratch = new List<double>();
        // Seed s draws its own labelled subset, initial weights and shuffling; both networks of a seed share all three.
        for (int s = 0; s < seeds; s++)
        {
            var labelled = train.Subset(new Rng(42 + (ulong)s).Permutation(train.Rows).Take(labels).ToArray());
            var sup = new TrainingOptions(epochs: supEpochs, batchSize: 50, learningRate: supLr, seed: 5 + (ulong)s);
            var sw = Stopwatch.StartNew();
            var pretrained = new DenseAutoencoder(config, new Rng(1 + 10 * (ulong)s));
            var history = new GreedyLayerwiseFit(config, new TrainingOptions(epochs: epochs, batchSize: 128, learningRate: 1e-3f, seed: (ulong)s)).Pretrain(pretrained, train);
            Console.WriteLine($"semisupervised seed {s}: greedy pretraining on {train.Rows} images, {string.Join(", ", history.GroupBy(h => h.Stage).Select(g => $"{g.Key} loss {F(g.Last().TrainLoss, 2)}"))}, {sw.Elapsed.TotalSeconds:F0} s");
            var fineTuned = new Classifier(pretrained, 10, new Rng(2 + 10 * (ulong)s));
            SupervisedFineTuning.Fit(fineTuned, labelled, sup);
            pre.Add(SupervisedFineTuning.Accuracy(fineTuned, test));
            var fromScratch = new Classifier(new DenseAutoencoder(config, new Rng(1 + 10 * (ulong)s)), 10, new Rng(2 + 10 * (ulong)s));
            SupervisedFineTuning.Fit(fromScratch, labelled, sup);
            scratch.Add(SupervisedFineTuning.Accuracy(fromScratch, test));
            Console.WriteLine($"semisupervised seed {s}: pretrained {F(100 * pre[^1])}%, scratch {F(100 * scratch[^1])}%, {sw.Elapsed.TotalSeconds:F0} s");
        }
        var gains = pre.Zip(scratch, (a, b) => 100 * (a - b)).ToArray();
        string Pm(IEnumerable<double> v)
        {
            var a = v.ToArray();
            var (m, sd) = Bottleneck.Anomaly.AnomalyMetrics.MeanSd(a);
            return a.Length > 1 ? $"{F(m)} ± {F(sd)}" : F(m);
        }
        yield return new Row("semisupervised", $"test accuracy, {labels} labels, {shape} sigmoid: pretrained ({(mask > 0 ? $"stacked denoising, masking {F(mask)}" : "stacked, no noise")}) vs from scratch, {seeds} seed(s)",
            $"{Pm(pre.Select(a => 100 * a))}% vs {Pm(scratch.Select(a => 100 * a))}% (gain {Pm(gains)} points; per seed {string.Join(", ", gains.Select(g => F(g)))})",
            "beats it; aim ≥ 3 points", gains.Average() >= 3 ? "met (≥ 3)" : gains.Average() > 0 ? "beats it, below 3" : "missed");
    }
}
