using System.Numerics.Tensors;

namespace Bottleneck.Kernels;

/// <summary>Argument checks and degenerate-case helpers shared by the GEMM providers.</summary>
internal static unsafe class GemmCommon
{
    /// <summary>Throws when a dimension is negative.</summary>
    public static void CheckDims(int m, int n, int k)
    {
        if (m < 0) throw new ArgumentOutOfRangeException(nameof(m), m, "GEMM dimension m must be ≥ 0.");
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "GEMM dimension n must be ≥ 0.");
        if (k < 0) throw new ArgumentOutOfRangeException(nameof(k), k, "GEMM dimension k must be ≥ 0.");
    }

    /// <summary>C ← beta·C on an m×n row-major block; beta = 0 writes zeros (old NaNs are discarded).</summary>
    public static void ScaleC(int m, int n, float beta, float* c, int ldc)
    {
        if (beta == 1f)
            return;
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + (nint)i * ldc, n);
            if (beta == 0f)
                row.Clear();
            else
                TensorPrimitives.Multiply(row, beta, row);
        }
    }
}
