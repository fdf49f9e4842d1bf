using System.Numerics;
using Bottleneck.Kernels;
using Bottleneck.Optim;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Optim;

/// <summary>
/// The fused, threaded Adam/AdamW pass over all parameters (<see cref="AdamSweep"/>, Vector512 where available) against the
/// per-parameter <see cref="Vector{T}"/> kernel it replaced, kept here verbatim as the reference: bit for bit, at 1 and 2 threads.
/// </summary>
[Collection(Bottleneck.Tests.Autograd.GemmProviderCollection.Name)]
public class AdamFusedStepTests
{
    public static TheoryData<string> Kinds => new() { "adam", "adam_wd", "adam_amsgrad_wd", "adamw", "adamw_amsgrad", "adamw_nodecay" };

    private static Optimizer Make(string kind, Tensor[] ps) => kind switch
    {
        "adam" => new Adam(ps, 1e-2f),
        "adam_wd" => new Adam(ps, 1e-2f, weightDecay: 0.1f),
        "adam_amsgrad_wd" => new Adam(ps, 1e-2f, weightDecay: 0.1f, amsgrad: true),
        "adamw" => new AdamW(ps, 1e-2f),
        "adamw_amsgrad" => new AdamW(ps, 1e-2f, beta1: 0.8f, beta2: 0.99f, eps: 1e-6f, weightDecay: 0.05f, amsgrad: true),
        "adamw_nodecay" => new AdamW(ps, 1e-2f, weightDecay: 0f),
        _ => throw new ArgumentException(kind),
    };

    // Large enough that two threads split the pass (≥ 2 × MinElementsPerPart), with odd lengths so the ranges cut through
    // parameters at unaligned places and every vector width and the scalar tail run.
    private static readonly int[] Lengths = [40_001, 3, 17, 33_333, 1, 29_000];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void FusedStepIsBitIdenticalToThePerParameterKernelAtOneAndTwoThreads(string kind)
    {
        // Given the same parameters and gradient sequence, one of them without a gradient on some steps (its step count lags)
        int saved = Gemm.Threads;
        try
        {
            Assert.True(Lengths.Sum() >= 2 * AdamSweep.MinElementsPerPart, "the test must exercise the threaded split");
            var expected = Reference(kind);
            foreach (int threads in new[] { 1, 2 })
            {
                // When the optimizer steps with the fused pass at this thread count
                Gemm.Threads = threads;
                var (ps, opt) = Run(kind);
                // Then parameters and every state buffer match the reference bit for bit
                for (int j = 0; j < ps.Length; j++)
                {
                    AssertBits(expected.Params[j], ps[j].Span.ToArray(), $"{kind}, {threads} thread(s), parameter {j}");
                    var state = opt.GetState(j)!;
                    Assert.Equal(expected.Steps[j], state.Step);
                    for (int b = 0; b < state.Buffers.Length; b++)
                        AssertBits(expected.Buffers[j][b], state.Buffers[b], $"{kind}, {threads} thread(s), parameter {j}, buffer {opt.StateBufferNames[b]}");
                }
            }
        }
        finally { Gemm.Threads = saved; }
    }

