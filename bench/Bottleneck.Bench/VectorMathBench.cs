using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Text.Json;
using Bottleneck.Kernels;
using Bottleneck.Losses;
using Bottleneck.Ops;
using Isa = Bottleneck.Kernels.VectorMath.Isa;

namespace Bottleneck.Bench;

/// <summary>
/// <c>vmath</c> suite: µs per call of the <see cref="VectorMath"/> kernels (auto path and forced Vector256) next to their
/// System.Numerics.Tensors equivalents (a single <see cref="TensorPrimitives"/> call, or the composition of calls the
/// formula needs) and, for softplus and BCE-with-logits, the library's current scalar kernels, on 200,704 floats
/// (a 256×784 batch). Every variant is timed call by call, interleaved in rounds, and the median is reported.
/// </summary>
public static class VectorMathBench
{
    private const int N = 256 * 784;

    private sealed record Variant(string Kernel, string Name, Action Run);

    /// <summary>
    /// Runs the suite. Options: <c>--reps N</c> timed calls per variant (default 101); <c>--range R</c>: logits uniform
    /// in [−R, R] (default 8).
    /// </summary>
    /// <param name="args">Command-line options after the suite name.</param>
    /// <returns>0 on success, 2 on bad arguments.</returns>
    public static int Run(string[] args)
    {
        int reps = 101;
        double range = 8;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--reps" && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int r) && r >= 1)
            {
                reps = r;
                i++;
            }
            else if (args[i] == "--range" && i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out double g) && g > 0)
            {
                range = g;
                i++;
            }
            else
            {
                Console.Error.WriteLine($"vmath: unknown or malformed option '{args[i]}'. Options: --reps N, --range R");
                return 2;
            }
        }

        var rng = new Random(2024);
        float[] x = new float[N], pos = new float[N], t = new float[N], y = new float[N], tmp = new float[N], tmp2 = new float[N];
        for (int i = 0; i < N; i++)
        {
            x[i] = (float)((rng.NextDouble() * 2 - 1) * range); // logits
            pos[i] = (float)(rng.NextDouble() * 100 + 1e-3);    // second operand of the add reference
            t[i] = rng.Next(2);                                  // binary targets (MNIST-like)
        }
        float sink = 0;

        var variants = new List<Variant>
        {
            new("exp", "VectorMath", () => VectorMath.Exp(x, y)),
            new("exp", "VectorMath V256", () => VectorMath.Exp(x, y, Isa.Vector256)),
            new("exp", "TensorPrimitives.Exp", () => TensorPrimitives.Exp(x, y)),
            new("sigmoid", "VectorMath", () => VectorMath.Sigmoid(x, y)),
            new("sigmoid", "VectorMath V256", () => VectorMath.Sigmoid(x, y, Isa.Vector256)),
            new("sigmoid", "TensorPrimitives.Sigmoid", () => TensorPrimitives.Sigmoid(x, y)),
            new("softplus", "VectorMath", () => VectorMath.Softplus(x, y)),
            new("softplus", "VectorMath V256", () => VectorMath.Softplus(x, y, Isa.Vector256)),
            new("softplus", "TensorPrimitives composite", () => SoftplusComposite(x, y, tmp)),
            new("softplus", "current scalar (ActivationKernels)", () => ActivationKernels.Softplus(x, 1f, 20f, y)),
            new("bce", "VectorMath", () => VectorMath.BceWithLogits(x, t, y)),
            new("bce", "VectorMath V256", () => VectorMath.BceWithLogits(x, t, y, Isa.Vector256)),
            new("bce", "TensorPrimitives composite", () => BceComposite(x, t, y, tmp, tmp2)),
            new("bce", "current scalar (PointwiseLossKernels)", () => PointwiseLossKernels.Forward(PointwiseLoss.BceWithLogits, x, t, default, 0f, y, "bce")),
            new("bce sum", "VectorMath", () => sink += VectorMath.BceWithLogitsSum(x, t)),
            new("bce sum", "VectorMath V256", () => sink += VectorMath.BceWithLogitsSum(x, t, Isa.Vector256)),
            new("bce sum", "TensorPrimitives composite + Sum", () => { BceComposite(x, t, y, tmp, tmp2); sink += TensorPrimitives.Sum(y); }),
            new("tanh (reference)", "TensorPrimitives.Tanh", () => TensorPrimitives.Tanh(x, y)),
            new("add (reference)", "TensorPrimitives.Add", () => TensorPrimitives.Add(x, pos, y)),
        };

        double[] medians = Measure(variants, reps);

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{N:N0} floats per call, logits uniform in [−{range}, {range}], median of {reps} calls; ratio = this variant's time / VectorMath (auto path)."));
        Console.WriteLine();
        Console.WriteLine("| kernel | implementation | µs/call | ns/element | ratio |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        for (int i = 0; i < variants.Count; i++)
        {
            var v = variants[i];
            int ours = variants.FindIndex(o => o.Kernel == v.Kernel && o.Name == "VectorMath");
            string ratio = ours < 0 ? "" : (medians[i] / medians[ours]).ToString("F2", CultureInfo.InvariantCulture) + "×";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {v.Kernel} | {v.Name} | {medians[i] * 1e6:F1} | {medians[i] * 1e9 / N:F3} | {ratio} |"));
        }
        Console.WriteLine();
        for (int i = 0; i < variants.Count; i++)
            Console.WriteLine(JsonSerializer.Serialize(new { suite = "vmath", range, kernel = variants[i].Kernel, impl = variants[i].Name, n = N, median_s = medians[i] }));
        GC.KeepAlive(sink);
        return 0;
    }

    /// <summary>softplus = max(x, 0) + log1p(e^(−|x|)) from TensorPrimitives calls.</summary>
    private static void SoftplusComposite(float[] x, float[] y, float[] tmp)
    {
        TensorPrimitives.Abs(x, tmp);
        TensorPrimitives.Negate(tmp, tmp);
        TensorPrimitives.Exp(tmp, tmp);
        TensorPrimitives.LogP1(tmp, tmp);
        TensorPrimitives.Max(x, 0f, y);
        TensorPrimitives.Add(y, tmp, y);
    }

    /// <summary>e = max(x, 0) − x·y + log1p(e^(−|x|)) from TensorPrimitives calls.</summary>
    private static void BceComposite(float[] x, float[] t, float[] e, float[] tmp, float[] tmp2)
    {
        TensorPrimitives.Abs(x, tmp);
        TensorPrimitives.Negate(tmp, tmp);
        TensorPrimitives.Exp(tmp, tmp);
        TensorPrimitives.LogP1(tmp, tmp);
        TensorPrimitives.Max(x, 0f, e);
        TensorPrimitives.Multiply(x, t, tmp2);
        TensorPrimitives.Subtract(e, tmp2, e);
        TensorPrimitives.Add(e, tmp, e);
    }

    /// <summary>Median seconds per call of each variant: warm-up, then <paramref name="reps"/> rounds calling every variant once.</summary>
    private static double[] Measure(List<Variant> variants, int reps)
    {
        foreach (var v in variants)
            for (int i = 0; i < 30; i++) v.Run();   // past tier-0 and OSR
        var times = variants.Select(_ => new double[reps]).ToArray();
        for (int r = 0; r < reps; r++)
        {
            for (int k = 0; k < variants.Count; k++)
            {
                long t0 = Stopwatch.GetTimestamp();
                variants[k].Run();
                times[k][r] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            }
        }
        return times.Select(a => { Array.Sort(a); return a[a.Length / 2]; }).ToArray();
    }
}
