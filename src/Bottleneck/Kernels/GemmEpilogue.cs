using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Bottleneck.Kernels;

/// <summary>
/// The fused Linear layer of training: Y = act(X·Wᵀ + b) in one GEMM whose epilogue adds the bias and applies the activation to
/// each tile while it is in L1 (<see cref="ManagedGemm.SgemmEpilogue"/>), and its backward's first pass, G' = G ⊙ [Y &gt; 0] with
/// ∂L/∂b += Σ_rows G', in one sweep. Other providers get the product from <see cref="Gemm.Provider"/> and the bias and activation
/// in a pass over Y (the same values: the bias is added after the whole k sum either way).
/// </summary>
internal static unsafe class GemmEpilogue
{
    /// <summary>max(x, 0) in place on a rows × cols tile with row stride <paramref name="ldc"/> (the epilogue's ReLU).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Relu(float* c, nint ldc, int rows, int cols)
    {
        if (Vector512.IsHardwareAccelerated && cols == 32)
        {
            for (int i = 0; i < rows; i++)
            {
                float* r = c + i * ldc;
                Vector512.Store(Vector512.Max(Vector512.Load(r), Vector512<float>.Zero), r);
                Vector512.Store(Vector512.Max(Vector512.Load(r + 16), Vector512<float>.Zero), r + 16);
            }
            return;
        }
        if (Vector512.IsHardwareAccelerated && cols < 256)
        {
            // short rows (a convolution's C_out channels): a vector loop, without a span call per row
            for (int i = 0; i < rows; i++)
            {
                float* r = c + i * ldc;
                int j = 0;
                for (; j + 16 <= cols; j += 16) Vector512.Store(Vector512.Max(Vector512.Load(r + j), Vector512<float>.Zero), r + j);
                for (; j < cols; j++) r[j] = Math.Max(r[j], 0f);
            }
            return;
        }
        for (int i = 0; i < rows; i++)
        {
            var row = new Span<float>(c + i * ldc, cols);
            TensorPrimitives.Max(row, 0f, row);
        }
    }

    /// <summary>C[i, j] = act(C[i, j] + bias[j]) over an m × n block (bias or activation may be null).</summary>
    public static void ApplyRows(float* c, int ldc, int m, int n, float* bias, delegate*<float*, nint, int, int, void> activation)
    {
        if (bias != null)
        {
            var b = new ReadOnlySpan<float>(bias, n);
            for (int i = 0; i < m; i++)
            {
                var row = new Span<float>(c + (nint)i * ldc, n);
                TensorPrimitives.Add(row, b, row);
            }
        }
        if (activation != null)
            activation(c, ldc, m, n);
    }

    /// <summary>
    /// Y = act(X·Wᵀ + b): X (rows × inF, row-major), W (outF × inF), b (outF) or null, Y (rows × outF); act is ReLU when
    /// <paramref name="relu"/>, else the identity.
    /// </summary>
    public static void Linear(int rows, int inF, int outF, float* x, float* w, float* bias, bool relu, float* y)
    {
        delegate*<float*, nint, int, int, void> act = relu ? &Relu : null;
        if (Gemm.Provider is ManagedGemm managed)
        {
            managed.SgemmEpilogue(false, true, rows, outF, inF, x, inF, w, inF, y, outF, bias, act);
            return;
        }
        Gemm.Provider.Sgemm(false, true, rows, outF, inF, 1f, x, inF, w, inF, 0f, y, outF);
        ApplyRows(y, outF, rows, outF, bias, act);
    }

    /// <summary>
    /// The ReLU backward and the bias gradient in one pass: d[r, j] = g[r, j] where y[r, j] &gt; 0, else 0, and, when
    /// <paramref name="biasGrad"/> is not null, biasGrad[j] += d[r, j] for r = 0, 1, … in order (the additions of a row-by-row
    /// reduction, so the sum is bit-identical to masking first and reducing after).
    /// </summary>
    /// <param name="rows">Rows of Y, G and D.</param>
    /// <param name="cols">Columns (outF).</param>
    /// <param name="y">The layer's output after the ReLU.</param>
    /// <param name="g">∂L/∂Y.</param>
    /// <param name="d">∂L/∂(X·Wᵀ + b), written (may alias <paramref name="g"/>).</param>
    /// <param name="biasGrad">cols values accumulated into, or null.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ReluBackward(int rows, int cols, float* y, float* g, float* d, float* biasGrad)
    {
        for (int r = 0; r < rows; r++)
        {
            nint o = (nint)r * cols;
            float* yr = y + o, gr = g + o, dr = d + o;
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; j + 16 <= cols; j += 16)
                {
                    Vector512<float> v = Vector512.ConditionalSelect(Vector512.GreaterThan(Vector512.Load(yr + j), Vector512<float>.Zero),
                        Vector512.Load(gr + j), Vector512<float>.Zero);
                    Vector512.Store(v, dr + j);
                    if (biasGrad != null)
                        Vector512.Store(Vector512.Load(biasGrad + j) + v, biasGrad + j);
                }
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                for (; j + 8 <= cols; j += 8)
                {
                    Vector256<float> v = Vector256.ConditionalSelect(Vector256.GreaterThan(Vector256.Load(yr + j), Vector256<float>.Zero),
                        Vector256.Load(gr + j), Vector256<float>.Zero);
                    Vector256.Store(v, dr + j);
                    if (biasGrad != null)
                        Vector256.Store(Vector256.Load(biasGrad + j) + v, biasGrad + j);
                }
            }
            for (; j < cols; j++)
            {
                float v = yr[j] > 0f ? gr[j] : 0f;
                dr[j] = v;
                if (biasGrad != null)
                    biasGrad[j] += v;
            }
        }
    }
}
