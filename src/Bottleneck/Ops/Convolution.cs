using System.Numerics.Tensors;
using Bottleneck.Autograd;
using Bottleneck.Kernels;
using Bottleneck.Ops;

namespace Bottleneck.Tensors
{
    /// <summary>
    /// Zero padding of a convolution or pooling window on each side of the two spatial axes (1-D ops use only
    /// <see cref="Left"/> and <see cref="Right"/>). PyTorch's integer padding p is <c>new(p, p, p, p)</c>; <c>same</c> pads
    /// d·(k − 1) in total per axis, the smaller half first; causal 1-D padding is (d·(k − 1), 0).
    /// </summary>
    /// <param name="Top">Rows added above (≥ 0).</param>
    /// <param name="Bottom">Rows added below (≥ 0).</param>
    /// <param name="Left">Columns added on the left (≥ 0).</param>
    /// <param name="Right">Columns added on the right (≥ 0).</param>
    public readonly record struct Padding2d(int Top, int Bottom, int Left, int Right)
    {
        /// <summary>The same padding <paramref name="p"/> on every side (PyTorch's integer padding).</summary>
        public static Padding2d Symmetric(int p) => new(p, p, p, p);

        /// <summary>Padding <paramref name="ph"/> above and below, <paramref name="pw"/> left and right (PyTorch's (pH, pW)).</summary>
        public static Padding2d Symmetric(int ph, int pw) => new(ph, ph, pw, pw);

        /// <summary>
        /// PyTorch's <c>padding='same'</c> for stride 1: d·(k − 1) in total per axis, ⌊total/2⌋ before and the rest after, so the
        /// output has the input's size.
        /// </summary>
        public static Padding2d Same(int kernelH, int kernelW, int dilationH = 1, int dilationW = 1)
        {
            int th = dilationH * (kernelH - 1), tw = dilationW * (kernelW - 1);
            return new(th / 2, th - th / 2, tw / 2, tw - tw / 2);
        }

        /// <summary>Causal 1-D padding: d·(k − 1) on the left, none on the right, so output t sees inputs ≤ t only.</summary>
        public static Padding2d Causal(int kernelSize, int dilation = 1) => new(0, 0, dilation * (kernelSize - 1), 0);

        /// <summary>"(top, bottom, left, right)".</summary>
        public override string ToString() => $"({Top}, {Bottom}, {Left}, {Right})";
    }

    public sealed partial class Tensor
    {
        /// <summary>
        /// 2-D cross-correlation as PyTorch's <c>F.conv2d</c>: y[n, o, i, j] = b[o] + Σ_{c ∈ group(o), u, v}
        /// w[o, c, u, v] · x[n, g·C_in/G + c, i·s_H − p_top + u·d_H, j·s_W − p_left + v·d_W] (zeros outside the input), computed
        /// as im2col + one GEMM per group.
        /// </summary>
        /// <param name="x">Input (N, C_in, H, W).</param>
        /// <param name="weight">Kernel (C_out, C_in/groups, k_H, k_W).</param>
        /// <param name="bias">Bias (C_out), or null.</param>
        /// <param name="strideH">Vertical stride s_H ≥ 1 (default 1).</param>
        /// <param name="strideW">Horizontal stride s_W ≥ 1 (default 1).</param>
        /// <param name="padding">Zero padding per side (default none).</param>
        /// <param name="dilationH">Vertical dilation d_H ≥ 1 (default 1).</param>
        /// <param name="dilationW">Horizontal dilation d_W ≥ 1 (default 1).</param>
        /// <param name="groups">G ≥ 1, dividing C_in and C_out (default 1; G = C_in is depthwise).</param>
        /// <returns>Output (N, C_out, H_out, W_out) with H_out = ⌊(H + p_top + p_bottom − d_H·(k_H − 1) − 1)/s_H⌋ + 1, W_out alike.</returns>
        /// <exception cref="ShapeException">Ranks, channel counts, groups or bias do not fit, or the output would be empty.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A stride or dilation below 1, or a negative padding.</exception>
        public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias = null, int strideH = 1, int strideW = 1,
            Padding2d padding = default, int dilationH = 1, int dilationW = 1, int groups = 1)
        {
            if (x.Rank != 4) throw new ShapeException($"conv2d: input must be (N, C_in, H, W), got {x.ShapeString}");
            if (weight.Rank != 4) throw new ShapeException($"conv2d: weight must be (C_out, C_in/groups, kH, kW), got {weight.ShapeString}");
            var g = ConvGeometry.Forward("conv2d", x.ShapeArray[1], x.ShapeArray[2], x.ShapeArray[3], weight.ShapeArray[0], weight.ShapeArray[1],
                weight.ShapeArray[2], weight.ShapeArray[3], strideH, strideW, padding, dilationH, dilationW, groups, x.ShapeString, weight.ShapeString);
            ConvGeometry.CheckBias("conv2d", bias, g.OutChannels);
            return ConvKernels.ConvForward(x, weight, bias, g, [x.ShapeArray[0], g.OutChannels, g.HO, g.WO]);
        }

