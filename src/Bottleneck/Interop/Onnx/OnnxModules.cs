using Onnx;
using Bottleneck.NN;
using Bottleneck.Tensors;
using static Bottleneck.Interop.Onnx.OnnxGraph;

namespace Bottleneck.Interop.Onnx;

/// <summary>
/// A model kind that writes its own encoder and decoder into an ONNX graph: the seam each kind's folder implements when its parts are
/// not just layers that <see cref="OnnxModules"/> maps (tied weights, a recurrent decoder loop…). The exporter asks for it first and
/// falls back to mapping the composed autoencoder's parts layer by layer.
/// </summary>
internal interface IOnnxExportable
{
    /// <summary>Writes the encoder: <paramref name="input"/> (N, …) in the model's input space (already scaled) → the code (N, latentDim),
    /// the value <see cref="Models.AutoencoderModel.Encode(Tensor)"/> returns. Returns the code's value name.</summary>
    /// <exception cref="OnnxExportException">A part has no ONNX mapping.</exception>
    string EmitEncoder(OnnxGraph graph, string input);

    /// <summary>Writes the decoder: <paramref name="code"/> (N, latentDim) → the logits (N, …) of
    /// <see cref="Models.AutoencoderModel.DecodeLogits(Tensor)"/>, before the likelihood's mean. Returns the logits' value name.</summary>
    /// <exception cref="OnnxExportException">A part has no ONNX mapping.</exception>
    string EmitDecoderLogits(OnnxGraph graph, string code);
}

/// <summary>
/// The ONNX mapping of the NN layers, in eval mode (dropout is the identity, batch norm uses its running statistics): Linear,
/// activations, Dropout, BatchNorm1d/2d, Sequential, Flatten, Unflatten, Conv1d/2d, ConvTranspose1d/2d, depthwise-separable
/// convolutions, PixelShuffle (DepthToSpace), PadToMultiple, CropTo, LayerNorm, multi-head self-attention and pre-norm transformer encoder layers (no masks:
/// inference), positional encodings, and (through <see cref="Recurrent"/>) LSTM/GRU.
/// Any other module is an <see cref="OnnxExportException"/> naming its path and type.
/// </summary>
internal static class OnnxModules
{
    /// <summary>Writes <paramref name="module"/> applied to <paramref name="x"/> and returns the output's value name.</summary>
    /// <param name="g">The graph.</param>
    /// <param name="module">The layer (eval mode).</param>
    /// <param name="x">Its input value.</param>
    /// <param name="path">The module's path in the model (e.g. "encoder.2"), for names and messages.</param>
    /// <exception cref="OnnxExportException">The module has no mapping.</exception>
    public static string Emit(OnnxGraph g, Module module, string x, string path)
    {
        switch (module)
        {
            case Sequential s:
                for (int i = 0; i < s.Layers.Count; i++) x = Emit(g, s.Layers[i], x, $"{path}.{i}");
                return x;
            case Linear l:
                return Linear(g, x, l.Weight, l.Bias, path);
            case ActivationLayer a:
                return Activation(g, a.Kind, x, path);
            case Dropout:
                return x;
            case BatchNorm bn:
                return BatchNorm(g, bn, x, path);
            case Flatten f:
                if (f.StartDim != 1) throw new OnnxExportException($"{path}: Flatten from dimension {f.StartDim} has no ONNX mapping here (only from dimension 1)");
                return g.Node("Flatten", [x], path, [Attr("axis", 1L)]);
            case Unflatten u:
                if (u.Dim != 1) throw new OnnxExportException($"{path}: Unflatten of dimension {u.Dim} has no ONNX mapping here (only dimension 1)");
                return g.Node("Reshape", [x, g.Int64(path + ".shape", [0, .. u.Sizes.Select(v => (long)v)], u.Sizes.Count + 1)], path);
            case Conv2d or Conv1d or ConvTranspose2d or ConvTranspose1d:
                return Conv(g, (ConvBase)module, x, path);
            case PadToMultiple pad:
                return PadTo(g, pad.Multiple, x, path);
            case CropTo crop:
                return g.Node("Slice", [x, g.Int64(path + ".starts", [0, 0], 2), g.Int64(path + ".ends", [crop.Height, crop.Width], 2),
                    g.Int64(path + ".axes", [2, 3], 2)], path);
            case LayerNorm ln:
                return LayerNorm(g, ln, x, path);
            case MultiheadAttention mha:
                return Attention(g, mha, x, path);
            case TransformerEncoderLayer layer:
                return EncoderLayer(g, layer, x, path);
            case TransformerEncoder encoder:
                for (int i = 0; i < encoder.Layers.Count; i++) x = EncoderLayer(g, encoder.Layers[i], x, $"{path}.layers.{i}");
                return LayerNorm(g, encoder.Norm, x, path + ".norm");
            case SinusoidalPositionalEncoding pe:
                return Positions(g, pe.Table, x, path);
            case LearnedPositionalEncoding pe:
                return Positions(g, pe.Weight, x, path);
            case PixelShuffle ps:
                // PyTorch's pixel_shuffle is DepthToSpace in "CRD" (column-row-depth) order
                return g.Node("DepthToSpace", [x], path, [Attr("blocksize", (long)ps.UpscaleFactor), Attr("mode", "CRD")]);
            case DepthwiseSeparableConv2d d:
                return Conv(g, d.Pointwise, Conv(g, d.Depthwise, x, path + ".depthwise"), path + ".pointwise");
            default:
                throw new OnnxExportException($"{path}: the layer {module.GetType().Name} has no ONNX mapping");
        }
    }

