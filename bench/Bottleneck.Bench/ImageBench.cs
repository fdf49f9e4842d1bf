using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Bottleneck.Data;
using Bottleneck.Evaluation;

namespace Bottleneck.Bench;

/// <summary>
/// <c>images</c> suite: reading an image folder (<see cref="ImageFolder.Load"/> of ../shared/data/images as grey 16×16
/// patches every 8 pixels, the walk-through's training spec) and the image metrics per image pair: SSIM with the 7×7 uniform
/// and the 11×11 Gaussian window, MS-SSIM and PSNR, on 28×28 (an MNIST digit) and 512×512 pairs, and the whole
/// <see cref="ImageQualityEvaluator.Compare"/> of 10,000 28×28 pairs (what <c>evaluate</c> adds on the MNIST test set).
/// Each measurement is the median of <c>--reps</c> timed runs after one warm-up. The peer is
/// <c>bench/peers/ssim_timing.py</c> (scikit-image's structural_similarity on the same sizes).
/// </summary>
public static class ImageBench
{
    /// <summary>Runs the suite. Options: <c>--reps N</c> (default 7); <c>--data DIR</c>, the image folder (default ../shared/data/images).</summary>
    /// <param name="args">Command-line options after the suite name.</param>
    /// <returns>0 on success, 2 on bad arguments or missing data.</returns>
    public static int Run(string[] args)
    {
        int reps = 7;
        string? dir = DataDirectory.Find("images");
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--reps" && i + 1 < args.Length && int.TryParse(args[++i], NumberStyles.Integer, CultureInfo.InvariantCulture, out int r) && r >= 1) reps = r;
            else if (args[i] == "--data" && i + 1 < args.Length) dir = args[++i];
            else { Console.Error.WriteLine($"images: unknown or bad option {args[i]} (options: --reps N, --data DIR)"); return 2; }
        }
        if (dir == null || !Directory.Exists(dir)) { Console.Error.WriteLine("images: no image folder (../shared/data/images or --data DIR)"); return 2; }

        var rows = new List<(string What, double Seconds, string Rate)>();
        void Measure(string what, Action run, Func<double, string> rate)
        {
            run();
            var t = new double[reps];
            for (int k = 0; k < reps; k++)
            {
                var sw = Stopwatch.StartNew();
                run();
                t[k] = sw.Elapsed.TotalSeconds;
            }
            Array.Sort(t);
            double median = t[reps / 2];
            rows.Add((what, median, rate(median)));
            Console.Error.WriteLine($"{what}: {median * 1e3:0.###} ms");
        }

        var opts = new ImageFolderOptions(Channels: 1, Patch: 16, Stride: 8);
        var folder = ImageFolder.Load(dir, opts);
        long pixels = folder.Files.Sum(f => (long)f.Height * f.Width);
        Measure($"ImageFolder.Load {folder.Files.Count} files ({pixels / 1e6:0.00} Mpixel) → {folder.Data.Rows} patches 16x16",
            () => ImageFolder.Load(dir, opts), s => $"{pixels / 1e6 / s:0.0} Mpixel/s");

        var rng = new Random(0);
        foreach (int side in new[] { 28, 512 })
        {
            var shape = new ImageShape(1, side, side);
            var x = Enumerable.Range(0, shape.Size).Select(_ => (float)rng.NextDouble()).ToArray();
            var y = x.Select(v => Math.Clamp(v + (float)(0.1 * (rng.NextDouble() - 0.5)), 0f, 1f)).ToArray();
            int n = side == 28 ? 1000 : 1;
            string per = n == 1 ? "" : $" ×{n}";
            Measure($"SSIM 7x7 uniform, {side}x{side}{per}", () => { for (int k = 0; k < n; k++) ImageMetrics.Ssim(x, y, shape); }, s => $"{n / s:0.0} pairs/s");
            Measure($"SSIM 11x11 Gaussian, {side}x{side}{per}", () => { for (int k = 0; k < n; k++) ImageMetrics.Ssim(x, y, shape, SsimOptions.Wang2004); }, s => $"{n / s:0.0} pairs/s");
            if (side >= ImageMetrics.MsSsimMinimumSide())
                Measure($"MS-SSIM 5 scales, {side}x{side}", () => ImageMetrics.MsSsim(x, y, shape), s => $"{1 / s:0.0} pairs/s");
            Measure($"PSNR, {side}x{side}{per}", () => { for (int k = 0; k < n; k++) ImageMetrics.Psnr(x, y); }, s => $"{n / s:0.0} pairs/s");
        }
        {
            var shape = new ImageShape(1, 28, 28);
            var xs = Enumerable.Range(0, 10_000).Select(_ => Enumerable.Range(0, 784).Select(_ => (float)rng.NextDouble()).ToArray()).ToArray();
            var ys = xs.Select(a => a.Select(v => Math.Clamp(v + (float)(0.1 * (rng.NextDouble() - 0.5)), 0f, 1f)).ToArray()).ToArray();
            var shapes = Enumerable.Repeat(shape, xs.Length).ToArray();
            Measure("ImageQualityEvaluator.Compare, 10,000 pairs 28x28 (all metrics, parallel)", () => ImageQualityEvaluator.Compare(xs, ys, shapes),
                s => $"{xs.Length / s:0} pairs/s");
        }

        Console.WriteLine($"| measurement (median of {reps}, {Environment.ProcessorCount} cores) | ms | rate |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var (what, s, rate) in rows) Console.WriteLine($"| {what} | {s * 1e3:0.###} | {rate} |");
        foreach (var (what, s, rate) in rows)
            Console.WriteLine(JsonSerializer.Serialize(new { suite = "images", what, seconds = s, rate }));
        return 0;
    }
}