        /// <summary>
        /// 1-D cross-correlation as PyTorch's <c>F.conv1d</c>: y[n, o, t] = b[o] + Σ_{c, u} w[o, c, u] · x[n, c, t·s − p_left + u·d]
        /// (zeros outside); the 2-D kernel with H = 1.
        /// </summary>
        /// <param name="x">Input (N, C_in, L).</param>
        /// <param name="weight">Kernel (C_out, C_in/groups, k).</param>
        /// <param name="bias">Bias (C_out), or null.</param>
        /// <param name="stride">s ≥ 1 (default 1).</param>
        /// <param name="padding">Zero padding: only <see cref="Padding2d.Left"/> and <see cref="Padding2d.Right"/> are used; <see cref="Padding2d.Causal"/> for a causal convolution.</param>
        /// <param name="dilation">d ≥ 1 (default 1).</param>
        /// <param name="groups">G ≥ 1 dividing C_in and C_out (default 1).</param>
        /// <returns>Output (N, C_out, L_out), L_out = ⌊(L + p_left + p_right − d·(k − 1) − 1)/s⌋ + 1.</returns>
        /// <exception cref="ShapeException">Ranks, channel counts, groups or bias do not fit, or the output would be empty.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A stride or dilation below 1, or a negative padding.</exception>
        public static Tensor Conv1d(Tensor x, Tensor weight, Tensor? bias = null, int stride = 1, Padding2d padding = default, int dilation = 1, int groups = 1)
        {
            if (x.Rank != 3) throw new ShapeException($"conv1d: input must be (N, C_in, L), got {x.ShapeString}");
            if (weight.Rank != 3) throw new ShapeException($"conv1d: weight must be (C_out, C_in/groups, k), got {weight.ShapeString}");
            var g = ConvGeometry.Forward("conv1d", x.ShapeArray[1], 1, x.ShapeArray[2], weight.ShapeArray[0], weight.ShapeArray[1],
                1, weight.ShapeArray[2], 1, stride, padding with { Top = 0, Bottom = 0 }, 1, dilation, groups, x.ShapeString, weight.ShapeString);
            ConvGeometry.CheckBias("conv1d", bias, g.OutChannels);
            return ConvKernels.ConvForward(x, weight, bias, g, [x.ShapeArray[0], g.OutChannels, g.WO]);
        }

