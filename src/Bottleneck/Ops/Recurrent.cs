using System.Numerics.Tensors;
using Bottleneck.Autograd;
using Bottleneck.Kernels;
using Bottleneck.Ops;

namespace Bottleneck.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// One direction of one LSTM layer (Hochreiter &amp; Schmidhuber, 1997), fused, with PyTorch's gate order (i, f, g, o):
        /// gates = x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh; i, f, o = σ(·), g = tanh(·); c_t = f⊙c_{t−1} + i⊙g; h_t = o⊙tanh(c_t).
        /// The input projection of all time steps is one GEMM, the recurrent part one GEMM per step, the gates one vectorised pass
        /// per step over preallocated buffers; backpropagation through time is a loop (no recursion, no per-step allocation).
        /// </summary>
        /// <param name="input">x, shape (N, T, I) (batch first).</param>
        /// <param name="weightIh">W_ih = [W_ii; W_if; W_ig; W_io], shape (4H, I).</param>
        /// <param name="weightHh">W_hh, shape (4H, H).</param>
        /// <param name="biasIh">b_ih, shape (4H), or null (no biases; then <paramref name="biasHh"/> must be null too).</param>
        /// <param name="biasHh">b_hh, shape (4H), or null.</param>
        /// <param name="h0">Initial hidden state h_0, shape (N, H).</param>
        /// <param name="c0">Initial cell state c_0, shape (N, H).</param>
        /// <param name="reverse">Run from t = T−1 down to 0 (the reverse direction of a bidirectional layer); the output stays
        /// aligned with the input's time axis. Default false.</param>
        /// <returns>Output: h_t for every t, shape (N, T, H); CellState: the last cell state (c_T, or c_0 of the reverse run), shape (N, H).</returns>
        /// <remarks>Shape legend: N batch, T time steps, I input features, H hidden size.</remarks>
        /// <exception cref="ShapeException">A shape does not fit the others (the message shows both).</exception>
        public static (Tensor Output, Tensor CellState) LstmDirection(Tensor input, Tensor weightIh, Tensor weightHh, Tensor? biasIh,
            Tensor? biasHh, Tensor h0, Tensor c0, bool reverse = false)
        {
            var (n, t, i, h) = RecurrentKernels.CheckShapes("lstm", 4, input, weightIh, weightHh, biasIh, biasHh, h0);
            if (!ShapeUtil.SameShape(c0.ShapeArray, h0.ShapeArray))
                throw new ShapeException($"lstm: c0 {c0.ShapeString} must have h0's shape {h0.ShapeString}");
            var y = Empty([n, t, h]);
            var gates = Empty([n, t, 4 * h]);
            var cells = Empty([n, t, h]);
            var tanhCells = Empty([n, t, h]);
            RecurrentKernels.InputProjection(input, weightIh, biasIh, biasHh, gates, n * t, i, 4 * h);
            RecurrentKernels.LstmForward(weightHh, h0, c0, y, gates, cells, tanhCells, n, t, h, reverse);
            var cN = Empty([n, h]);
            int last = reverse ? 0 : t - 1;
            for (int b = 0; b < n; b++) cells.Span.Slice((b * t + last) * h, h).CopyTo(cN.Span.Slice(b * h, h));
            bool needs = GradMode.IsEnabled && (input.RequiresGrad || weightIh.RequiresGrad || weightHh.RequiresGrad ||
                (biasIh?.RequiresGrad ?? false) || (biasHh?.RequiresGrad ?? false) || h0.RequiresGrad || c0.RequiresGrad);
            if (!needs) return (y, cN);
            var fn = new LstmFn(n, t, i, h, reverse, biasIh != null, gates, cells, tanhCells) { Output = y };
            Function.Record(fn, y, biasIh != null ? [input, weightIh, weightHh, biasIh, biasHh!, h0, c0] : [input, weightIh, weightHh, h0, c0]);
            Function.Record(new LstmCellStateFn(fn), cN, y);
            return (y, cN);
        }

        /// <summary>
        /// One direction of one GRU layer (Cho et al., 2014), fused, with PyTorch's gate order (r, z, n):
        /// r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz), n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn)),
        /// h_t = (1 − z)⊙n + z⊙h_{t−1}. One GEMM for the input projection of all steps, one per step for the recurrent part,
        /// the gates in one vectorised pass; backpropagation through time is a loop over preallocated buffers.
        /// </summary>
        /// <param name="input">x, shape (N, T, I) (batch first).</param>
        /// <param name="weightIh">W_ih = [W_ir; W_iz; W_in], shape (3H, I).</param>
        /// <param name="weightHh">W_hh = [W_hr; W_hz; W_hn], shape (3H, H).</param>
        /// <param name="biasIh">b_ih, shape (3H), or null (no biases; then <paramref name="biasHh"/> must be null too).</param>
        /// <param name="biasHh">b_hh, shape (3H), or null.</param>
        /// <param name="h0">Initial hidden state h_0, shape (N, H).</param>
        /// <param name="reverse">Run from t = T−1 down to 0; the output stays aligned with the input's time axis. Default false.</param>
        /// <returns>h_t for every t, shape (N, T, H).</returns>
        /// <remarks>Shape legend: N batch, T time steps, I input features, H hidden size.</remarks>
        /// <exception cref="ShapeException">A shape does not fit the others (the message shows both).</exception>
        public static Tensor GruDirection(Tensor input, Tensor weightIh, Tensor weightHh, Tensor? biasIh, Tensor? biasHh, Tensor h0,
            bool reverse = false)
        {
            var (n, t, i, h) = RecurrentKernels.CheckShapes("gru", 3, input, weightIh, weightHh, biasIh, biasHh, h0);
            var y = Empty([n, t, h]);
            var gates = Empty([n, t, 3 * h]);
            var hiddenN = Empty([n, t, h]);
            var scratch = Empty([n, 3 * h]);
            RecurrentKernels.InputProjection(input, weightIh, biasIh, null, gates, n * t, i, 3 * h);
            RecurrentKernels.GruForward(weightHh, biasHh, h0, y, gates, hiddenN, scratch, n, t, h, reverse);
            bool needs = GradMode.IsEnabled && (input.RequiresGrad || weightIh.RequiresGrad || weightHh.RequiresGrad ||
                (biasIh?.RequiresGrad ?? false) || (biasHh?.RequiresGrad ?? false) || h0.RequiresGrad);
            if (!needs) return y;
            var fn = new GruFn(n, t, i, h, reverse, biasIh != null, gates, hiddenN) { Output = y };
            return Function.Record(fn, y, biasIh != null ? [input, weightIh, weightHh, biasIh, biasHh!, h0] : [input, weightIh, weightHh, h0]);
        }
    }
}

