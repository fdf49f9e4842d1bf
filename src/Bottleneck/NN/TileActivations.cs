using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using Bottleneck.Kernels;
using Bottleneck.Ops;

namespace Bottleneck.NN;

/// <summary>
/// In-place activations of a row-major tile (pointer, row stride, rows, columns), the epilogue the fused inference paths run on a
/// GEMM tile while it is in L1 (<see cref="ManagedGemm"/>'s <c>RunPrepacked</c>). Each computes exactly what the tensor op of the
/// same <see cref="Activation"/> computes (the same kernels: ReLU = max(x, 0), sigmoid through <c>VectorMath.Sigmoid</c>,
/// tanh, leaky ReLU with slope 0.01, ELU with α = 1, softplus with β = 1 and threshold 20), so a fused path gives the autograd
/// path's values bit for bit on the same pre-activations. GELU has no tile kernel.
/// </summary>
internal static unsafe class TileActivations
{
    /// <summary>The tile kernel of <paramref name="act"/>, or null for the identity.</summary>
    /// <exception cref="InvalidOperationException">GELU (not supported by the fused paths).</exception>
    public static delegate*<float*, nint, int, int, void> For(Activation act) => act switch
    {
        Activation.Identity => null,
        Activation.Relu => &Relu,
        Activation.Sigmoid => &Sigmoid,
        Activation.Tanh => &Tanh,
        Activation.LeakyRelu => &LeakyRelu,
        Activation.Elu => &Elu,
        Activation.Softplus => &Softplus,
        _ => throw new InvalidOperationException($"activation {act} is not supported by the fused inference paths"),
    };

    /// <summary>Whether <paramref name="act"/> has a tile kernel (every activation but GELU).</summary>
    public static bool Supports(Activation act) => act != Activation.Gelu;

    private static void Relu(float* c, nint ldc, int rows, int cols)
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
            // short rows (a conv's C_out channels): a vector loop, without a span call per row
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

    private static void Sigmoid(float* c, nint ldc, int rows, int cols)
    {
        // VectorMath's sigmoid, as Tensor.Sigmoid: bit-identical on every code path, so the tile split does not change a value
        for (int i = 0; i < rows; i++) { var row = new Span<float>(c + i * ldc, cols); VectorMath.Sigmoid(row, row); }
    }

    private static void Tanh(float* c, nint ldc, int rows, int cols)
    {
        for (int i = 0; i < rows; i++) { var row = new Span<float>(c + i * ldc, cols); TensorPrimitives.Tanh(row, row); }
    }

    private static void LeakyRelu(float* c, nint ldc, int rows, int cols)
    {
        for (int i = 0; i < rows; i++) { var row = new Span<float>(c + i * ldc, cols); ActivationKernels.LeakyRelu(row, 0.01f, row); }
    }

    private static void Elu(float* c, nint ldc, int rows, int cols)
    {
        for (int i = 0; i < rows; i++) { var row = new Span<float>(c + i * ldc, cols); ActivationKernels.Elu(row, 1f, row); }
    }

    private static void Softplus(float* c, nint ldc, int rows, int cols)
    {
        for (int i = 0; i < rows; i++) { var row = new Span<float>(c + i * ldc, cols); ActivationKernels.Softplus(row, 1f, 20f, row); }
    }
}