        /// <summary>
        /// 2-D transposed convolution as PyTorch's <c>F.conv_transpose2d</c> (the gradient of <see cref="Conv2d"/> with respect to
        /// its input): every input value x[n, c, i, j] adds x·w[c, o, u, v] to y[n, o, i·s_H − p_top + u·d_H, j·s_W − p_left + v·d_W];
        /// computed as one GEMM per group + col2im.
        /// </summary>
        /// <param name="x">Input (N, C_in, H, W).</param>
        /// <param name="weight">Kernel (C_in, C_out/groups, k_H, k_W) (PyTorch's layout for transposed convolutions).</param>
        /// <param name="bias">Bias (C_out), or null.</param>
        /// <param name="strideH">s_H ≥ 1 (default 1).</param>
        /// <param name="strideW">s_W ≥ 1 (default 1).</param>
        /// <param name="padding">Padding removed from each side of the full output (default none).</param>
        /// <param name="outputPaddingH">Rows added at the bottom, 0 ≤ op_H &lt; max(s_H, d_H) (default 0).</param>
        /// <param name="outputPaddingW">Columns added on the right, 0 ≤ op_W &lt; max(s_W, d_W) (default 0).</param>
        /// <param name="dilationH">d_H ≥ 1 (default 1).</param>
        /// <param name="dilationW">d_W ≥ 1 (default 1).</param>
        /// <param name="groups">G ≥ 1 dividing C_in and C_out (default 1).</param>
        /// <returns>Output (N, C_out, H_out, W_out), H_out = (H − 1)·s_H − p_top − p_bottom + d_H·(k_H − 1) + op_H + 1, W_out alike.</returns>
        /// <exception cref="ShapeException">Ranks, channel counts, groups or bias do not fit, or the output would be empty.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A stride or dilation below 1, a negative padding, or an output padding out of range.</exception>
        public static Tensor ConvTranspose2d(Tensor x, Tensor weight, Tensor? bias = null, int strideH = 1, int strideW = 1,
            Padding2d padding = default, int outputPaddingH = 0, int outputPaddingW = 0, int dilationH = 1, int dilationW = 1, int groups = 1)
        {
            if (x.Rank != 4) throw new ShapeException($"conv_transpose2d: input must be (N, C_in, H, W), got {x.ShapeString}");
            if (weight.Rank != 4) throw new ShapeException($"conv_transpose2d: weight must be (C_in, C_out/groups, kH, kW), got {weight.ShapeString}");
            var g = ConvGeometry.Transposed("conv_transpose2d", x.ShapeArray[1], x.ShapeArray[2], x.ShapeArray[3], weight.ShapeArray[0], weight.ShapeArray[1],
                weight.ShapeArray[2], weight.ShapeArray[3], strideH, strideW, padding, outputPaddingH, outputPaddingW, dilationH, dilationW, groups,
                x.ShapeString, weight.ShapeString);
            ConvGeometry.CheckBias("conv_transpose2d", bias, g.C);
            return ConvKernels.TransposedForward(x, weight, bias, g, [x.ShapeArray[0], g.C, g.H, g.W]);
        }

        /// <summary>
        /// 1-D transposed convolution as PyTorch's <c>F.conv_transpose1d</c>: <see cref="ConvTranspose2d"/> with H = 1.
        /// </summary>
        /// <param name="x">Input (N, C_in, L).</param>
        /// <param name="weight">Kernel (C_in, C_out/groups, k).</param>
        /// <param name="bias">Bias (C_out), or null.</param>
        /// <param name="stride">s ≥ 1 (default 1).</param>
        /// <param name="padding">Padding removed from the full output: <see cref="Padding2d.Left"/> and <see cref="Padding2d.Right"/> only.</param>
        /// <param name="outputPadding">Values added at the end, 0 ≤ op &lt; max(s, d) (default 0).</param>
        /// <param name="dilation">d ≥ 1 (default 1).</param>
        /// <param name="groups">G ≥ 1 (default 1).</param>
        /// <returns>Output (N, C_out, L_out), L_out = (L − 1)·s − p_left − p_right + d·(k − 1) + op + 1.</returns>
        /// <exception cref="ShapeException">Ranks, channel counts, groups or bias do not fit, or the output would be empty.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A stride or dilation below 1, a negative padding, or an output padding out of range.</exception>
        public static Tensor ConvTranspose1d(Tensor x, Tensor weight, Tensor? bias = null, int stride = 1, Padding2d padding = default,
            int outputPadding = 0, int dilation = 1, int groups = 1)
        {
            if (x.Rank != 3) throw new ShapeException($"conv_transpose1d: input must be (N, C_in, L), got {x.ShapeString}");
            if (weight.Rank != 3) throw new ShapeException($"conv_transpose1d: weight must be (C_in, C_out/groups, k), got {weight.ShapeString}");
            var g = ConvGeometry.Transposed("conv_transpose1d", x.ShapeArray[1], 1, x.ShapeArray[2], weight.ShapeArray[0], weight.ShapeArray[1],
                1, weight.ShapeArray[2], 1, stride, padding with { Top = 0, Bottom = 0 }, 0, outputPadding, 1, dilation, groups, x.ShapeString, weight.ShapeString);
            ConvGeometry.CheckBias("conv_transpose1d", bias, g.C);
            return ConvKernels.TransposedForward(x, weight, bias, g, [x.ShapeArray[0], g.C, g.W]);
        }
    }
}

namespace Bottleneck.Ops
{
    using Bottleneck.Tensors;