    /// <summary>
    /// A batch-first LSTM or GRU stack (PyTorch's semantics) as one ONNX LSTM/GRU node per layer (time-major, <c>layout</c> = 0, the
    /// one ONNX Runtime's CPU kernels take; the input and output are transposed around it): the weights
    /// reordered from PyTorch's gate order (LSTM i, f, g, o → ONNX i, o, f, c; GRU r, z, n → ONNX z, r, h, with
    /// <c>linear_before_reset</c> = 1, which is PyTorch's GRU). Shapes: x (N, T, I) → output (N, T, D·H) of the top layer; the final
    /// states per layer, each (D, N, H) as PyTorch's h_n slices.
    /// </summary>
    /// <param name="g">The graph.</param>
    /// <param name="rnn">The layers (eval mode: no dropout between them).</param>
    /// <param name="x">Input (N, T, I).</param>
    /// <param name="path">The module path, for names.</param>
    /// <param name="h0">Initial hidden state per layer, each (D, N, H), or null for zeros.</param>
    /// <param name="c0">Initial cell state per layer (LSTM), or null for zeros.</param>
    /// <exception cref="OnnxExportException">A layer that is not batch-first.</exception>
    public static (string Output, string[] Hidden, string[] Cell) Recurrent(OnnxGraph g, RecurrentLayer rnn, string x, string path,
        string[]? h0 = null, string[]? c0 = null)
    {
        if (!rnn.BatchFirst) throw new OnnxExportException($"{path}: a sequence-first {rnn.GetType().Name} has no ONNX mapping here");
        bool lstm = rnn is Lstm;
        if (!lstm && rnn is not Gru) throw new OnnxExportException($"{path}: the layer {rnn.GetType().Name} has no ONNX mapping");
        int gates = lstm ? 4 : 3, hs = rnn.HiddenSize, dirs = rnn.Directions;
        int[] order = lstm ? [0, 3, 1, 2] : [1, 0, 2];
        var p = rnn.NamedParameters().ToDictionary(e => e.Name, e => e.Parameter.ToArray());
        var hidden = new string[rnn.NumLayers];
        var cell = new string[rnn.NumLayers];
        for (int l = 0; l < rnn.NumLayers; l++)
        {
            int inF = l == 0 ? rnn.InputSize : hs * dirs;
            string name = $"{path}.l{l}";
            int layer = l;
            string[] Weights()
            {
                var w = new List<float>(); var r = new List<float>(); var b = new List<float>();
                for (int d = 0; d < dirs; d++)
                {
                    string suffix = $"_l{layer}" + (d == 1 ? "_reverse" : "");
                    w.AddRange(Reorder(p["weight_ih" + suffix], order, hs * inF));
                    r.AddRange(Reorder(p["weight_hh" + suffix], order, hs * hs));
                    if (rnn.HasBias)
                    {
                        b.AddRange(Reorder(p["bias_ih" + suffix], order, hs));
                        b.AddRange(Reorder(p["bias_hh" + suffix], order, hs));
                    }
                    else b.AddRange(new float[2 * gates * hs]);
                }
                return [g.Constant(name + ".W", [.. w], dirs, gates * hs, inF), g.Constant(name + ".R", [.. r], dirs, gates * hs, hs),
                    g.Constant(name + ".B", [.. b], dirs, 2 * gates * hs)];
            }
            var wrb = g.Cached((rnn, $"layer {layer}"), Weights);
            var attrs = new List<AttributeProto> { Attr("hidden_size", (long)hs) };
            if (dirs == 2) attrs.Add(BidirectionalAttr);
            if (!lstm) attrs.Add(Attr("linear_before_reset", 1L));
            var timeMajor = g.Node("Transpose", [x], name + ".x_tnf", [Attr("perm", new long[] { 1, 0, 2 })]);
            var inputs = new List<string> { timeMajor, wrb[0], wrb[1], wrb[2], "", h0?[l] ?? "" };
            if (lstm) inputs.Add(c0?[l] ?? "");
            var outs = g.NodeMulti(lstm ? "LSTM" : "GRU", [.. inputs], lstm ? [name + ".y", name + ".h", name + ".c"] : [name + ".y", name + ".h"], [.. attrs]);
            hidden[l] = outs[1];
            if (lstm) cell[l] = outs[2];
            // Y (T, D, N, H) → (N, T, D, H) → (N, T, D·H)
            var batchFirst = g.Node("Transpose", [outs[0]], name + ".y_ntdh", [Attr("perm", new long[] { 2, 0, 1, 3 })]);
            x = g.Node("Reshape", [batchFirst, g.Int64(name + ".y_shape", [0, 0, -1], 3)], name + ".out");
        }
        return (x, hidden, cell);
    }