namespace Bottleneck.Ops
{
    using Bottleneck.Tensors;

    internal static unsafe class RecurrentKernels
    {
        public static (int N, int T, int I, int H) CheckShapes(string op, int gateCount, Tensor x, Tensor wIh, Tensor wHh, Tensor? bIh, Tensor? bHh, Tensor h0)
        {
            if (x.Rank != 3) throw new ShapeException($"{op}: input must be (N, T, I), got {x.ShapeString}");
            int n = x.ShapeArray[0], t = x.ShapeArray[1], i = x.ShapeArray[2];
            if (t < 1) throw new ShapeException($"{op}: input {x.ShapeString} has no time steps");
            if (wHh.Rank != 2 || wHh.ShapeArray[0] % gateCount != 0 || wHh.ShapeArray[0] / gateCount != wHh.ShapeArray[1])
                throw new ShapeException($"{op}: weight_hh must be ({gateCount}H, H), got {wHh.ShapeString}");
            int h = wHh.ShapeArray[1];
            if (wIh.Rank != 2 || wIh.ShapeArray[0] != gateCount * h || wIh.ShapeArray[1] != i)
                throw new ShapeException($"{op}: weight_ih must be ({gateCount * h}, {i}) for input {x.ShapeString} and weight_hh {wHh.ShapeString}, got {wIh.ShapeString}");
            if ((bIh is null) != (bHh is null))
                throw new ShapeException($"{op}: give both biases or neither");
            foreach (var b in new[] { bIh, bHh })
                if (b != null && (b.Rank != 1 || b.ShapeArray[0] != gateCount * h))
                    throw new ShapeException($"{op}: bias {b.ShapeString} must have shape ({gateCount * h},)");
            if (h0.Rank != 2 || h0.ShapeArray[0] != n || h0.ShapeArray[1] != h)
                throw new ShapeException($"{op}: initial state {h0.ShapeString} must have shape ({n}, {h})");
            return (n, t, i, h);
        }

