using Bottleneck.Tensors;

namespace Bottleneck.NN;

/// <summary>What a recurrent layer returns: the top layer's outputs and every layer's last states (PyTorch's (output, h_n[, c_n])).</summary>
/// <param name="Output">h_t of the top layer for every t, both directions concatenated: (N, T, D·H) batch first, else (T, N, D·H).</param>
/// <param name="HiddenState">h_n, the last hidden state of every layer and direction, (L·D, N, H); index l·D + d (d = 1 the reverse direction, whose
/// "last" state is the one at t = 0).</param>
/// <param name="CellState">c_n for an LSTM, (L·D, N, H); null for a GRU.</param>
/// <remarks>Shape legend: N batch, T time steps, H hidden size, L layers, D directions (2 when bidirectional, else 1).</remarks>
public sealed record RecurrentOutput(Tensor Output, Tensor HiddenState, Tensor? CellState);

/// <summary>
/// The parts LSTM and GRU share, as PyTorch's nn.RNNBase: layers × directions of parameters named <c>weight_ih_l{k}</c>, <c>weight_hh_l{k}</c>,
/// <c>bias_ih_l{k}</c>, <c>bias_hh_l{k}</c> (suffix <c>_reverse</c> for the reverse direction), initialised from U(−1/√H, 1/√H), dropout on
/// the outputs of every layer but the last in training mode.
/// </summary>
public abstract class RecurrentLayer : Module
{
    private readonly Rng _rng;
    private readonly Tensor[][] _weights;   // [layer·D + direction] = { weight_ih, weight_hh, bias_ih?, bias_hh? }

    /// <summary>Creates the parameters (see <see cref="Lstm"/> for the arguments).</summary>
    /// <param name="gateCount">Row blocks per weight: 4 for LSTM (i, f, g, o), 3 for GRU (r, z, n).</param>
    /// <param name="inputSize">I, ≥ 1.</param>
    /// <param name="hiddenSize">H, ≥ 1.</param>
    /// <param name="rng">Initial weights and dropout masks outside a step's noise scope.</param>
    /// <param name="numLayers">L, ≥ 1.</param>
    /// <param name="bias">Whether the layers have b_ih and b_hh.</param>
    /// <param name="batchFirst">(N, T, F) layout, else (T, N, F).</param>
    /// <param name="dropout">Dropout between layers in training, in [0, 1).</param>
    /// <param name="bidirectional">Also run backwards in time.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1 or dropout is outside [0, 1).</exception>
    protected RecurrentLayer(int gateCount, int inputSize, int hiddenSize, Rng rng, int numLayers, bool bias, bool batchFirst,
        float dropout, bool bidirectional)
    {
        if (inputSize < 1) throw new ArgumentOutOfRangeException(nameof(inputSize), $"inputSize must be ≥ 1, got {inputSize}");
        if (hiddenSize < 1) throw new ArgumentOutOfRangeException(nameof(hiddenSize), $"hiddenSize must be ≥ 1, got {hiddenSize}");
        if (numLayers < 1) throw new ArgumentOutOfRangeException(nameof(numLayers), $"numLayers must be ≥ 1, got {numLayers}");
        if (!(dropout >= 0f && dropout < 1f)) throw new ArgumentOutOfRangeException(nameof(dropout), $"dropout must be in [0, 1), got {dropout}");
        InputSize = inputSize; HiddenSize = hiddenSize; NumLayers = numLayers; HasBias = bias; BatchFirst = batchFirst;
        DropoutProbability = dropout; Bidirectional = bidirectional;
        _rng = rng;
        int directions = Directions;
        _weights = new Tensor[numLayers * directions][];
        using (TensorScope.Untracked())
        {
            for (int l = 0; l < numLayers; l++)
                for (int d = 0; d < directions; d++)
                {
                    string suffix = $"_l{l}" + (d == 1 ? "_reverse" : "");
                    int inF = l == 0 ? inputSize : hiddenSize * directions;
                    var w = new List<Tensor>
                    {
                        RegisterParameter("weight_ih" + suffix, Tensor.Zeros(gateCount * hiddenSize, inF)),
                        RegisterParameter("weight_hh" + suffix, Tensor.Zeros(gateCount * hiddenSize, hiddenSize)),
                    };
                    if (bias)
                    {
                        w.Add(RegisterParameter("bias_ih" + suffix, Tensor.Zeros(gateCount * hiddenSize)));
                        w.Add(RegisterParameter("bias_hh" + suffix, Tensor.Zeros(gateCount * hiddenSize)));
                    }
                    _weights[l * directions + d] = [.. w];
                }
        }
        ResetParameters(rng);
    }

