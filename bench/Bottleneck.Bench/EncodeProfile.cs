using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Bottleneck.Data;
using Bottleneck.Kernels;
using Bottleneck.Models.Dense;
using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Bench;

/// <summary>
/// <c>encode-profile</c> suite: where the time of the dense kind's fused encode plan goes at one thread, against the ceilings of
/// this core. Timed by the calling thread's CPU time (<see cref="ThreadCpuClock"/>, so other work on a shared machine costs
/// cache and memory bandwidth but not waiting time), in rounds that alternate the parts, reporting the median and the best
/// round. Parts: the plan (<see cref="DenseInference.Codes"/> of the 784-512-128-32 model on <c>--batch</c> demo rows, cycling
/// through 4,096 of them so the input comes from L3 as in a real pass); each of its layers alone as the plan runs it (one chunk of
/// <see cref="DenseInference.ChunkFor"/> rows through <c>ManagedGemm.RunPrepacked</c> with bias and activation; the first layer on
/// fresh input rows, the others on a warm buffer, as in the plan); the 12×32 micro-kernel that reads A in place, on operands in
/// L1, at the layer's k block; and the register-only FMA rate (24 independent FMA chains, no loads: the core's peak).
/// GFLOP/s = 2·m·k·n / time; the last column is the median rate over the FMA peak's median rate. Usage: encode-profile [--batch 256] [--rounds 15].
/// </summary>
public static unsafe class EncodeProfile
{
    private sealed record Part(string Name, string Shape, double Flops, Action Run, int Calls);