        /// <summary>G = X·W_ihᵀ + b1 + b2 for all N·T rows in one GEMM.</summary>
        public static void InputProjection(Tensor x, Tensor wIh, Tensor? b1, Tensor? b2, Tensor g, int rows, int inF, int outF)
        {
            var gs = g.Span;
            float beta = 0f;
            if (b1 != null)
            {
                var row = gs[..outF];
                b1.Span.CopyTo(row);
                if (b2 != null) TensorPrimitives.Add(row, b2.Span, row);
                for (int r = 1; r < rows; r++) row.CopyTo(gs.Slice(r * outF, outF));
                beta = 1f;
            }
            fixed (float* px = x.Span, pw = wIh.Span, pg = gs)
                Gemm.Provider.Sgemm(false, true, rows, outF, inF, 1f, px, inF, pw, inF, beta, pg, outF);
        }

        public static void LstmForward(Tensor wHh, Tensor h0, Tensor c0, Tensor y, Tensor gates, Tensor cells, Tensor tanhCells,
            int n, int t, int h, bool reverse)
        {
            int g4 = 4 * h;
            var gs = gates.Span; var cs = cells.Span; var tcs = tanhCells.Span; var ys = y.Span;
            var c0s = c0.Span;
            fixed (float* pw = wHh.Span, ph0 = h0.Span, py = ys, pg = gs)
            {
                for (int s = 0; s < t; s++)
                {
                    int step = reverse ? t - 1 - s : s, prev = reverse ? step + 1 : step - 1;
                    float* hPrev = s == 0 ? ph0 : py + (long)prev * h;
                    int ldh = s == 0 ? h : t * h;
                    Gemm.Provider.Sgemm(false, true, n, g4, h, 1f, hPrev, ldh, pw, h, 1f, pg + (long)step * g4, t * g4);
                    for (int b = 0; b < n; b++)
                    {
                        var gate = gs.Slice((b * t + step) * g4, g4);
                        var sig = gate[..(2 * h)];
                        VectorMath.Sigmoid(sig, sig);
                        var gg = gate.Slice(2 * h, h);
                        TensorPrimitives.Tanh(gg, gg);
                        var o = gate.Slice(3 * h, h);
                        VectorMath.Sigmoid(o, o);
                        ReadOnlySpan<float> cPrev = s == 0 ? c0s.Slice(b * h, h) : cs.Slice((b * t + prev) * h, h);
                        var c = cs.Slice((b * t + step) * h, h);
                        TensorPrimitives.Multiply(gate.Slice(h, h), cPrev, c);
                        TensorPrimitives.FusedMultiplyAdd(gate[..h], gg, c, c);
                        var tc = tcs.Slice((b * t + step) * h, h);
                        TensorPrimitives.Tanh(c, tc);
                        TensorPrimitives.Multiply(o, tc, ys.Slice((b * t + step) * h, h));
                    }
                }
            }
        }

