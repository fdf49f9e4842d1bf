using System.Numerics.Tensors;
using Bottleneck.Kernels;
using Bottleneck.Ops;

namespace Bottleneck.NN;

/// <summary>
/// In-place activations of a row-major tile (pointer, row stride, rows, columns), the epilogue the fused inference paths run on a
/// GEMM tile while it is in L1 (<see cref="ManagedGemm"/>'s <c>RunPrepacked</c>); ReLU is the training epilogue's own (<see cref="GemmEpilogue.Relu"/>). Each computes exactly what the tensor op of the
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
        Activation.Relu => &GemmEpilogue.Relu,
        Activation.Sigmoid => &Sigmoid,
        Activation.Tanh => &Tanh,
        Activation.LeakyRelu => &LeakyRelu,
        Activation.Elu => &Elu,
        Activation.Softplus => &Softplus,
        _ => throw new InvalidOperationException($"activation {act} is not supported by the fused inference paths"),
    };

    /// <summary>Whether <paramref name="act"/> has a tile kernel (every activation but GELU).</summary>
    public static bool Supports(Activation act) => act != Activation.Gelu;

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