    /// <summary>
    /// The sliding-window geometry of a convolution, seen from its "image" side: an image (C, H, W) read by windows of
    /// k_H × k_W with stride, padding and dilation onto an output grid (HO, WO). For a convolution the image is the input;
    /// for a transposed convolution it is the output (whose gradient is the convolution of the input's gradient).
    /// </summary>
    internal readonly record struct ConvGeometry(int C, int H, int W, int KH, int KW, int SH, int SW, int PT, int PL, int DH, int DW,
        int HO, int WO, int OutChannels, int Groups)
    {
        /// <summary>Rows of the im2col matrix per group: (C/G)·k_H·k_W.</summary>
        public int KPerGroup => C / Groups * KH * KW;

        /// <summary>Output grid size HO·WO.</summary>
        public int GridSize => HO * WO;

        private static void CheckWindow(string op, int strideH, int strideW, Padding2d p, int dilationH, int dilationW)
        {
            if (strideH < 1 || strideW < 1) throw new ArgumentOutOfRangeException("stride", $"{op}: stride must be ≥ 1, got {(strideH < 1 ? strideH : strideW)}");
            if (dilationH < 1 || dilationW < 1) throw new ArgumentOutOfRangeException("dilation", $"{op}: dilation must be ≥ 1, got {(dilationH < 1 ? dilationH : dilationW)}");
            if (p.Top < 0 || p.Bottom < 0 || p.Left < 0 || p.Right < 0) throw new ArgumentOutOfRangeException("padding", $"{op}: padding must be ≥ 0, got {p}");
        }

        public static ConvGeometry Forward(string op, int cin, int h, int w, int cout, int cinPerGroup, int kh, int kw, int sh, int sw,
            Padding2d p, int dh, int dw, int groups, string xs, string ws)
        {
            CheckWindow(op, sh, sw, p, dh, dw);
            if (groups < 1) throw new ArgumentOutOfRangeException(nameof(groups), $"{op}: groups must be ≥ 1, got {groups}");
            if (cin % groups != 0 || cout % groups != 0)
                throw new ShapeException($"{op}: groups {groups} must divide C_in {cin} and C_out {cout} (input {xs}, weight {ws})");
            if (cinPerGroup * groups != cin)
                throw new ShapeException($"{op}: input {xs} has {cin} channels, weight {ws} expects {cinPerGroup * groups} (C_in/groups = {cinPerGroup}, groups {groups})");
            if (kh < 1 || kw < 1) throw new ShapeException($"{op}: empty kernel in weight {ws}");
            int ho = (h + p.Top + p.Bottom - dh * (kh - 1) - 1) / sh + 1;
            int wo = (w + p.Left + p.Right - dw * (kw - 1) - 1) / sw + 1;
            if (h + p.Top + p.Bottom - dh * (kh - 1) - 1 < 0 || w + p.Left + p.Right - dw * (kw - 1) - 1 < 0)
                throw new ShapeException($"{op}: input {xs} padded by {p} is smaller than the dilated kernel of weight {ws}");
            return new(cin, h, w, kh, kw, sh, sw, p.Top, p.Left, dh, dw, ho, wo, cout, groups);
        }

        /// <summary>For a transposed convolution: C, H, W describe the output (the image side), HO, WO the input grid, OutChannels = C_in.</summary>
        public static ConvGeometry Transposed(string op, int cin, int h, int w, int weightIn, int coutPerGroup, int kh, int kw, int sh, int sw,
            Padding2d p, int oph, int opw, int dh, int dw, int groups, string xs, string ws)
        {
            CheckWindow(op, sh, sw, p, dh, dw);
            if (groups < 1) throw new ArgumentOutOfRangeException(nameof(groups), $"{op}: groups must be ≥ 1, got {groups}");
            if (weightIn != cin)
                throw new ShapeException($"{op}: input {xs} has {cin} channels, weight {ws} expects {weightIn}");
            if (cin % groups != 0) throw new ShapeException($"{op}: groups {groups} must divide C_in {cin} (weight {ws})");
            if (oph < 0 || opw < 0 || oph >= Math.Max(sh, dh) || opw >= Math.Max(sw, dw))
                throw new ArgumentOutOfRangeException("outputPadding", $"{op}: output padding must be ≥ 0 and smaller than the stride or the dilation, got {(oph < 0 || oph >= Math.Max(sh, dh) ? oph : opw)}");
            if (kh < 1 || kw < 1 || coutPerGroup < 1) throw new ShapeException($"{op}: empty kernel in weight {ws}");
            int ho = (h - 1) * sh - p.Top - p.Bottom + dh * (kh - 1) + oph + 1;
            int wo = (w - 1) * sw - p.Left - p.Right + dw * (kw - 1) + opw + 1;
            if (ho < 1 || wo < 1) throw new ShapeException($"{op}: input {xs} with weight {ws} and padding {p} gives an empty output ({ho} × {wo})");
            return new(coutPerGroup * groups, ho, wo, kh, kw, sh, sw, p.Top, p.Left, dh, dw, h, w, cin, groups);
        }

        public static void CheckBias(string op, Tensor? bias, int channels)
        {
            if (bias != null && (bias.Rank != 1 || bias.ShapeArray[0] != channels))
                throw new ShapeException($"{op}: bias {bias.ShapeString} must have shape ({channels},)");
        }
    }