        public static void GruForward(Tensor wHh, Tensor? bHh, Tensor h0, Tensor y, Tensor gates, Tensor hiddenN, Tensor scratch,
            int n, int t, int h, bool reverse)
        {
            int g3 = 3 * h;
            var gs = gates.Span; var hns = hiddenN.Span; var ys = y.Span; var hg = scratch.Span; var h0s = h0.Span;
            fixed (float* pw = wHh.Span, ph0 = h0s, py = ys, phg = hg)
            {
                for (int s = 0; s < t; s++)
                {
                    int step = reverse ? t - 1 - s : s, prev = reverse ? step + 1 : step - 1;
                    float* hPrev = s == 0 ? ph0 : py + (long)prev * h;
                    int ldh = s == 0 ? h : t * h;
                    if (bHh != null) for (int b = 0; b < n; b++) bHh.Span.CopyTo(hg.Slice(b * g3, g3));
                    Gemm.Provider.Sgemm(false, true, n, g3, h, 1f, hPrev, ldh, pw, h, bHh != null ? 1f : 0f, phg, g3);
                    for (int b = 0; b < n; b++)
                    {
                        var gate = gs.Slice((b * t + step) * g3, g3);
                        var hgb = hg.Slice(b * g3, g3);
                        var rz = gate[..(2 * h)];
                        TensorPrimitives.Add(rz, hgb[..(2 * h)], rz);
                        VectorMath.Sigmoid(rz, rz);
                        var hn = hgb.Slice(2 * h, h);
                        hn.CopyTo(hns.Slice((b * t + step) * h, h));
                        var nn = gate.Slice(2 * h, h);
                        TensorPrimitives.FusedMultiplyAdd(gate[..h], hn, nn, nn);
                        TensorPrimitives.Tanh(nn, nn);
                        ReadOnlySpan<float> hp = s == 0 ? h0s.Slice(b * h, h) : ys.Slice((b * t + prev) * h, h);
                        var z = gate.Slice(h, h);
                        var outRow = ys.Slice((b * t + step) * h, h);
                        // h = n + z⊙(h_prev − n)
                        TensorPrimitives.Subtract(hp, nn, outRow);
                        TensorPrimitives.FusedMultiplyAdd(z, outRow, nn, outRow);
                    }
                }
            }
        }

        /// <summary>h_{t−1} for every step as an (N, T, H) tensor (h_0 at the first processed step).</summary>
        public static Tensor PreviousHidden(Tensor y, Tensor h0, int n, int t, int h, bool reverse)
        {
            var prev = Tensor.Empty([n, t, h]);
            var ps = prev.Span; var ys = y.Span; var h0s = h0.Span;
            for (int b = 0; b < n; b++)
                for (int s = 0; s < t; s++)
                {
                    int step = reverse ? t - 1 - s : s, p = reverse ? step + 1 : step - 1;
                    var src = s == 0 ? h0s.Slice(b * h, h) : ys.Slice((b * t + p) * h, h);
                    src.CopyTo(ps.Slice((b * t + step) * h, h));
                }
            return prev;
        }

        /// <summary>
        /// The parameter and input gradients shared by LSTM and GRU: ∂W_ih += dGxᵀ·X, ∂X = dGx·W_ih, ∂b_ih = Σ dGx,
        /// ∂W_hh += dGhᵀ·H_prev, ∂b_hh = Σ dGh.
        /// </summary>
        public static void ParameterGradients(Tensor x, Tensor wIh, Tensor wHh, Tensor? bIh, Tensor? bHh, Tensor dGx, Tensor dGh,
            Tensor hPrev, int rows, int inF, int h, int gates)
        {
            WeightGradient(wIh, dGx, x, rows, gates, inF);
            WeightGradient(wHh, dGh, hPrev, rows, gates, h);
            if (x.RequiresGrad)
            {
                var gx = Tensor.Empty(x.ShapeToArray());
                fixed (float* pd = dGx.Span, pw = wIh.Span, pgx = gx.Span)
                    Gemm.Provider.Sgemm(false, false, rows, inF, gates, 1f, pd, gates, pw, inF, 0f, pgx, inF);
                Function.Accumulate(x, gx, true);
            }
            if (bIh != null) BiasGradient(bIh, dGx, rows, gates);
            if (bHh != null) BiasGradient(bHh, dGh, rows, gates);
        }