    private static readonly AttributeProto BidirectionalAttr = new()
    {
        Name = "direction", Type = AttributeProto.Types.AttributeType.String, S = Google.Protobuf.ByteString.CopyFromUtf8("bidirectional"),
    };

    /// <summary>The row blocks of a gate-stacked weight (or bias) in <paramref name="order"/>; each block has <paramref name="block"/> values.</summary>
    private static IEnumerable<float> Reorder(float[] data, int[] order, int block) =>
        order.SelectMany(k => data.Skip(k * block).Take(block));

    /// <summary>LayerNorm over the last dimension (ONNX LayerNormalization, opset 17).</summary>
    private static string LayerNorm(OnnxGraph g, LayerNorm ln, string x, string path)
    {
        int d = ln.NormalizedShape;
        var scale = ln.Weight is { } w ? g.Weight(w, hint: path + ".weight") : g.Constant(path + ".ones", Enumerable.Repeat(1f, d).ToArray(), d);
        var bias = ln.Bias is { } b ? g.Weight(b, hint: path + ".bias") : g.Constant(path + ".zeros", new float[d], d);
        return g.Node("LayerNormalization", [x, scale, bias], path, [Attr("axis", -1L), Attr("epsilon", ln.Eps)]);
    }

    /// <summary>Self-attention without masks (inference): (N, T, E) → (N, T, E), the heads as in PyTorch's nn.MultiheadAttention.</summary>
    private static string Attention(OnnxGraph g, MultiheadAttention mha, string x, string path)
    {
        int h = mha.NumHeads, d = mha.EmbedDim / h;
        var qkv = Linear(g, x, mha.InProjWeight, mha.InProjBias, path + ".in_proj");                                     // (N, T, 3E)
        qkv = g.Node("Reshape", [qkv, g.Int64(path + ".qkv_shape", [0, 0, 3, h, d], 5)], path + ".qkv");
        qkv = g.Node("Transpose", [qkv], path + ".qkv_t", [Attr("perm", new long[] { 2, 0, 3, 1, 4 })]);                // (3, N, h, T, d)
        string Part(int i, string name) => g.Node("Gather", [qkv, g.Int64($"{path}.{name}_index", [i])], $"{path}.{name}", [Attr("axis", 0L)]);
        var q = Part(0, "q");
        var k = Part(1, "k");
        var v = Part(2, "v");
        var scores = g.Node("Mul", [g.Node("MatMul", [q, g.Node("Transpose", [k], path + ".k_t", [Attr("perm", new long[] { 0, 1, 3, 2 })])], path + ".qk"),
            g.Scalar(path + ".inv_sqrt_d", 1f / MathF.Sqrt(d))], path + ".scores");                                     // (N, h, T, T)
        var weights = g.Node("Softmax", [scores], path + ".weights", [Attr("axis", -1L)]);
        var heads = g.Node("Transpose", [g.Node("MatMul", [weights, v], path + ".attended")], path + ".heads_t", [Attr("perm", new long[] { 0, 2, 1, 3 })]);
        heads = g.Node("Reshape", [heads, g.Int64(path + ".heads_shape", [0, 0, mha.EmbedDim], 3)], path + ".heads");
        return Linear(g, heads, mha.OutProj.Weight, mha.OutProj.Bias, path + ".out_proj");
    }

