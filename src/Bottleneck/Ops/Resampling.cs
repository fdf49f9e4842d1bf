using Bottleneck.Autograd;
using Bottleneck.Ops;

namespace Bottleneck.Tensors
{
    /// <summary>Interpolation of <see cref="Tensor.Upsample2d"/> (PyTorch's <c>mode</c>).</summary>
    public enum UpsampleMode
    {
        /// <summary>Nearest neighbour: source index ⌊dst·in/out⌋ (PyTorch's <c>nearest</c>).</summary>
        Nearest,
        /// <summary>Bilinear interpolation of the four nearest input values (PyTorch's <c>bilinear</c>).</summary>
        Bilinear,
    }

    public sealed partial class Tensor
    {
        /// <summary>
        /// Resizes the spatial axes as PyTorch's <c>F.interpolate</c> with mode nearest or bilinear. Bilinear with
        /// <paramref name="alignCorners"/> false (PyTorch's default) samples at src = (dst + ½)·in/out − ½ clamped at 0; with true at
        /// src = dst·(in − 1)/(out − 1).
        /// </summary>
        /// <param name="x">Input (N, C, H, W).</param>
        /// <param name="outputH">H_out ≥ 1 (for a scale factor s, H_out = ⌊H·s⌋).</param>
        /// <param name="outputW">W_out ≥ 1.</param>
        /// <param name="mode">Nearest or bilinear.</param>
        /// <param name="alignCorners">Bilinear only: map the corner pixels' centres onto each other (default false).</param>
        /// <returns>Output (N, C, H_out, W_out).</returns>
        /// <exception cref="ShapeException">x is not 4-D.</exception>
        /// <exception cref="ArgumentOutOfRangeException">An output size below 1.</exception>
        public static Tensor Upsample2d(Tensor x, int outputH, int outputW, UpsampleMode mode, bool alignCorners = false)
        {
            if (x.Rank != 4) throw new ShapeException($"upsample: input must be (N, C, H, W), got {x.ShapeString}");
            if (outputH < 1 || outputW < 1) throw new ArgumentOutOfRangeException("size", $"upsample: output size must be ≥ 1, got {outputH} × {outputW}");
            int n = x.ShapeArray[0], c = x.ShapeArray[1], h = x.ShapeArray[2], w = x.ShapeArray[3];
            var ay = ResizeTaps.For(h, outputH, mode, alignCorners);
            var ax = ResizeTaps.For(w, outputW, mode, alignCorners);
            var o = Empty([n, c, outputH, outputW]);
            ResizeTaps.Forward(x.Span, n * c, h, w, ay, ax, o.Span);
            return Function.Needs(x) ? Function.Record(new ResizeFn(n * c, h, w, ay, ax), o, x) : o;
        }
    }
}
