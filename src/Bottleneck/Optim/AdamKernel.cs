using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Bottleneck.Kernels;

namespace Bottleneck.Optim;

/// <summary>
/// The constants of one parameter's Adam/AdamW update at step t, hoisted out of the element loop: the step size η/(1 − β₁ᵗ),
/// √(1 − β₂ᵗ) (both from double, as PyTorch computes them in Python floats), 1 − β₁, 1 − β₂ and the weight-decay form.
/// </summary>
internal readonly struct AdamCoefficients
{
    public readonly float StepSize, Bc2Sqrt, Beta1, Beta2, C1, C2, Eps;
    /// <summary>Coupled L2 λ added as λθ to the gradient (<see cref="Adam"/>); 0 when off.</summary>
    public readonly float CoupledDecay;
    /// <summary>Decoupled factor 1 − ηλ multiplying θ first (<see cref="AdamW"/>); used only when <see cref="Decoupled"/>.</summary>
    public readonly float DecayFactor;
    public readonly bool Decoupled, AmsGrad;

    private AdamCoefficients(float stepSize, float bc2Sqrt, float beta1, float beta2, float c1, float c2, float eps,
        float coupledDecay, float decayFactor, bool decoupled, bool amsgrad)
    {
        StepSize = stepSize; Bc2Sqrt = bc2Sqrt; Beta1 = beta1; Beta2 = beta2; C1 = c1; C2 = c2; Eps = eps;
        CoupledDecay = coupledDecay; DecayFactor = decayFactor; Decoupled = decoupled; AmsGrad = amsgrad;
    }

    /// <summary>The constants at step <paramref name="t"/> ≥ 1; <paramref name="decoupled"/> selects AdamW's form of λ.</summary>
    public static AdamCoefficients Create(int t, float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupled, bool amsgrad)
    {
        double bc1 = 1.0 - Math.Pow(beta1, t), bc2 = 1.0 - Math.Pow(beta2, t);
        bool decay = weightDecay != 0f;
        return new AdamCoefficients(
            (float)(lr / bc1), (float)Math.Sqrt(bc2), beta1, beta2, (float)(1.0 - beta1), (float)(1.0 - beta2), eps,
            coupledDecay: decay && !decoupled ? weightDecay : 0f,
            decayFactor: (float)(1.0 - (double)lr * weightDecay),
            decoupled: decay && decoupled, amsgrad);
    }
}

/// <summary>
/// The fused single-pass Adam/AdamW update of one parameter (or a range of it), shared by <see cref="Adam"/> and
/// <see cref="AdamW"/>: per element, in this order (no fused multiply-add, so every vector width and the scalar tail give the
/// same bits): θ ← θ·(1 − ηλ) (AdamW); g ← g + λθ (Adam); m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; v̂ = max(v̂, v) (AMSGrad);
/// θ ← θ − m / (√v / √(1 − β₂ᵗ) + ε) · η/(1 − β₁ᵗ). m and v are flushed to 0 below the smallest normal float.
/// Vector512 where the hardware accelerates it, then <see cref="Vector{T}"/>, then scalar.
/// </summary>
internal static class AdamKernel
{
    /// <summary>Updates <paramref name="p"/>, <paramref name="m"/>, <paramref name="v"/> (and <paramref name="vmax"/> with AMSGrad) in place.</summary>
    public static void Update(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, Span<float> vmax, in AdamCoefficients c)
    {
        int n = p.Length;
        if (g.Length < n || m.Length < n || v.Length < n || (c.AmsGrad && vmax.Length < n))
            throw new ArgumentException($"Adam: a buffer is shorter than the parameter ({n} elements)");
        ref float pr = ref MemoryMarshal.GetReference(p);
        ref float gr = ref MemoryMarshal.GetReference(g);
        ref float mr = ref MemoryMarshal.GetReference(m);
        ref float vr = ref MemoryMarshal.GetReference(v);
        ref float xr = ref MemoryMarshal.GetReference(vmax);
        float b1 = c.Beta1, b2 = c.Beta2, c1 = c.C1, c2 = c.C2, wd = c.CoupledDecay, decay = c.DecayFactor, bc2Sqrt = c.Bc2Sqrt, stepSize = c.StepSize;
        bool coupled = wd != 0f, decoupled = c.Decoupled, amsgrad = c.AmsGrad;
        int i = 0;

        if (Vector512.IsHardwareAccelerated)
        {
            var eps = Vector512.Create(c.Eps);
            var minNormal = Vector512.Create(Subnormal.MinNormal);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                nuint k = (nuint)i;
                var pv = Vector512.LoadUnsafe(ref pr, k);
                if (decoupled) pv *= decay;
                var gv = Vector512.LoadUnsafe(ref gr, k);
                if (coupled) gv += pv * wd;
                var mv = Flush(Vector512.LoadUnsafe(ref mr, k) * b1 + gv * c1, minNormal);
                var vv = Flush(Vector512.LoadUnsafe(ref vr, k) * b2 + gv * gv * c2, minNormal);
                mv.StoreUnsafe(ref mr, k);
                vv.StoreUnsafe(ref vr, k);
                if (amsgrad)
                {
                    vv = Vector512.Max(Vector512.LoadUnsafe(ref xr, k), vv);
                    vv.StoreUnsafe(ref xr, k);
                }
                var denom = Vector512.Sqrt(vv) / bc2Sqrt + eps;
                (pv - mv / denom * stepSize).StoreUnsafe(ref pr, k);
            }
        }
        if (Vector.IsHardwareAccelerated)
        {
            var eps = new Vector<float>(c.Eps);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                nuint k = (nuint)i;
                var pv = Vector.LoadUnsafe(ref pr, k);
                if (decoupled) pv *= decay;
                var gv = Vector.LoadUnsafe(ref gr, k);
                if (coupled) gv += pv * wd;
                var mv = Subnormal.Flush(Vector.LoadUnsafe(ref mr, k) * b1 + gv * c1);
                var vv = Subnormal.Flush(Vector.LoadUnsafe(ref vr, k) * b2 + gv * gv * c2);
                mv.StoreUnsafe(ref mr, k);
                vv.StoreUnsafe(ref vr, k);
                if (amsgrad)
                {
                    vv = Vector.Max(Vector.LoadUnsafe(ref xr, k), vv);
                    vv.StoreUnsafe(ref xr, k);
                }
                var denom = Vector.SquareRoot(vv) / bc2Sqrt + eps;
                (pv - mv / denom * stepSize).StoreUnsafe(ref pr, k);
            }
        }
        for (; i < n; i++)
        {
            float pi = p[i];
            if (decoupled) pi *= decay;
            float gi = g[i];
            if (coupled) gi += pi * wd;
            float mi = Subnormal.Flush(m[i] * b1 + gi * c1);
            float vi = Subnormal.Flush(v[i] * b2 + gi * gi * c2);
            m[i] = mi; v[i] = vi;
            if (amsgrad) vmax[i] = vi = MathF.Max(vmax[i], vi);
            float denom = MathF.Sqrt(vi) / bc2Sqrt + c.Eps;
            p[i] = pi - mi / denom * stepSize;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Flush(Vector512<float> x, Vector512<float> minNormal) =>
        Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(x), minNormal), Vector512<float>.Zero, x);
}