    /// <summary>
    /// Convolution kernels on the batched im2col layout: the column matrix has one row per (channel, kernel row, kernel
    /// column) and one column per (sample, output position), so each group is a single GEMM over the whole batch. The GEMM
    /// result (C_out, N·HO·WO) is then scattered to NCHW with the bias added. Scratch buffers are tensors (pooled inside a
    /// <see cref="TensorScope"/>, so training steps reuse them).
    /// </summary>
    internal static unsafe class ConvKernels
    {
        /// <summary>Time spent in each phase since the last <see cref="ResetProfile"/>, in Stopwatch ticks (bench conv).</summary>
        internal static long Im2ColTicks, GemmTicks, Col2ImTicks, LayoutTicks;

        /// <summary>Whether the phase timers run (off by default; the bench turns them on).</summary>
        internal static bool Profile;

        internal static void ResetProfile() => Im2ColTicks = GemmTicks = Col2ImTicks = LayoutTicks = 0;

        private static long Now() => Profile ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;

        /// <summary>col[(c·KH + u)·KW + v, n·HO·WO + i·WO + j] = image[n, c, i·SH − PT + u·DH, j·SW − PL + v·DW] (0 outside).</summary>
        public static void Im2Col(float* img, int n, in ConvGeometry g, float* col)
        {
            long t0 = Now();
            int rows = g.C * g.KH * g.KW;
            long L = (long)n * g.HO * g.WO;
            var geo = g;
            nint pi = (nint)img, pc = (nint)col;
            if (rows * (long)L >= 1 << 16 && rows >= 2 && Gemm.Threads > 1)
                Parallel.For(0, 2, part => Im2ColRows((float*)pi, n, geo, (float*)pc, part * rows / 2, (part + 1) * rows / 2));
            else Im2ColRows(img, n, g, col, 0, rows);
            if (Profile) Im2ColTicks += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
        }

        private static void Im2ColRows(float* img, int n, in ConvGeometry g, float* col, int r0, int r1)
        {
            int hw = g.HO * g.WO, L = n * hw, planeSize = g.H * g.W;
            for (int r = r0; r < r1; r++)
            {
                int v = r % g.KW, u = r / g.KW % g.KH, c = r / (g.KW * g.KH);
                float* row = col + (long)r * L;
                int xOff = v * g.DW - g.PL;
                // valid output columns j: 0 ≤ j·SW + xOff < W
                int j0 = xOff >= 0 ? 0 : (-xOff + g.SW - 1) / g.SW;
                int j1 = g.W - xOff <= 0 ? 0 : Math.Min(g.WO, (g.W - xOff - 1) / g.SW + 1);
                if (j1 < j0) j1 = j0;
                for (int s = 0; s < n; s++)
                {
                    float* src = img + ((long)s * g.C + c) * planeSize;
                    float* dst = row + (long)s * hw;
                    for (int i = 0; i < g.HO; i++)
                    {
                        int y = i * g.SH - g.PT + u * g.DH;
                        float* d = dst + i * g.WO;
                        if ((uint)y >= (uint)g.H) { new Span<float>(d, g.WO).Clear(); continue; }
                        if (j0 > 0) new Span<float>(d, j0).Clear();
                        float* srow = src + y * g.W + xOff;
                        if (g.SW == 1) new ReadOnlySpan<float>(srow + j0, j1 - j0).CopyTo(new Span<float>(d + j0, j1 - j0));
                        else for (int j = j0; j < j1; j++) d[j] = srow[j * g.SW];
                        if (j1 < g.WO) new Span<float>(d + j1, g.WO - j1).Clear();
                    }
                }
            }
        }

