using System.Runtime.InteropServices;

namespace Bottleneck.Kernels;

/// <summary>
/// One thread's 64-byte-aligned packing scratch for <see cref="ManagedGemm"/>: an A block (mc×kc) and a B panel
/// (kc×nc). Allocated once per thread from native memory and freed by the finalizer when the thread has gone.
/// </summary>
internal sealed unsafe class PackBuffers
{
    [ThreadStatic]
    private static PackBuffers? t_current;

    /// <summary>Floats in the A buffer: the largest mc (rounded to any MR) times kc.</summary>
    internal const int ASize = (ManagedGemm.McLimit + 16) * ManagedGemm.KcMax;

    /// <summary>Floats in the B buffer: the largest nc times kc.</summary>
    internal const int BSize = ManagedGemm.NcLimit * ManagedGemm.KcMax;

    private PackBuffers()
    {
        A = (float*)NativeMemory.AlignedAlloc((nuint)ASize * sizeof(float), 64);
        B = (float*)NativeMemory.AlignedAlloc((nuint)BSize * sizeof(float), 64);
    }

    ~PackBuffers()
    {
        NativeMemory.AlignedFree(A);
        NativeMemory.AlignedFree(B);
    }

    /// <summary>Packed A block.</summary>
    public float* A { get; }

    /// <summary>Packed B panel.</summary>
    public float* B { get; }

    /// <summary>The calling thread's buffers (created on first use).</summary>
    public static PackBuffers ForCurrentThread => t_current ??= new PackBuffers();
}