        private static void WeightGradient(Tensor w, Tensor dG, Tensor a, int rows, int outF, int inF)
        {
            if (!w.RequiresGrad) return;
            var target = Function.LeafGradTarget(w);
            var gw = target ?? Tensor.Empty(w.ShapeToArray());
            fixed (float* pd = dG.Span, pa = a.Span, pgw = gw.Span)
                Gemm.Provider.Sgemm(true, false, outF, inF, rows, 1f, pd, outF, pa, inF, target != null ? 1f : 0f, pgw, inF);
            if (target is null) Function.Accumulate(w, gw, true);
        }

        private static void BiasGradient(Tensor b, Tensor dG, int rows, int width)
        {
            if (!b.RequiresGrad) return;
            var gb = Tensor.Zeros(width);
            Reduce.SumAxis(dG.Span, gb.Span, 1, rows, width);
            Function.Accumulate(b, gb, true);
        }
    }

    internal sealed class LstmFn(int n, int t, int inF, int h, bool reverse, bool hasBias, Tensor gates, Tensor cells, Tensor tanhCells) : Function
    {
        /// <summary>∂L/∂c_T handed over by <see cref="LstmCellStateFn"/> (null: the last cell state was not used).</summary>
        internal Tensor? GradCellState;

        /// <summary>The forward output (h_t for every t), kept for h_{t−1} in the backward.</summary>
        internal Tensor? Output;

        public override string Name => "lstm";

        protected internal override unsafe void Backward(Tensor grad)
        {
            Tensor x = Inputs[0], wIh = Inputs[1], wHh = Inputs[2];
            Tensor? bIh = hasBias ? Inputs[3] : null, bHh = hasBias ? Inputs[4] : null;
            Tensor h0 = Inputs[hasBias ? 5 : 3], c0 = Inputs[hasBias ? 6 : 4];
            int g4 = 4 * h;
            var dG = Tensor.Empty([n, t, g4]);
            var dh = Tensor.Zeros(n, h);
            var dc = Tensor.Zeros(n, h);
            if (GradCellState != null) GradCellState.Span.CopyTo(dc.Span);
            GradCellState = null;
            var dys = grad.Span; var gs = gates.Span; var cs = cells.Span; var tcs = tanhCells.Span; var c0s = c0.Span;
            var dgs = dG.Span; var dhs = dh.Span; var dcs = dc.Span;
            fixed (float* pdG = dgs, pw = wHh.Span, pdh = dhs)
            {
                for (int s = t - 1; s >= 0; s--)
                {
                    int step = reverse ? t - 1 - s : s, prev = reverse ? step + 1 : step - 1;
                    for (int b = 0; b < n; b++)
                    {
                        int row = b * t + step;
                        var gate = gs.Slice(row * g4, g4);
                        var dgate = dgs.Slice(row * g4, g4);
                        var dy = dys.Slice(row * h, h);
                        var tc = tcs.Slice(row * h, h);
                        var cPrev = s == 0 ? c0s.Slice(b * h, h) : cs.Slice((b * t + prev) * h, h);
                        var dhb = dhs.Slice(b * h, h); var dcb = dcs.Slice(b * h, h);
                        for (int j = 0; j < h; j++)
                        {
                            float ig = gate[j], fg = gate[h + j], gg = gate[2 * h + j], og = gate[3 * h + j], tcj = tc[j];
                            float dht = dy[j] + dhb[j];
                            float dcv = dcb[j] + dht * og * (1f - tcj * tcj);
                            dgate[j] = dcv * gg * ig * (1f - ig);
                            dgate[h + j] = dcv * cPrev[j] * fg * (1f - fg);
                            dgate[2 * h + j] = dcv * ig * (1f - gg * gg);
                            dgate[3 * h + j] = dht * tcj * og * (1f - og);
                            dcb[j] = dcv * fg;
                        }
                    }
                    // ∂h_{t−1} = ∂gates_t · W_hh
                    Gemm.Provider.Sgemm(false, false, n, h, g4, 1f, pdG + (long)step * g4, t * g4, pw, h, 0f, pdh, h);
                }
            }
            var y = Output ?? throw new InvalidOperationException("lstm: forward output was not kept");
            var hPrev = RecurrentKernels.PreviousHidden(y, h0, n, t, h, reverse);
            RecurrentKernels.ParameterGradients(x, wIh, wHh, bIh, bHh, dG, dG, hPrev, n * t, inF, h, g4);
            if (h0.RequiresGrad) Accumulate(h0, dh, true);
            if (c0.RequiresGrad) Accumulate(c0, dc, true);
        }
    }