        /// <summary>The adjoint of <see cref="Im2Col"/>: image[…] = Σ of the col entries that read it (image is overwritten).</summary>
        public static void Col2Im(float* col, int n, in ConvGeometry g, float* img)
        {
            long t0 = Now();
            var geo = g;
            nint pc = (nint)col, pi = (nint)img;
            // Rows of one channel write only that channel's planes, so channels split cleanly between workers.
            if ((long)g.C * g.KH * g.KW * n * g.HO * g.WO >= 1 << 16 && g.C >= 2 && Gemm.Threads > 1)
                Parallel.For(0, 2, part => Col2ImChannels((float*)pc, n, geo, (float*)pi, part * geo.C / 2, (part + 1) * geo.C / 2));
            else Col2ImChannels(col, n, g, img, 0, g.C);
            if (Profile) Col2ImTicks += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
        }

        private static void Col2ImChannels(float* col, int n, in ConvGeometry g, float* img, int c0, int c1)
        {
            int hw = g.HO * g.WO, L = n * hw, planeSize = g.H * g.W;
            for (int s = 0; s < n; s++)
                for (int c = c0; c < c1; c++) new Span<float>(img + ((long)s * g.C + c) * planeSize, planeSize).Clear();
            for (int c = c0; c < c1; c++)
                for (int u = 0; u < g.KH; u++)
                    for (int v = 0; v < g.KW; v++)
                    {
                        float* row = col + (long)((c * g.KH + u) * g.KW + v) * L;
                        int xOff = v * g.DW - g.PL;
                        int j0 = xOff >= 0 ? 0 : (-xOff + g.SW - 1) / g.SW;
                        int j1 = g.W - xOff <= 0 ? 0 : Math.Min(g.WO, (g.W - xOff - 1) / g.SW + 1);
                        if (j1 <= j0) continue;
                        for (int s = 0; s < n; s++)
                        {
                            float* dstPlane = img + ((long)s * g.C + c) * planeSize;
                            float* src = row + (long)s * hw;
                            for (int i = 0; i < g.HO; i++)
                            {
                                int y = i * g.SH - g.PT + u * g.DH;
                                if ((uint)y >= (uint)g.H) continue;
                                float* drow = dstPlane + y * g.W + xOff;
                                float* srow = src + i * g.WO;
                                if (g.SW == 1)
                                    TensorPrimitives.Add(new ReadOnlySpan<float>(drow + j0, j1 - j0), new ReadOnlySpan<float>(srow + j0, j1 - j0), new Span<float>(drow + j0, j1 - j0));
                                else for (int j = j0; j < j1; j++) drow[j * g.SW] += srow[j];
                            }
                        }
                    }
        }

        /// <summary>(N, C, P) → (C, N·P): channel-major rows over the whole batch.</summary>
        public static void ToChannelMajor(float* src, int n, int c, int p, float* dst)
        {
            long t0 = Now();
            for (int s = 0; s < n; s++)
                for (int ch = 0; ch < c; ch++)
                    Buffer.MemoryCopy(src + ((long)s * c + ch) * p, dst + ((long)ch * n + s) * p, p * 4L, p * 4L);
            if (Profile) LayoutTicks += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
        }

        /// <summary>(C, N·P) → (N, C, P), adding bias[c] when given.</summary>
        public static void FromChannelMajor(float* src, int n, int c, int p, float* bias, float* dst)
        {
            long t0 = Now();
            for (int s = 0; s < n; s++)
                for (int ch = 0; ch < c; ch++)
                {
                    var from = new ReadOnlySpan<float>(src + ((long)ch * n + s) * p, p);
                    var to = new Span<float>(dst + ((long)s * c + ch) * p, p);
                    if (bias != null) TensorPrimitives.Add(from, bias[ch], to);
                    else from.CopyTo(to);
                }
            if (Profile) LayoutTicks += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
        }

        /// <summary>db[c] += Σ_{n, p} g[n, c, p].</summary>
        public static void BiasGrad(ReadOnlySpan<float> g, int n, int c, int p, Span<float> db)
        {
            for (int s = 0; s < n; s++)
                for (int ch = 0; ch < c; ch++) db[ch] += TensorPrimitives.Sum(g.Slice((s * c + ch) * p, p));
        }

