using Bottleneck.Tensors;

namespace Bottleneck.Autograd;

/// <summary>
/// The backward pass: an iterative depth-first post-order (explicit stack, no recursion, so graphs of
/// unrolled sequence models thousands of nodes deep are fine), walked in reverse topological order.
/// </summary>
internal static class Backprop
{
    private static int _stamp;
    [ThreadStatic] private static List<Function>? _order;
    [ThreadStatic] private static Stack<(Function Fn, bool Expanded)>? _stack;

    public static void Run(Tensor root, Tensor? gradient)
    {
        if (!root.RequiresGrad)
            throw new InvalidOperationException($"Backward: tensor {root.ShapeString} does not require grad (no input of the computation has RequiresGrad = true, or it ran under GradMode.NoGrad)");
        if (gradient is null)
        {
            if (root.Length != 1)
                throw new InvalidOperationException($"Backward: a gradient is needed for a non-scalar tensor of shape {root.ShapeString}");
            float v = root.Span[0];
            if (!float.IsFinite(v))
                throw new InvalidOperationException($"Backward: the loss is {v.ToString(System.Globalization.CultureInfo.InvariantCulture)} (produced by {root.GradFnName ?? "a leaf"}); refusing to propagate a non-finite value");
        }
        else if (!ShapeUtil.SameShape(gradient.ShapeArray, root.ShapeArray))
        {
            throw new ShapeException($"Backward: gradient shape {gradient.ShapeString} differs from tensor shape {root.ShapeString}");
        }

        if (root.GradFn is null)
        {
            if (gradient is null) Function.AccumulateLeaf(root, [1f]);
            else Function.AccumulateLeaf(root, gradient.Span);
            return;
        }

        var order = _order ??= new List<Function>(256);
        var stack = _stack ??= new Stack<(Function, bool)>(256);
        order.Clear();
        int stamp = Interlocked.Increment(ref _stamp);
        stack.Push((root.GradFn, false));
        while (stack.Count > 0)
        {
            var (fn, expanded) = stack.Pop();
            if (expanded) { order.Add(fn); continue; }
            if (fn.VisitStamp == stamp) continue;
            fn.VisitStamp = stamp;
            stack.Push((fn, true));
            foreach (var input in fn.Inputs)
                if (input.GradFn is { } child && child.VisitStamp != stamp) stack.Push((child, false));
        }

        var seed = gradient is null ? Tensor.Ones(root.ShapeToArray()) : gradient.Clone();
        root.GradFn.GradOutput = seed;
        using (GradMode.NoGrad())
        {
            for (int i = order.Count - 1; i >= 0; i--)
            {
                var fn = order[i];
                var g = fn.GradOutput;
                fn.GradOutput = null;
                if (g is null) continue;  // no path from the root reaches this node's output with a gradient
                if (OpProfiler.Current is { } profiler)
                {
                    long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                    fn.Backward(g);
                    profiler.Backward(fn.Name, System.Diagnostics.Stopwatch.GetTimestamp() - t0);
                }
                else fn.Backward(g);
            }
        }
        order.Clear();
    }
}
