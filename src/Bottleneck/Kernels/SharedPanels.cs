using System.Runtime.InteropServices;

namespace Bottleneck.Kernels;

/// <summary>
/// What the threads of one cooperative GEMM share (<see cref="ManagedGemm.RunSharedPart"/>): two packed-B panels and two packed-A
/// blocks used in turn (each thread packs its share of the slivers of the next block into one while the others may still compute
/// on the other) and a barrier. Owned by <see cref="GemmWorkerPool"/>, which runs one call at a time; native memory, allocated on first use.
/// </summary>
internal sealed unsafe class SharedPanels
{
    private float* _b0, _b1, _a0, _a1;

    /// <summary>B panel <paramref name="i"/> mod 2, <see cref="PackBuffers.BSize"/> floats, 64-byte aligned.</summary>
    public float* PanelB(int i) => (i & 1) == 0 ? _b0 : _b1;

    /// <summary>A block <paramref name="i"/> mod 2, <see cref="PackBuffers.ASize"/> floats, 64-byte aligned.</summary>
    public float* PanelA(int i) => (i & 1) == 0 ? _a0 : _a1;

    private void Allocate()
    {
        if (_b0 != null)
            return;
        _b0 = (float*)NativeMemory.AlignedAlloc((nuint)PackBuffers.BSize * sizeof(float), 64);
        _b1 = (float*)NativeMemory.AlignedAlloc((nuint)PackBuffers.BSize * sizeof(float), 64);
        _a0 = (float*)NativeMemory.AlignedAlloc((nuint)PackBuffers.ASize * sizeof(float), 64);
        _a1 = (float*)NativeMemory.AlignedAlloc((nuint)PackBuffers.ASize * sizeof(float), 64);
    }

    /// <summary>The threads' barrier (reset by <see cref="Reset"/>).</summary>
    public SpinBarrier Barrier { get; } = new();

    /// <summary>Allocates the buffers (first use) and prepares the barrier for <paramref name="parties"/> threads (before any of them starts).</summary>
    public void Reset(int parties)
    {
        Allocate();
        Barrier.Reset(parties);
    }

    /// <summary>Makes the other threads leave their barrier wait with false (a thread failed).</summary>
    public void Abort() => Barrier.Abort();

    /// <inheritdoc cref="SpinBarrier.Wait"/>
    public bool Wait(ref int sense) => Barrier.Wait(ref sense);
}
