using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Bottleneck.Data;
using Bottleneck.Evaluation;
using Bottleneck.Kernels;
using Bottleneck.Models;
using Bottleneck.Models.SuperResolution;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Bench;

/// <summary>
/// <c>superres</c> suite: the super-resolution kind against bicubic upsampling on photographs it never saw. Trains on grey P×P
/// patches (stride S) of ../shared/data/images: with <c>--protocol photos</c> (default) once per photograph, on the textures and
/// microscopy images (brick, grass, gravel, cell, text, microaneurysms, ihc) and the other photographs, holding that one out
/// (leave one photograph out: chelsea, coffee); with <c>--protocol textures</c> once, on the textures and microscopy only, holding
/// out both photographs. For each held-out image (grey, cropped to a multiple of r)
/// makes the low-resolution input with the model's own downsampling, enlarges it by bicubic upsampling (PyTorch's) and by the
/// model, and reports PSNR (dB, whole image, values clipped to [0, 1]; also without a border of r pixels, the literature's
/// convention) and SSIM (scikit-image's default 7×7) against the original.
/// Usage: superres [--factor 2] [--epochs 30] [--patch 32] [--stride 16] [--channels 64,64,32] [--downsample bicubic|area]
/// [--batch 64] [--seed 0] [--threads 2] [--protocol photos|textures] [--holdout chelsea|coffee] [--out bench-out/superres] (a crop per image: input, bicubic, model, original)
/// [--augment on|off] (random flips and rotations of the training patches; default the kind's, SuperResolutionConfig.DefaultAugment) [--schedule none|cosine|step|…] [--lr 1e-3]
/// </summary>
public static class SuperResolutionBench
{
    private static readonly string[] TrainImages = ["brick", "grass", "gravel", "cell", "text", "microaneurysms", "ihc"];
    private static readonly string[] Photographs = ["chelsea", "coffee"];