        public static void Sgemm(bool ta, bool tb, int m, int nn, int k, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
        {
            long t0 = Now();
            Gemm.Provider.Sgemm(ta, tb, m, nn, k, 1f, a, lda, b, ldb, beta, c, ldc);
            if (Profile) GemmTicks += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
        }

        public static Tensor ConvForward(Tensor x, Tensor w, Tensor? b, ConvGeometry g, int[] outShape)
        {
            if (DepthwiseKernels.Applies(g)) return DepthwiseKernels.Forward(x, w, b, g, outShape);
            int n = x.ShapeArray[0], L = n * g.GridSize, K = g.KPerGroup, coutG = g.OutChannels / g.Groups;
            var col = Tensor.Empty([g.C * g.KH * g.KW, L]);
            var tmp = Tensor.Empty([g.OutChannels, L]);
            var o = Tensor.Empty(outShape);
            fixed (float* px = x.Span, pw = w.Span, pcol = col.Span, ptmp = tmp.Span, po = o.Span)
            fixed (float* pb = b is null ? default : b.Span)
            {
                Im2Col(px, n, g, pcol);
                for (int gi = 0; gi < g.Groups; gi++)
                    Sgemm(false, false, coutG, L, K, pw + (long)gi * coutG * K, K, pcol + (long)gi * K * L, L, 0f, ptmp + (long)gi * coutG * L, L);
                FromChannelMajor(ptmp, n, g.OutChannels, g.GridSize, b is null ? null : pb, po);
            }
            bool needs = GradMode.IsEnabled && (x.RequiresGrad || w.RequiresGrad || (b?.RequiresGrad ?? false));
            if (!needs) return o;
            var fn = new ConvFn(g, n, w.RequiresGrad ? col : null);
            return b is null ? Function.Record(fn, o, x, w) : Function.Record(fn, o, x, w, b);
        }

        public static Tensor TransposedForward(Tensor x, Tensor w, Tensor? b, ConvGeometry g, int[] outShape)
        {
            // Image side = the output (C, H, W); grid = the input (HO, WO); OutChannels = C_in.
            int n = x.ShapeArray[0], L = n * g.GridSize, K = g.KPerGroup, cinG = g.OutChannels / g.Groups;
            var xT = Tensor.Empty([g.OutChannels, L]);
            var col = Tensor.Empty([g.C * g.KH * g.KW, L]);
            var o = Tensor.Empty(outShape);
            fixed (float* px = x.Span, pw = w.Span, pxT = xT.Span, pcol = col.Span, po = o.Span)
            {
                ToChannelMajor(px, n, g.OutChannels, g.GridSize, pxT);
                // colY_g (K, L) = W_gᵀ (K × C_in/G) · xT_g (C_in/G × L), W_g stored (C_in/G, K)
                for (int gi = 0; gi < g.Groups; gi++)
                    Sgemm(true, false, K, L, cinG, pw + (long)gi * cinG * K, K, pxT + (long)gi * cinG * L, L, 0f, pcol + (long)gi * K * L, L);
                Col2Im(pcol, n, g, po);
            }
            if (b != null)
            {
                var os = o.Span; var bs = b.Span;
                int plane = g.H * g.W;
                for (int s = 0; s < n; s++)
                    for (int c = 0; c < g.C; c++)
                    {
                        var p = os.Slice((s * g.C + c) * plane, plane);
                        TensorPrimitives.Add(p, bs[c], p);
                    }
            }
            bool needs = GradMode.IsEnabled && (x.RequiresGrad || w.RequiresGrad || (b?.RequiresGrad ?? false));
            if (!needs) return o;
            var fn = new ConvTransposeFn(g, n, w.RequiresGrad ? xT : null);
            return b is null ? Function.Record(fn, o, x, w) : Function.Record(fn, o, x, w, b);
        }
    }

    /// <summary>Backward of <see cref="Tensor.Conv2d"/>/<see cref="Tensor.Conv1d"/>: ∂x = col2im(Wᵀ·∂Y), ∂W = ∂Y·colᵀ, ∂b = Σ ∂Y.</summary>
    internal sealed class ConvFn(ConvGeometry g, int n, Tensor? col) : Function
    {
        public override string Name => "conv";