    /// <summary>I, the number of input features.</summary>
    public int InputSize { get; }
    /// <summary>H, the size of the hidden state.</summary>
    public int HiddenSize { get; }
    /// <summary>L, the number of stacked layers.</summary>
    public int NumLayers { get; }
    /// <summary>Whether the layers have the biases b_ih and b_hh.</summary>
    public bool HasBias { get; }
    /// <summary>True: input and output are (N, T, F); false: (T, N, F) (PyTorch's default layout).</summary>
    public bool BatchFirst { get; }
    /// <summary>Dropout probability on the outputs of every layer but the last, in training mode.</summary>
    public float DropoutProbability { get; }
    /// <summary>Whether each layer also runs from the last step to the first.</summary>
    public bool Bidirectional { get; }
    /// <summary>D: 2 when bidirectional, else 1.</summary>
    public int Directions => Bidirectional ? 2 : 1;
    /// <summary>Width of <see cref="RecurrentOutput.Output"/>: D·H.</summary>
    public int OutputSize => Directions * HiddenSize;

    /// <summary>PyTorch's default: every weight and bias from U(−1/√H, 1/√H).</summary>
    public void ResetParameters(Rng rng)
    {
        float bound = 1f / MathF.Sqrt(HiddenSize);
        foreach (var (_, p) in NamedParameters()) Init.Uniform(p, rng, -bound, bound);
    }

    /// <summary>The top layer's output sequence (<see cref="RecurrentOutput.Output"/>) with zero initial states.</summary>
    public override Tensor Forward(Tensor input) => Run(input, null, null).Output;

    /// <summary>Runs every layer and direction from initial states h_0 and c_0 ((L·D, N, H) each; zeros when null). Continuing a run
    /// step by step: pass the previous call's <see cref="RecurrentOutput.HiddenState"/> and <see cref="RecurrentOutput.CellState"/>.</summary>
    /// <param name="input">(N, T, I) batch first, else (T, N, I).</param>
    /// <param name="h0">Initial hidden states, or null for zeros.</param>
    /// <param name="c0">Initial cell states of an LSTM, or null for zeros; must be null for a GRU.</param>
    /// <exception cref="ShapeException">The input is not 3-D, its feature count is not I, or a state has the wrong shape.</exception>
    /// <exception cref="ArgumentException">A cell state for a layer that has none (GRU).</exception>
    public RecurrentOutput Forward(Tensor input, Tensor? h0, Tensor? c0)
    {
        if (c0 != null && !HasCell) throw new ArgumentException($"{GetType().Name} has no cell state; c0 must be null", nameof(c0));
        return Run(input, h0, c0);
    }

    /// <summary>True when the layer has a cell state (LSTM).</summary>
    private protected abstract bool HasCell { get; }

    /// <summary>Runs one direction of one layer; <paramref name="c0"/> is null for a GRU. Returns (h_t for every t, c_n or null).</summary>
    private protected abstract (Tensor Output, Tensor? CellState) RunDirection(Tensor x, Tensor[] weights, Tensor h0, Tensor? c0, bool reverse);

