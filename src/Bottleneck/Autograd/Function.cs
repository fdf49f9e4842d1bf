using System.Numerics.Tensors;
using Bottleneck.Tensors;

namespace Bottleneck.Autograd;

/// <summary>
/// A recorded differentiable op: a node of the autodiff graph. Each op is one small sealed subclass
/// holding what its backward needs; <see cref="Backward"/> turns ∂L/∂output into ∂L/∂input for every
/// input and hands each to <see cref="Accumulate"/>.
/// </summary>
public abstract class Function
{
    internal Tensor[] Inputs = [];
    internal Tensor? GradOutput;     // ∂L/∂output, accumulated during a backward pass
    internal int VisitStamp;

    /// <summary>The op's name as shown in errors and <see cref="Tensor.GradFnName"/>.</summary>
    public abstract string Name { get; }

    /// <summary>Computes the input gradients from ∂L/∂output (<paramref name="grad"/>, shape of the output).</summary>
    protected internal abstract void Backward(Tensor grad);

    /// <summary>
    /// Connects <paramref name="output"/> to this op if grad mode is on and any input requires grad.
    /// Returns the output for chaining.
    /// </summary>
    internal static Tensor Record(Function fn, Tensor output, params Tensor[] inputs)
    {
        fn.Inputs = inputs;
        output.GradFn = fn;
        output.MarkRequiresGrad();
        OpProfiler.Current?.Forward(fn.Name);
        return output;
    }

    /// <summary>True when an op over these inputs must be recorded.</summary>
    internal static bool Needs(Tensor a) => GradMode.IsEnabled && a.RequiresGrad;
    internal static bool Needs(Tensor a, Tensor b) => GradMode.IsEnabled && (a.RequiresGrad || b.RequiresGrad);

    /// <summary>
    /// Adds <paramref name="grad"/> into the gradient of <paramref name="input"/>. This is the one place where a
    /// broadcast gradient is summed back to the input's shape. <paramref name="fresh"/> says the buffer belongs to
    /// this call alone and may be adopted instead of copied.
    /// </summary>
    internal static void Accumulate(Tensor input, Tensor grad, bool fresh)
    {
        if (!input.RequiresGrad) return;
        if (!ShapeUtil.SameShape(input.ShapeArray, grad.ShapeArray))
        {
            grad = Kernels.Reduce.SumToShape(grad, input.ShapeArray);
            fresh = true;
        }
        if (input.GradFn is { } fn)
        {
            if (fn.GradOutput is null)
                fn.GradOutput = fresh ? grad : grad.Clone();
            else
                TensorPrimitives.Add(fn.GradOutput.Span, grad.Span, fn.GradOutput.Span);
            return;
        }
        AccumulateLeaf(input, grad.Span);
    }

    /// <summary>Adds a gradient into a leaf's <see cref="Tensor.Grad"/>, allocating it outside any scope.</summary>
    internal static void AccumulateLeaf(Tensor leaf, ReadOnlySpan<float> grad)
    {
        if (leaf.Grad is null)
        {
            using (TensorScope.Untracked()) leaf.Grad = Tensor.Zeros(leaf.ShapeToArray());
            grad.CopyTo(leaf.Grad.Span);
        }
        else
        {
            TensorPrimitives.Add(leaf.Grad.Span, grad, leaf.Grad.Span);
        }
    }

    /// <summary>
    /// The buffer a backward may write ∂L/∂<paramref name="leaf"/> into directly (GEMM with β=1), or null when the
    /// input is not a leaf. Ensures the leaf's gradient exists (zeros if new).
    /// </summary>
    internal static Tensor? LeafGradTarget(Tensor leaf)
    {
        if (!leaf.RequiresGrad || leaf.GradFn != null) return null;
        if (leaf.Grad is null)
            using (TensorScope.Untracked()) leaf.Grad = Tensor.Zeros(leaf.ShapeToArray());
        return leaf.Grad;
    }
}

/// <summary>Grad mode: whether ops are recorded for autodiff on this thread.</summary>
public static class GradMode
{
    [ThreadStatic] private static int _disabledDepth;

    /// <summary>True unless inside a <see cref="NoGrad"/> region.</summary>
    public static bool IsEnabled => _disabledDepth == 0;

    /// <summary>Disables recording until the handle is disposed (inference, evaluation). Nests.</summary>
    public static NoGradRegion NoGrad() => new(0);

    /// <summary>Handle returned by <see cref="NoGrad"/>.</summary>
    public readonly struct NoGradRegion : IDisposable
    {
        internal NoGradRegion(int _) { _disabledDepth++; }
        /// <summary>Re-enables recording (if this was the outermost region).</summary>
        public void Dispose() => _disabledDepth--;
    }
}