        protected internal override unsafe void Backward(Tensor grad)
        {
            Tensor x = Inputs[0], w = Inputs[1];
            int L = n * g.GridSize, K = g.KPerGroup, coutG = g.OutChannels / g.Groups;
            if (Inputs.Length > 2 && Inputs[2].RequiresGrad)
            {
                var bias = Inputs[2];
                var target = LeafGradTarget(bias);
                var db = target ?? Tensor.Zeros(g.OutChannels);
                ConvKernels.BiasGrad(grad.Span, n, g.OutChannels, g.GridSize, db.Span);
                if (target is null) Accumulate(bias, db, true);
            }
            if (!x.RequiresGrad && !w.RequiresGrad) return;
            var gT = Tensor.Empty([g.OutChannels, L]);
            fixed (float* pg = grad.Span, pgT = gT.Span, pw = w.Span)
            {
                ConvKernels.ToChannelMajor(pg, n, g.OutChannels, g.GridSize, pgT);
                if (w.RequiresGrad)
                {
                    var target = LeafGradTarget(w);
                    var dw = target ?? Tensor.Empty(w.ShapeToArray());
                    fixed (float* pcol = col!.Span, pdw = dw.Span)
                        for (int gi = 0; gi < g.Groups; gi++)
                            ConvKernels.Sgemm(false, true, coutG, K, L, pgT + (long)gi * coutG * L, L, pcol + (long)gi * K * L, L,
                                target is null ? 0f : 1f, pdw + (long)gi * coutG * K, K);
                    if (target is null) Accumulate(w, dw, true);
                }
                if (x.RequiresGrad)
                {
                    var dcol = Tensor.Empty([g.C * g.KH * g.KW, L]);
                    var dx = Tensor.Empty(x.ShapeToArray());
                    fixed (float* pdcol = dcol.Span, pdx = dx.Span)
                    {
                        for (int gi = 0; gi < g.Groups; gi++)
                            ConvKernels.Sgemm(true, false, K, L, coutG, pw + (long)gi * coutG * K, K, pgT + (long)gi * coutG * L, L, 0f, pdcol + (long)gi * K * L, L);
                        ConvKernels.Col2Im(pdcol, n, g, pdx);
                    }
                    Accumulate(x, dx, true);
                }
            }
        }
    }

    /// <summary>Backward of the transposed convolutions: ∂x = W·im2col(∂Y), ∂W = x·im2col(∂Y)ᵀ, ∂b = Σ ∂Y.</summary>
    internal sealed class ConvTransposeFn(ConvGeometry g, int n, Tensor? xT) : Function
    {
        public override string Name => "conv_transpose";

        protected internal override unsafe void Backward(Tensor grad)
        {
            Tensor x = Inputs[0], w = Inputs[1];
            int L = n * g.GridSize, K = g.KPerGroup, cinG = g.OutChannels / g.Groups;
            if (Inputs.Length > 2 && Inputs[2].RequiresGrad)
            {
                var bias = Inputs[2];
                var target = LeafGradTarget(bias);
                var db = target ?? Tensor.Zeros(g.C);
                ConvKernels.BiasGrad(grad.Span, n, g.C, g.H * g.W, db.Span);
                if (target is null) Accumulate(bias, db, true);
            }
            if (!x.RequiresGrad && !w.RequiresGrad) return;
            var col = Tensor.Empty([g.C * g.KH * g.KW, L]);
            fixed (float* pg = grad.Span, pcol = col.Span, pw = w.Span)
            {
                ConvKernels.Im2Col(pg, n, g, pcol);
                if (w.RequiresGrad)
                {
                    var target = LeafGradTarget(w);
                    var dw = target ?? Tensor.Empty(w.ShapeToArray());
                    fixed (float* pxT = xT!.Span, pdw = dw.Span)
                        for (int gi = 0; gi < g.Groups; gi++)
                            ConvKernels.Sgemm(false, true, cinG, K, L, pxT + (long)gi * cinG * L, L, pcol + (long)gi * K * L, L,
                                target is null ? 0f : 1f, pdw + (long)gi * cinG * K, K);
                    if (target is null) Accumulate(w, dw, true);
                }
                if (x.RequiresGrad)
                {
                    var dxT = Tensor.Empty([g.OutChannels, L]);
                    var dx = Tensor.Empty(x.ShapeToArray());
                    fixed (float* pdxT = dxT.Span, pdx = dx.Span)
                    {
                        for (int gi = 0; gi < g.Groups; gi++)
                            ConvKernels.Sgemm(false, false, cinG, L, K, pw + (long)gi * cinG * K, K, pcol + (long)gi * K * L, L, 0f, pdxT + (long)gi * cinG * L, L);
                        ConvKernels.FromChannelMajor(pdxT, n, g.OutChannels, g.GridSize, null, pdx);
                    }
                    Accumulate(x, dx, true);
                }
            }
        }
    }
}