/// <summary>
/// The state of one fused Adam pass over several parameters (<see cref="AdamBase"/>): their elements, laid end to end, are cut
/// into equal contiguous ranges, one per thread of <see cref="GemmWorkerPool"/>. Slots are allocated once per optimizer.
/// </summary>
internal sealed class AdamSweep : IParallelJob
{
    /// <summary>Elements per thread below which the pass stays on the calling thread (waking a worker costs more).</summary>
    public const int MinElementsPerPart = 1 << 15;

    private readonly Slot[] _slots;
    private int _count, _parts;
    private long _total;

    public AdamSweep(int parameterCount) => _slots = new Slot[parameterCount];

    /// <summary>Updates the parameters <paramref name="due"/> of <paramref name="opt"/> (states already stepped).</summary>
    public void Run(AdamBase opt, ReadOnlySpan<int> due)
    {
        long total = 0;
        for (int k = 0; k < due.Length; k++)
        {
            int i = due[k];
            var p = opt.Parameters[i];
            var g = p.Grad!;
            var state = opt.GetState(i)!;
            var b = state.Buffers;
            _slots[k] = new Slot(p.Buffer, p.Offset, g.Buffer, g.Offset, b[0], b[1], opt.AmsGrad ? b[2] : null, p.Length, total,
                opt.CoefficientsAt(state.Step));
            total += p.Length;
        }
        _count = due.Length;
        _total = total;
        int parts = (int)Math.Min(Gemm.Threads, total / MinElementsPerPart);
        try
        {
            _parts = parts;
            if (parts >= 2 && GemmWorkerPool.Shared.TryRun(this, parts))
                return;
            _parts = 1;
            RunPart(0);
        }
        finally
        {
            // drop the references to the tensors' storage until the next step
            Array.Clear(_slots, 0, _count);
            _count = 0;
        }
    }

    /// <summary>Updates elements [total·index/parts, total·(index+1)/parts) of the concatenated parameters.</summary>
    public void RunPart(int index)
    {
        long lo = _total * index / _parts, hi = _total * (index + 1) / _parts;
        for (int k = 0; k < _count && lo < hi; k++)
        {
            ref readonly var s = ref _slots[k];
            long end = s.Start + s.Length;
            if (end <= lo) continue;
            int a = (int)(lo - s.Start), b = (int)(Math.Min(hi, end) - s.Start);
            AdamKernel.Update(
                s.P.AsSpan(s.POffset + a, b - a), s.G.AsSpan(s.GOffset + a, b - a),
                s.M.AsSpan(a, b - a), s.V.AsSpan(a, b - a), s.VMax is null ? default : s.VMax.AsSpan(a, b - a), s.Coefficients);
            lo = end;
        }
    }

    private readonly record struct Slot(float[] P, int POffset, float[] G, int GOffset, float[] M, float[] V, float[]? VMax,
        int Length, long Start, AdamCoefficients Coefficients);
}