    public static int Run(string[] args)
    {
        int r = DenseBench.IntArg(args, "--factor", 2), epochs = DenseBench.IntArg(args, "--epochs", 30);
        int patch = DenseBench.IntArg(args, "--patch", 32), stride = DenseBench.IntArg(args, "--stride", 16), batch = DenseBench.IntArg(args, "--batch", 64);
        Gemm.Threads = DenseBench.IntArg(args, "--threads", 2);
        ulong seed = ulong.Parse(DenseBench.StrArg(args, "--seed", "0"), CultureInfo.InvariantCulture);
        int[] channels = DenseBench.StrArg(args, "--channels", string.Join(",", SuperResolutionConfig.DefaultChannels)).Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var filter = DenseBench.StrArg(args, "--downsample", "bicubic") == "area" ? ResizeFilter.Area : ResizeFilter.Bicubic;
        string outDir = DenseBench.StrArg(args, "--out", "bench-out/superres");
        string augmentArg = DenseBench.StrArg(args, "--augment", "");
        bool? augment = augmentArg switch { "" => null, "on" => true, "off" => false, _ => throw new ArgumentException($"--augment must be on or off, got {augmentArg}") };
        var training = new TrainingOptions(epochs: epochs, batchSize: batch, seed: seed, schedule: DenseBench.StrArg(args, "--schedule", "none"),
            learningRate: float.Parse(DenseBench.StrArg(args, "--lr", "1e-3"), CultureInfo.InvariantCulture));
        // --protocol photos (default): leave one photograph out: for each photograph, train on the textures, the microscopy
        // images and the other photographs, and test on the held-out one. --protocol textures: train on the textures and
        // microscopy only and test on every photograph (the first protocol; no photograph in training).
        string protocol = DenseBench.StrArg(args, "--protocol", "photos");
        var root = DataDirectory.Find();
        string? images = root is null ? null : Path.Combine(root, "images");
        if (images is null || !Directory.Exists(images)) { Console.Error.WriteLine("superres: ../shared/data/images not found; nothing to measure"); return 2; }

        if (protocol != "photos" && protocol != "textures") { Console.Error.WriteLine($"superres: --protocol must be photos or textures, got {protocol}"); return 2; }
        // --holdout NAME: only the fold that holds NAME out (photos protocol), e.g. to run the folds as separate processes
        string only = DenseBench.StrArg(args, "--holdout", "");
        if (only.Length > 0 && !Photographs.Contains(only)) { Console.Error.WriteLine($"superres: --holdout must be one of {string.Join(", ", Photographs)}, got {only}"); return 2; }
        var folds = protocol == "textures"
            ? [(TrainImages, Photographs)]
            : Photographs.Where(held => only.Length == 0 || held == only)
                .Select(held => (TrainImages.Concat(Photographs.Where(p => p != held)).ToArray(), new[] { held })).ToArray();
        var results = new List<string>();
        foreach (var (trainNames, testNames) in folds)
        {
            int code = Fold(images, trainNames, testNames, r, training, patch, stride, augment, channels, filter, outDir, results);
            if (code != 0) return code;
        }
        Console.WriteLine();
        Console.WriteLine($"all held-out images ({protocol} protocol):");
        Console.WriteLine();
        Console.WriteLine($"| image (grey) | size | bicubic PSNR / SSIM | super-resolution PSNR / SSIM | gain (dB) | gain, border of {r} px shaved (dB) |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        foreach (var row in results) Console.WriteLine(row);
        return 0;
    }

    private static int Fold(string images, string[] trainNames, string[] testNames, int r, TrainingOptions training, int patch, int stride, bool? augment,
        int[] channels, ResizeFilter filter, string outDir, List<string> results)
    {
        int epochs = training.Epochs, batch = training.BatchSize;
        ulong seed = training.Seed;
        // The training folder: links to the training images only (the held-out photographs stay out).
        string trainDir = Path.Combine(Path.GetTempPath(), $"bottleneck-superres-{Environment.ProcessId}");
        if (Directory.Exists(trainDir)) Directory.Delete(trainDir, true);
        Directory.CreateDirectory(trainDir);
        try
        {
            foreach (var name in trainNames) File.CreateSymbolicLink(Path.Combine(trainDir, name + ".png"), Path.Combine(images, name + ".png"));
            var train = ImageFolder.Load(trainDir, new ImageFolderOptions(Channels: 1, Patch: patch, Stride: stride)).Data;
            Console.WriteLine($"superres x{r}: backend {Gemm.Describe()}; {train.Rows} training patches {patch}×{patch} (stride {stride}) of {string.Join(", ", trainNames)}; " +
                              $"held out {string.Join(", ", testNames)}; {filter.ToString().ToLowerInvariant()} downsampling; channels {string.Join(",", channels)}; {epochs} epochs, batch {batch}, seed {seed}");

            var config = new SuperResolutionConfig(1, patch, patch, r, channels, 3, filter, augment: augment ?? SuperResolutionConfig.DefaultAugment);
            Console.WriteLine($"model {config.Describe()}; {training.Optimizer} lr {training.LearningRate}, schedule {training.Schedule}");
            var model = new SuperResolutionModel(config, new Rng(seed));
            var trainer = new Trainer(training);
            var sw = Stopwatch.StartNew();
            trainer.Fit(model, RowSource.For(model, train), null, new FitContext(new SyncProgress(p =>
            {
                if (p.Completed is { } e) Console.Error.WriteLine($"  epoch {e.Epoch}/{epochs} loss {e.TrainLoss:F4} {e.Seconds:F1}s");
            })));
            double trainSeconds = sw.Elapsed.TotalSeconds;

            Console.WriteLine();
            Console.WriteLine($"| image (grey) | size | bicubic PSNR / SSIM | {config.Kind} PSNR / SSIM | gain (dB) | gain, border of {r} px shaved (dB) |");
            Console.WriteLine("|---|---|---:|---:|---:|---:|");
            var rows = new List<object>();
            foreach (var name in testNames)
            {
                var (values, file) = ImageFolder.LoadFile(Path.Combine(images, name + ".png"), new ImageFolderOptions(Channels: 1));
                int h = file.Height / r * r, w = file.Width / r * r;
                var hr = Crop(values, file.Height, file.Width, h, w);
                var hrT = Tensor.FromArray(hr, 1, 1, h, w);
                var lr = model.Degrade(hrT);
                var bicubic = Clip(Tensor.Resize2d(lr, h, w, ResizeFilter.Bicubic).ToArray());
                var sr = Clip(model.Upscale(lr).ToArray());
                var shape = new ImageShape(1, h, w);
                double pb = ImageMetrics.Psnr(hr, bicubic), ps = ImageMetrics.Psnr(hr, sr);
                double sb = ImageMetrics.Ssim(hr, bicubic, shape), ss = ImageMetrics.Ssim(hr, sr, shape);
                double pbShaved = ImageMetrics.Psnr(Shave(hr, h, w, r), Shave(bicubic, h, w, r)), psShaved = ImageMetrics.Psnr(Shave(hr, h, w, r), Shave(sr, h, w, r));
                string line = $"| {name} | {h}×{w} | {pb:F2} / {sb:F4} | {ps:F2} / {ss:F4} | {ps - pb:+0.00;-0.00} | {psShaved - pbShaved:+0.00;-0.00} |";
                Console.WriteLine(line);
                results.Add(line);
                WriteCrops(outDir, name, hr, bicubic, sr, lr.ToArray(), h, w, r);
                rows.Add(new { image = name, height = h, width = w, bicubicPsnr = pb, bicubicSsim = sb, psnr = ps, ssim = ss, bicubicPsnrShaved = pbShaved, psnrShaved = psShaved });
            }
            Console.WriteLine();
            Console.WriteLine($"training {trainSeconds:F0} s ({trainSeconds / epochs:F1} s/epoch), {model.Parameters().Sum(p => p.Length):N0} parameters");
            Console.WriteLine(JsonSerializer.Serialize(new { suite = "superres", train = trainNames, factor = r, epochs, patch, stride, channels, downsampling = config.DownsamplingName, augment = config.Augment, schedule = training.Schedule, learningRate = training.LearningRate, seed, trainSeconds, images = rows }));
            return 0;
        }
        finally { Directory.Delete(trainDir, true); }
    }

    /// <summary>Writes OUT/NAME-crop.png: a 96×96 crop from the image centre, drawn at 2×, left to right: the low-resolution input (nearest, r× per
    /// pixel), bicubic upsampling, the model, the original.</summary>
    private static void WriteCrops(string outDir, string name, float[] hr, float[] bicubic, float[] sr, float[] lr, int h, int w, int r)
    {
        const int c = 96;
        int y0 = (h / 2 - c / 2) / r * r, x0 = (w / 2 - c / 2) / r * r, lw = w / r;
        var strip = new float[c * (4 * c + 3 * 4)];
        int sw = 4 * c + 3 * 4;
        Array.Fill(strip, 1f);
        for (int y = 0; y < c; y++)
            for (int x = 0; x < c; x++)
            {
                int i = (y0 + y) * w + x0 + x;
                strip[y * sw + x] = lr[(y0 + y) / r * lw + (x0 + x) / r];
                strip[y * sw + c + 4 + x] = bicubic[i];
                strip[y * sw + 2 * (c + 4) + x] = sr[i];
                strip[y * sw + 3 * (c + 4) + x] = hr[i];
            }
        // shown twice as large (each pixel 2×2) so the difference is visible on a page
        var zoom = new float[4 * strip.Length];
        for (int y = 0; y < 2 * c; y++)
            for (int x = 0; x < 2 * sw; x++) zoom[y * 2 * sw + x] = strip[y / 2 * sw + x / 2];
        Directory.CreateDirectory(outDir);
        Bottleneck.IO.ImageFileWriter.WritePng(Path.Combine(outDir, name + "-crop.png"), zoom, 1, 2 * c, 2 * sw);
    }

    private static float[] Crop(float[] v, int height, int width, int h, int w)
    {
        var o = new float[h * w];
        for (int y = 0; y < h; y++) Array.Copy(v, y * width, o, y * w, w);
        return o;
    }

    /// <summary>The interior without a border of b pixels (the super-resolution literature's PSNR convention, "shave = scale").</summary>
    private static float[] Shave(float[] v, int h, int w, int b) => Crop(v[(b * w)..], h - b, w, h - 2 * b, w).Chunk(w).SelectMany(row => row[b..(w - b)]).ToArray();

    private static float[] Clip(float[] v)
    {
        for (int i = 0; i < v.Length; i++) v[i] = Math.Clamp(v[i], 0f, 1f);
        return v;
    }
}