    /// <summary>Runs every layer and direction. Initial states default to zeros.</summary>
    private protected RecurrentOutput Run(Tensor input, Tensor? h0, Tensor? c0)
    {
        bool hasCell = HasCell;
        if (input.Rank != 3)
            throw new ShapeException($"{GetType().Name}: input must be {(BatchFirst ? "(N, T, F)" : "(T, N, F)")}, got {input.ShapeString}");
        var x = BatchFirst ? input : input.Transpose(0, 1);
        int n = x.Dim(0), t = x.Dim(1), directions = Directions;
        if (x.Dim(2) != InputSize)
            throw new ShapeException($"{GetType().Name}: input {input.ShapeString} has {x.Dim(2)} features, the layer expects {InputSize}");
        int[] stateShape = [NumLayers * directions, n, HiddenSize];
        foreach (var (name, s) in new[] { ("h0", h0), ("c0", c0) })
            if (s != null && !ShapeUtil.SameShape(s.ShapeArray, stateShape))
                throw new ShapeException($"{GetType().Name}: {name} {s.ShapeString} must have shape {ShapeUtil.Format(stateShape)}");
        var zeros = h0 is null || (hasCell && c0 is null) ? Tensor.Zeros(n, HiddenSize) : null;
        var hN = new List<Tensor>(NumLayers * directions);
        var cN = hasCell ? new List<Tensor>(NumLayers * directions) : null;
        for (int l = 0; l < NumLayers; l++)
        {
            var outs = new Tensor[directions];
            for (int d = 0; d < directions; d++)
            {
                int idx = l * directions + d;
                var hInit = h0 is null ? zeros! : h0.Slice(0, idx, 1).Reshape(n, HiddenSize);
                Tensor? cInit = hasCell ? (c0 is null ? zeros! : c0.Slice(0, idx, 1).Reshape(n, HiddenSize)) : null;
                var (y, c) = RunDirection(x, _weights[idx], hInit, cInit, d == 1);
                outs[d] = y;
                hN.Add(y.Slice(1, d == 1 ? 0 : t - 1, 1).Reshape(1, n, HiddenSize));
                if (cN != null) cN.Add(c!.Reshape(1, n, HiddenSize));
            }
            x = directions == 1 ? outs[0] : Tensor.Concat(outs, 2);
            if (l < NumLayers - 1 && DropoutProbability > 0f && Training)
                x = x.Dropout(DropoutProbability, true, NoiseScope.Current ?? _rng);
        }
        var output = BatchFirst ? x : x.Transpose(0, 1);
        return new RecurrentOutput(output, hN.Count == 1 ? hN[0] : Tensor.Concat(hN, 0),
            cN is null ? null : cN.Count == 1 ? cN[0] : Tensor.Concat(cN, 0));
    }
}

/// <summary>
/// Multi-layer long short-term memory (Hochreiter &amp; Schmidhuber, 1997) as PyTorch's nn.LSTM: per layer and direction
/// i, f, o = σ(W_i·x_t + b_i + U·h_{t−1} + b_h), g = tanh(…), c_t = f⊙c_{t−1} + i⊙g, h_t = o⊙tanh(c_t), gates in the order (i, f, g, o).
/// Shape: input (N, T, I) → output (N, T, D·H), h_n and c_n (L·D, N, H) (batch first; (T, N, ·) otherwise).
/// Parameters: <c>weight_ih_l{k}</c> (4H, I or D·H), <c>weight_hh_l{k}</c> (4H, H), <c>bias_ih_l{k}</c>, <c>bias_hh_l{k}</c> (4H), and
/// <c>…_reverse</c>; state dicts load from and save to PyTorch's names. Legend: N batch, T time, I input features, H hidden size,
/// L layers, D directions.
/// </summary>
public sealed class Lstm : RecurrentLayer
{
    /// <summary>Creates the layer with PyTorch's initialisation (U(−1/√H, 1/√H)).</summary>
    /// <param name="inputSize">I, features per time step, ≥ 1.</param>
    /// <param name="hiddenSize">H, ≥ 1.</param>
    /// <param name="rng">Generator for the initial weights and, outside a training step's noise scope, the dropout masks.</param>
    /// <param name="numLayers">L, stacked layers (default 1).</param>
    /// <param name="bias">Whether to learn b_ih and b_hh (default true).</param>
    /// <param name="batchFirst">Input and output as (N, T, F) (default true; PyTorch's default is false: (T, N, F)).</param>
    /// <param name="dropout">Dropout on the outputs of every layer but the last in training mode, in [0, 1) (default 0).</param>
    /// <param name="bidirectional">Also run each layer backwards in time and concatenate (default false).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1 or dropout is outside [0, 1).</exception>
    public Lstm(int inputSize, int hiddenSize, Rng rng, int numLayers = 1, bool bias = true, bool batchFirst = true, float dropout = 0f,
        bool bidirectional = false)
        : base(4, inputSize, hiddenSize, rng, numLayers, bias, batchFirst, dropout, bidirectional) { }