    /// <summary>A pre-norm encoder layer: x + SA(LN₁(x)), then + W₂·ReLU(W₁·LN₂(x) + b₁) + b₂.</summary>
    private static string EncoderLayer(OnnxGraph g, TransformerEncoderLayer layer, string x, string path)
    {
        x = g.Node("Add", [x, Attention(g, layer.SelfAttention, LayerNorm(g, layer.Norm1, x, path + ".norm1"), path + ".self_attn")], path + ".attn_residual");
        var ff = Linear(g, LayerNorm(g, layer.Norm2, x, path + ".norm2"), layer.Linear1.Weight, layer.Linear1.Bias, path + ".linear1");
        ff = Linear(g, g.Node("Relu", [ff], path + ".relu"), layer.Linear2.Weight, layer.Linear2.Bias, path + ".linear2");
        return g.Node("Add", [x, ff], path);
    }

    /// <summary>x + P[:T] with the table's first T rows, T read from the input's shape in the graph.</summary>
    private static string Positions(OnnxGraph g, Tensor table, string x, string path)
    {
        var t = g.Node("Slice", [g.Node("Shape", [x], path + ".shape"), g.Int64(path + ".t_from", [1], 1), g.Int64(path + ".t_to", [2], 1)], path + ".t");
        var rows = g.Node("Slice", [g.Weight(table, hint: path + ".table"), g.Int64(path + ".zero", [0], 1), t, g.Int64(path + ".axis0", [0], 1)], path + ".rows");
        return g.Node("Add", [x, rows], path);
    }

    /// <summary>Zeros at the bottom and right so H and W become multiples of m, computed from the input's shape in the graph:
    /// pad = (m − H mod m) mod m.</summary>
    private static string PadTo(OnnxGraph g, int multiple, string x, string path)
    {
        var hw = g.Node("Slice", [g.Node("Shape", [x], path + ".shape"), g.Int64(path + ".from", [2], 1), g.Int64(path + ".to", [4], 1)], path + ".hw");
        var m = g.Int64(path + ".m", [multiple], 1);
        var pad = g.Node("Mod", [g.Node("Sub", [m, g.Node("Mod", [hw, m], path + ".rem")], path + ".short"), m], path + ".pad");
        var pads = g.Node("Concat", [g.Int64(path + ".zeros", [0, 0, 0, 0, 0, 0], 6), pad], path + ".pads", [Attr("axis", 0L)]);
        return g.Node("Pad", [x, pads], path);
    }

    /// <summary>y = x·Wᵀ + b as MatMul(x, Wᵀ) + b (any leading dimensions).</summary>
    public static string Linear(OnnxGraph g, string x, Tensor weight, Tensor? bias, string path)
    {
        var y = g.Node("MatMul", [x, g.Weight(weight, transpose: true, hint: path + ".weight")], path + ".matmul");
        return bias is null ? y : g.Node("Add", [y, g.Weight(bias, hint: path + ".bias")], path);
    }