    [Fact]
    public void ThreadedSteadyStateStepAllocatesNothing()
    {
        // Given a parameter set large enough for the two-thread split, after the first steps
        int saved = Gemm.Threads;
        try
        {
            Gemm.Threads = 2;
            var rng = new Rng(3);
            var ps = NewParams(rng);
            var opt = new AdamW(ps);
            foreach (var p in ps) rng.FillNormal(p.Grad!.Span);
            for (int i = 0; i < 5; i++) opt.Step();
            // When it steps 50 more times (the least of three rounds: see OptimizerBehaviourTests)
            long least = long.MaxValue;
            for (int round = 0; round < 3 && least > 0; round++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 50; i++) opt.Step();
                least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            }
            // Then nothing is allocated
            Assert.Equal(0, least);
        }
        finally { Gemm.Threads = saved; }
    }

    private static Tensor[] NewParams(Rng rng) => Lengths.Select(n =>
    {
        var t = Tensor.Normal(rng, 0, 1, n);
        t.RequiresGrad = true;
        using (TensorScope.Untracked()) t.Grad = Tensor.Zeros(n);
        return t;
    }).ToArray();

    private static (Tensor[] Params, Optimizer Opt) Run(string kind)
    {
        var rng = new Rng(11);
        var ps = NewParams(rng);
        var opt = Make(kind, ps);
        var lagging = ps[3].Grad;
        for (int step = 0; step < 6; step++)
        {
            foreach (var p in ps) if (p.Grad is not null) FillGrad(rng, p.Grad.Span, step);
            ps[3].Grad = step % 3 == 1 ? null : lagging;
            opt.Step();
        }
        return (ps, opt);
    }

    // Gradients of mixed scale, including exact zeros and tiny values (to reach the subnormal flush).
    private static void FillGrad(Rng rng, Span<float> g, int step)
    {
        rng.FillNormal(g);
        for (int i = 0; i < g.Length; i++)
        {
            if (i % 97 == step) g[i] = 0f;
            else if (i % 89 == step) g[i] *= 1e-20f;
            else if (i % 83 == step) g[i] *= 1e3f;
        }
    }

    private sealed record Expected(float[][] Params, float[][][] Buffers, int[] Steps);

    // The same run through the pre-fusion kernel, one parameter at a time on one thread.
    private static Expected Reference(string kind)
    {
        var rng = new Rng(11);
        var ps = NewParams(rng);
        var probe = (AdamBase)Make(kind, [Tensor.Zeros(1)]);
        bool decoupled = probe is AdamW;
        var steps = new int[ps.Length];
        var buffers = ps.Select(p => Enumerable.Range(0, probe.AmsGrad ? 3 : 2).Select(_ => new float[p.Length]).ToArray()).ToArray();
        var lagging = ps[3].Grad;
        for (int step = 0; step < 6; step++)
        {
            foreach (var p in ps) if (p.Grad is not null) FillGrad(rng, p.Grad.Span, step);
            ps[3].Grad = step % 3 == 1 ? null : lagging;
            for (int j = 0; j < ps.Length; j++)
            {
                if (ps[j].Grad is null) continue;
                steps[j]++;
                var p = ps[j].Span;
                if (decoupled && probe.WeightDecay != 0f)
                    System.Numerics.Tensors.TensorPrimitives.Multiply(p, (float)(1.0 - (double)probe.LearningRate * probe.WeightDecay), p);
                LegacyUpdate(p, ps[j].Grad!.Span, buffers[j], steps[j], probe.LearningRate, probe.Beta1, probe.Beta2, probe.Eps,
                    decoupled ? 0f : probe.WeightDecay, probe.AmsGrad);
            }
        }
        return new Expected(ps.Select(p => p.Span.ToArray()).ToArray(), buffers, steps);
    }

    // The kernel as it was before the fused pass (commit 4f1f5e8), verbatim but for the state argument.
    private static void LegacyUpdate(Span<float> p, ReadOnlySpan<float> g, float[][] state, int t, float lr, float beta1, float beta2, float eps, float wd, bool amsgrad)
    {
        var m = state[0].AsSpan();
        var v = state[1].AsSpan();
        var vmax = amsgrad ? state[2].AsSpan() : default;
        double bc1 = 1.0 - Math.Pow(beta1, t), bc2 = 1.0 - Math.Pow(beta2, t);
        float stepSize = (float)(lr / bc1);
        float bc2Sqrt = (float)Math.Sqrt(bc2);
        float b1 = beta1, b2 = beta2;
        float c1 = (float)(1.0 - beta1), c2 = (float)(1.0 - beta2);

        int i = 0, w = Vector<float>.Count;
        for (; i <= p.Length - w; i += w)
        {
            var pv = new Vector<float>(p.Slice(i));
            var gv = new Vector<float>(g.Slice(i));
            if (wd != 0f) gv += pv * wd;
            var mv = Subnormal.Flush(new Vector<float>(m.Slice(i)) * b1 + gv * c1);
            var vv = Subnormal.Flush(new Vector<float>(v.Slice(i)) * b2 + gv * gv * c2);
            mv.CopyTo(m.Slice(i));
            vv.CopyTo(v.Slice(i));
            if (amsgrad)
            {
                vv = Vector.Max(new Vector<float>(vmax.Slice(i)), vv);
                vv.CopyTo(vmax.Slice(i));
            }
            var denom = Vector.SquareRoot(vv) / bc2Sqrt + new Vector<float>(eps);
            (pv - mv / denom * stepSize).CopyTo(p.Slice(i));
        }
        for (; i < p.Length; i++)
        {
            float gi = g[i];
            if (wd != 0f) gi += wd * p[i];
            float mi = Subnormal.Flush(m[i] * b1 + gi * c1);
            float vi = Subnormal.Flush(v[i] * b2 + gi * gi * c2);
            m[i] = mi; v[i] = vi;
            if (amsgrad) vmax[i] = vi = MathF.Max(vmax[i], vi);
            float denom = MathF.Sqrt(vi) / bc2Sqrt + eps;
            p[i] -= stepSize * (mi / denom);
        }
    }

    private static void AssertBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R}");
    }
}