    /// <summary>The last cell state of an LSTM run: hands ∂L/∂c_T to the run's <see cref="LstmFn"/>, which runs after it.</summary>
    internal sealed class LstmCellStateFn(LstmFn owner) : Function
    {
        public override string Name => "lstm_cell_state";

        protected internal override void Backward(Tensor grad)
        {
            owner.GradCellState = grad;
            // Make sure the run's backward happens even when only c_T reached the loss.
            if (owner.GradOutput is null) Accumulate(Inputs[0], Tensor.Zeros(Inputs[0].ShapeToArray()), true);
        }
    }

    internal sealed class GruFn(int n, int t, int inF, int h, bool reverse, bool hasBias, Tensor gates, Tensor hiddenN) : Function
    {
        /// <summary>The forward output (h_t for every t), kept for h_{t−1} in the backward.</summary>
        internal Tensor? Output;

        public override string Name => "gru";

        protected internal override unsafe void Backward(Tensor grad)
        {
            Tensor x = Inputs[0], wIh = Inputs[1], wHh = Inputs[2];
            Tensor? bIh = hasBias ? Inputs[3] : null, bHh = hasBias ? Inputs[4] : null;
            Tensor h0 = Inputs[hasBias ? 5 : 3];
            var y = Output ?? throw new InvalidOperationException("gru: forward output was not kept");
            int g3 = 3 * h;
            var dGx = Tensor.Empty([n, t, g3]);
            var dGh = Tensor.Empty([n, t, g3]);
            var dh = Tensor.Zeros(n, h);
            var hPrev = RecurrentKernels.PreviousHidden(y, h0, n, t, h, reverse);
            var dys = grad.Span; var gs = gates.Span; var hns = hiddenN.Span; var hps = hPrev.Span;
            var dxs = dGx.Span; var dhg = dGh.Span; var dhs = dh.Span;
            fixed (float* pdGh = dhg, pw = wHh.Span, pdh = dhs)
            {
                for (int s = t - 1; s >= 0; s--)
                {
                    int step = reverse ? t - 1 - s : s;
                    for (int b = 0; b < n; b++)
                    {
                        int row = b * t + step;
                        var gate = gs.Slice(row * g3, g3);
                        var dgx = dxs.Slice(row * g3, g3);
                        var dgh = dhg.Slice(row * g3, g3);
                        var dy = dys.Slice(row * h, h);
                        var hn = hns.Slice(row * h, h);
                        var hp = hps.Slice(row * h, h);
                        var dhb = dhs.Slice(b * h, h);
                        for (int j = 0; j < h; j++)
                        {
                            float r = gate[j], z = gate[h + j], nv = gate[2 * h + j];
                            float dht = dy[j] + dhb[j];
                            float dnp = dht * (1f - z) * (1f - nv * nv);
                            float dzp = dht * (hp[j] - nv) * z * (1f - z);
                            float drp = dnp * hn[j] * r * (1f - r);
                            dgx[j] = drp; dgx[h + j] = dzp; dgx[2 * h + j] = dnp;
                            dgh[j] = drp; dgh[h + j] = dzp; dgh[2 * h + j] = dnp * r;
                            dhb[j] = dht * z;
                        }
                    }
                    // ∂h_{t−1} = z⊙∂h_t + ∂(h·W_hhᵀ)_t · W_hh
                    Gemm.Provider.Sgemm(false, false, n, h, g3, 1f, pdGh + (long)step * g3, t * g3, pw, h, 1f, pdh, h);
                }
            }
            RecurrentKernels.ParameterGradients(x, wIh, wHh, bIh, bHh, dGx, dGh, hPrev, n * t, inF, h, g3);
            if (h0.RequiresGrad) Accumulate(h0, dh, true);
        }
    }
}