    private protected override bool HasCell => true;

    private protected override (Tensor Output, Tensor? CellState) RunDirection(Tensor x, Tensor[] w, Tensor h0, Tensor? c0, bool reverse)
    {
        var (y, c) = Tensor.LstmDirection(x, w[0], w[1], w.Length > 2 ? w[2] : null, w.Length > 3 ? w[3] : null, h0, c0!, reverse);
        return (y, c);
    }
}

/// <summary>
/// Multi-layer gated recurrent unit (Cho et al., 2014) as PyTorch's nn.GRU: r = σ(W_ir x + b_ir + W_hr h + b_hr),
/// z = σ(W_iz x + b_iz + W_hz h + b_hz), n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn)), h_t = (1 − z)⊙n + z⊙h_{t−1}; gate order (r, z, n).
/// Shape: input (N, T, I) → output (N, T, D·H), h_n (L·D, N, H) (batch first; (T, N, ·) otherwise). Parameters as <see cref="Lstm"/>
/// with 3H rows. Legend: N batch, T time, I input features, H hidden size, L layers, D directions.
/// </summary>
public sealed class Gru : RecurrentLayer
{
    /// <summary>Creates the layer with PyTorch's initialisation (U(−1/√H, 1/√H)).</summary>
    /// <param name="inputSize">I, features per time step, ≥ 1.</param>
    /// <param name="hiddenSize">H, ≥ 1.</param>
    /// <param name="rng">Generator for the initial weights and, outside a training step's noise scope, the dropout masks.</param>
    /// <param name="numLayers">L, stacked layers (default 1).</param>
    /// <param name="bias">Whether to learn b_ih and b_hh (default true).</param>
    /// <param name="batchFirst">Input and output as (N, T, F) (default true; PyTorch's default is false: (T, N, F)).</param>
    /// <param name="dropout">Dropout on the outputs of every layer but the last in training mode, in [0, 1) (default 0).</param>
    /// <param name="bidirectional">Also run each layer backwards in time and concatenate (default false).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1 or dropout is outside [0, 1).</exception>
    public Gru(int inputSize, int hiddenSize, Rng rng, int numLayers = 1, bool bias = true, bool batchFirst = true, float dropout = 0f,
        bool bidirectional = false)
        : base(3, inputSize, hiddenSize, rng, numLayers, bias, batchFirst, dropout, bidirectional) { }

    /// <summary>Runs the GRU from the initial state h_0 ((L·D, N, H); zeros when null).</summary>
    /// <exception cref="ShapeException">The input is not 3-D, its feature count is not I, or h_0 has the wrong shape.</exception>
    public RecurrentOutput Forward(Tensor input, Tensor? h0) => Run(input, h0, null);

    private protected override bool HasCell => false;

    private protected override (Tensor Output, Tensor? CellState) RunDirection(Tensor x, Tensor[] w, Tensor h0, Tensor? c0, bool reverse) =>
        (Tensor.GruDirection(x, w[0], w[1], w.Length > 2 ? w[2] : null, w.Length > 3 ? w[3] : null, h0, reverse), null);
}