    /// <summary>The activation <paramref name="kind"/> as ONNX operators (GELU in its exact erf form, since Gelu is opset 20).</summary>
    public static string Activation(OnnxGraph g, Activation kind, string x, string path) => kind switch
    {
        NN.Activation.Identity => x,
        NN.Activation.Relu => g.Node("Relu", [x], path + ".relu"),
        NN.Activation.LeakyRelu => g.Node("LeakyRelu", [x], path + ".leaky_relu", [Attr("alpha", 0.01f)]),
        NN.Activation.Elu => g.Node("Elu", [x], path + ".elu", [Attr("alpha", 1f)]),
        NN.Activation.Sigmoid => g.Node("Sigmoid", [x], path + ".sigmoid"),
        NN.Activation.Tanh => g.Node("Tanh", [x], path + ".tanh"),
        NN.Activation.Softplus => g.Node("Softplus", [x], path + ".softplus"),
        NN.Activation.Gelu => Gelu(g, x, path),
        _ => throw new OnnxExportException($"{path}: the activation {kind} has no ONNX mapping"),
    };

    // x·Φ(x) = 0.5·x·(1 + erf(x/√2))
    private static string Gelu(OnnxGraph g, string x, string path)
    {
        var erf = g.Node("Erf", [g.Node("Mul", [x, g.Scalar(path + ".inv_sqrt2", 0.70710678f)], path + ".scaled")], path + ".erf");
        var onePlus = g.Node("Add", [erf, g.Scalar(path + ".one", 1f)], path + ".one_plus");
        return g.Node("Mul", [g.Node("Mul", [x, onePlus], path + ".x_times"), g.Scalar(path + ".half", 0.5f)], path + ".gelu");
    }

    private static string BatchNorm(OnnxGraph g, BatchNorm bn, string x, string path)
    {
        int c = bn.NumFeatures;
        var scale = bn.Weight is { } w ? g.Weight(w, hint: path + ".weight") : g.Constant(path + ".ones", Enumerable.Repeat(1f, c).ToArray(), c);
        var shift = bn.Bias is { } b ? g.Weight(b, hint: path + ".bias") : g.Constant(path + ".zeros", new float[c], c);
        return g.Node("BatchNormalization", [x, scale, shift, g.Weight(bn.RunningMean, hint: path + ".running_mean"), g.Weight(bn.RunningVar, hint: path + ".running_var")],
            path, [Attr("epsilon", bn.Eps)]);
    }

    private static string Conv(OnnxGraph g, ConvBase c, string x, string path)
    {
        bool transposed = c is ConvTranspose2d or ConvTranspose1d;
        int spatial = c is Conv2d or ConvTranspose2d ? 2 : 1;
        long[] Rep(long v) => Enumerable.Repeat(v, spatial).ToArray();
        var attrs = new List<AttributeProto>
        {
            Attr("kernel_shape", Rep(c.KernelSize)), Attr("strides", Rep(c.Stride)), Attr("dilations", Rep(c.Dilation)), Attr("group", (long)c.Groups),
        };
        if (transposed && c.PaddingMode != ConvPadding.Zeros)
            throw new OnnxExportException($"{path}: {c.GetType().Name} with padding mode {c.PaddingMode} has no ONNX mapping");
        long total = (long)c.Dilation * (c.KernelSize - 1);
        (long begin, long end) = c.PaddingMode switch
        {
            ConvPadding.Same => (total / 2, total - total / 2),
            ConvPadding.Causal => (total, 0L),
            _ => (c.Padding, c.Padding),
        };
        long[] pads = spatial == 2 ? [begin, begin, end, end] : [begin, end];
        attrs.Add(Attr("pads", pads));
        if (c is ConvTranspose2d t2 && t2.OutputPadding != 0) attrs.Add(Attr("output_padding", Rep(t2.OutputPadding)));
        if (c is ConvTranspose1d t1 && t1.OutputPadding != 0) attrs.Add(Attr("output_padding", Rep(t1.OutputPadding)));
        string[] inputs = c.Bias is { } b
            ? [x, g.Weight(c.Weight, hint: path + ".weight"), g.Weight(b, hint: path + ".bias")]
            : [x, g.Weight(c.Weight, hint: path + ".weight")];
        return g.Node(transposed ? "ConvTranspose" : "Conv", inputs, path, attrs.ToArray());
    }
}
