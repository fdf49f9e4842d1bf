using System.Runtime.InteropServices;

namespace Bottleneck.Kernels;

/// <summary>
/// The B operand of <c>C = A·B</c> (K × N) packed once into <see cref="ManagedGemm"/>'s panel layout, for a constant operand
/// such as a layer's weight at inference (B = Wᵀ, W stored N × K): the products that use it skip packing B, which for a single
/// sample is most of the work. Panels of <see cref="NcNom"/> columns, each split into k blocks of <see cref="KcNom"/> rows,
/// each block in the slivers of <see cref="GemmPacking.PackB"/> (NR columns, zero-padded): block (jc, pc) starts at
/// <c>jc·K + pc·roundUp(nc, NR)</c>. The blocking is <see cref="ManagedGemm.RunBlock"/>'s for the same K and N. Native memory,
/// 64-byte aligned, freed by <see cref="Dispose"/> or the finalizer.
/// </summary>
internal sealed unsafe class PackedMatrix : IDisposable
{
    private float* _data;

    /// <summary>Allocates the packed form of a K × N operand for <paramref name="gemm"/>'s micro-kernel (contents undefined until <see cref="PackTransposed"/>).</summary>
    /// <param name="gemm">The provider whose NR and blocking the layout follows.</param>
    /// <param name="k">Rows of B (≥ 1).</param>
    /// <param name="n">Columns of B (≥ 1).</param>
    public PackedMatrix(ManagedGemm gemm, int k, int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        K = k;
        N = n;
        Nr = gemm.Nr;
        int kPasses = (k + ManagedGemm.KcMax - 1) / ManagedGemm.KcMax;
        KcNom = (k + kPasses - 1) / kPasses;
        int nPasses = (n + gemm.NcMax - 1) / gemm.NcMax;
        NcNom = ((n + nPasses - 1) / nPasses + Nr - 1) / Nr * Nr;
        Length = (long)k * ((n + Nr - 1) / Nr * Nr);
        _data = (float*)NativeMemory.AlignedAlloc((nuint)Length * sizeof(float), 64);
    }

    ~PackedMatrix() => Free();

    /// <summary>Rows of B (the inner dimension).</summary>
    public int K { get; }

    /// <summary>Columns of B.</summary>
    public int N { get; }

    /// <summary>Columns of a sliver (the micro-kernel's NR).</summary>
    public int Nr { get; }

    /// <summary>Rows of a k block.</summary>
    public int KcNom { get; }

    /// <summary>Columns of a panel (a multiple of <see cref="Nr"/>).</summary>
    public int NcNom { get; }

    /// <summary>Packed floats.</summary>
    public long Length { get; }

    /// <summary>Start of block (jc, pc): panel starting at column <paramref name="jc"/>, k block starting at row <paramref name="pc"/>.</summary>
    public float* Block(int jc, int pc)
    {
        ObjectDisposedException.ThrowIf(_data == null, this);
        int nc = Math.Min(NcNom, N - jc);
        return _data + (long)jc * K + (long)pc * ((nc + Nr - 1) / Nr * Nr);
    }

    /// <summary>Packs B = Wᵀ from W stored N × K row-major with row stride <paramref name="ldw"/> (a Linear layer's weight).</summary>
    /// <param name="w">W, N × K.</param>
    /// <param name="ldw">Row stride of W (≥ K).</param>
    public void PackTransposed(float* w, int ldw)
    {
        for (int jc = 0; jc < N; jc += NcNom)
        {
            int nc = Math.Min(NcNom, N - jc);
            for (int pc = 0; pc < K; pc += KcNom)
            {
                int kc = Math.Min(KcNom, K - pc);
                GemmPacking.PackB(true, w + (nint)jc * ldw + pc, ldw, nc, kc, Nr, Block(jc, pc));
            }
        }
    }

    /// <summary>Frees the native memory (further use throws).</summary>
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        if (_data == null)
            return;
        NativeMemory.AlignedFree(_data);
        _data = null;
    }
}