    /// <summary>Runs the profile and prints its table; exit code 2 (one line on stderr) off Linux, with another GEMM kernel, or
    /// with --batch outside 2 … 2048 or --rounds below 1.</summary>
    /// <param name="args">[--batch 256] [--rounds 15].</param>
    /// <returns>0, or 2 on bad input.</returns>
    public static int Run(string[] args)
    {
        if (!ThreadCpuClock.IsAvailable)
        {
            Console.Error.WriteLine("encode-profile: needs Linux (clock_gettime(CLOCK_THREAD_CPUTIME_ID))");
            return 2;
        }
        if (Gemm.Provider is not ManagedGemm gemm || gemm.Kind != ManagedGemm.KernelKind.Vector512x12)
        {
            Console.Error.WriteLine($"encode-profile: profiles the managed GEMM's Vector512 12×32 kernels; the provider here is {Gemm.Describe()}");
            return 2;
        }
        int batch = DenseBench.IntArg(args, "--batch", 256), rounds = DenseBench.IntArg(args, "--rounds", 15);
        if (batch < 2 || batch > 2048 || rounds < 1)
        {
            Console.Error.WriteLine($"encode-profile: --batch must be 2 … 2048 and --rounds ≥ 1, got {batch} and {rounds}");
            return 2;
        }
        Gemm.Threads = 1;
        int[] dims = [784, 512, 128, 32];
        var model = new DenseAutoencoder(new DenseConfig(784, [512, 128], 32), new Rng(0));
        model.Eval();
        var plan = (DenseInference)model.CreateFastInference()!;
        const int pool = 4096;
        var data = DemoDataset.Generate(pool, 1);
        var codes = new float[batch * 32];
        int chunk = plan.ChunkFor(batch);
        Console.WriteLine($"# encode-profile: dense 784-512-128-32, batch {batch}, 1 thread, {CacheInfo.Describe()}; chunk {chunk} rows; " +
                          "CPU time per call, median (best) of the rounds");

        var parts = new List<Part>();
        int next = 0;
        parts.Add(new Part("plan: encode (3 layers)", $"{batch} rows", 2.0 * batch * MacsPerRow(dims), () =>
        {
            plan.Codes(data.Features.AsSpan(next * 784, batch * 784), batch, codes);
            next = (next + batch) % (pool - batch);
        }, 20));

        // Layer by layer as the plan runs them: one chunk, packed weights, bias and ReLU in the epilogue (none on the last).
        float* x = Alloc((long)pool * 784);
        data.Features.AsSpan(0, pool * 784).CopyTo(new Span<float>(x, pool * 784));
        float* warm = Alloc((long)chunk * 784), y = Alloc((long)chunk * 784), bias = Alloc(1024);
        new Rng(3).FillUniform(new Span<float>(warm, chunk * 784), 0f, 1f);
        new Span<float>(bias, 1024).Fill(0.01f);
        var relu = TileActivations.For(Activation.Relu);
        var buffers = PackBuffers.ForCurrentThread;
        var kcs = new int[3];
        for (int l = 0; l < 3; l++)
        {
            int inF = dims[l], outF = dims[l + 1];
            var packed = new PackedMatrix(gemm, inF, outF);
            var w = new float[inF * outF];
            new Rng((ulong)(10 + l)).FillUniform(w, -0.05f, 0.05f);
            fixed (float* pw = w) packed.PackTransposed(pw, inF);
            kcs[l] = packed.KcNom;
            var act = l < 2 ? relu : null;
            int row = 0;
            Action run = l == 0
                ? () => { gemm.RunPrepacked(buffers, chunk, x + (nint)row * 784, 784, packed, y, outF, bias, act); row = (row + chunk) % (pool - chunk); }
                : () => gemm.RunPrepacked(buffers, chunk, warm, inF, packed, y, outF, bias, act);
            parts.Add(new Part($"layer {inF}→{outF}{(l == 0 ? " (fresh rows)" : "")}, k block {packed.KcNom}", $"{chunk}×{inF}×{outF}",
                2.0 * chunk * inF * outF, run, 20));
        }

        // Ceilings: the micro-kernel on L1-resident operands at each k block, and the register-only FMA rate.
        float* a = Alloc(12 * 256), b = Alloc(256 * 32), c = Alloc(12 * 32);
        new Rng(4).FillUniform(new Span<float>(a, 12 * 256), 0f, 1f);
        new Rng(5).FillUniform(new Span<float>(b, 256 * 32), -0.05f, 0.05f);
        foreach (int kc in kcs.Distinct())
            parts.Add(new Part($"micro-kernel 12×32 (A in place), operands in L1, k block {kc}", $"12×{kc}×32 ×100",
                2.0 * 12 * 32 * kc * 100, () => { for (int r = 0; r < 100; r++) GemmMicroKernels.Kernel12x32Vector512Rows(kc, a, kc, b, 32, c, 32, 1f, 0f); }, 50));
        parts.Add(new Part("FMA peak (24 chains, no loads)", "16 lanes ×24 ×10⁴", 2.0 * 16 * 24 * 10_000, () => FmaChains(10_000), 50));

        var times = parts.Select(_ => new List<double>()).ToArray();
        foreach (var p in parts)
            for (int i = 0; i < 3; i++) p.Run();
        for (int r = 0; r < rounds; r++)
            for (int i = 0; i < parts.Count; i++)
            {
                parts[i].Run();
                double t0 = ThreadCpuClock.Now();
                for (int k = 0; k < parts[i].Calls; k++) parts[i].Run();
                times[i].Add((ThreadCpuClock.Now() - t0) / parts[i].Calls);
            }

        var median = times.Select(t => t.Order().ElementAt(t.Count / 2)).ToArray();
        var best = times.Select(t => t.Min()).ToArray();
        double peak = parts[^1].Flops / median[^1];   // the FMA peak's median rate: 100 %
        Console.WriteLine();
        Console.WriteLine("| part | m×k×n | µs per call | GFLOP/s | % of the FMA peak |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        for (int i = 0; i < parts.Count; i++)
        {
            var p = parts[i];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {p.Name} | {p.Shape} | {median[i] * 1e6:F1} ({best[i] * 1e6:F1}) | {p.Flops / median[i] / 1e9:F0} ({p.Flops / best[i] / 1e9:F0}) | {100 * p.Flops / median[i] / peak:F1} % |"));
        }
        double layers = median.Skip(1).Take(3).Sum() * batch / chunk;
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"plan: {batch / median[0]:N0} rows/s; its layers alone, scaled to {batch} rows: {layers * 1e6:F0} µs against the plan's {median[0] * 1e6:F0} µs"));
        return 0;
    }

    private static long MacsPerRow(int[] dims)
    {
        long macs = 0;
        for (int l = 0; l + 1 < dims.Length; l++) macs += (long)dims[l] * dims[l + 1];
        return macs;
    }

    private static float* Alloc(long floats)
    {
        var p = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
        new Span<float>(p, (int)floats).Clear();
        return p;
    }

    /// <summary>24 independent Vector512 FMA chains, no memory operands: the core's FMA throughput.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float FmaChains(int iterations)
    {
        var m = Vector512.Create(0.9999999f);
        var s = Vector512.Create(1e-7f);
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        Vector512<float> c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        Vector512<float> d0 = default, d1 = default, d2 = default, d3 = default, d4 = default, d5 = default;
        Vector512<float> d6 = default, d7 = default, d8 = default, d9 = default, d10 = default, d11 = default;
        for (int i = 0; i < iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, m, s); c1 = Vector512.FusedMultiplyAdd(c1, m, s);
            c2 = Vector512.FusedMultiplyAdd(c2, m, s); c3 = Vector512.FusedMultiplyAdd(c3, m, s);
            c4 = Vector512.FusedMultiplyAdd(c4, m, s); c5 = Vector512.FusedMultiplyAdd(c5, m, s);
            c6 = Vector512.FusedMultiplyAdd(c6, m, s); c7 = Vector512.FusedMultiplyAdd(c7, m, s);
            c8 = Vector512.FusedMultiplyAdd(c8, m, s); c9 = Vector512.FusedMultiplyAdd(c9, m, s);
            c10 = Vector512.FusedMultiplyAdd(c10, m, s); c11 = Vector512.FusedMultiplyAdd(c11, m, s);
            d0 = Vector512.FusedMultiplyAdd(d0, m, s); d1 = Vector512.FusedMultiplyAdd(d1, m, s);
            d2 = Vector512.FusedMultiplyAdd(d2, m, s); d3 = Vector512.FusedMultiplyAdd(d3, m, s);
            d4 = Vector512.FusedMultiplyAdd(d4, m, s); d5 = Vector512.FusedMultiplyAdd(d5, m, s);
            d6 = Vector512.FusedMultiplyAdd(d6, m, s); d7 = Vector512.FusedMultiplyAdd(d7, m, s);
            d8 = Vector512.FusedMultiplyAdd(d8, m, s); d9 = Vector512.FusedMultiplyAdd(d9, m, s);
            d10 = Vector512.FusedMultiplyAdd(d10, m, s); d11 = Vector512.FusedMultiplyAdd(d11, m, s);
        }
        return (c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + d0 + d1 + d2 + d3 + d4 + d5 + d6 + d7 + d8 + d9 + d10 + d11)[0];
    }
}
