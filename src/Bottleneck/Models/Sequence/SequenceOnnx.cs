using Bottleneck.Interop.Onnx;
using static Bottleneck.Interop.Onnx.OnnxGraph;

namespace Bottleneck.Models.Sequence;

/// <summary>
/// The LSTM/GRU kinds' ONNX mapping: the encoder as ONNX LSTM/GRU nodes (last-state or mean pooling) and the Linear to the code
/// (then the latent layer's code: μ for a variational model); the repeat-vector decoder as the code expanded over T steps, the
/// recurrent nodes and the per-step Linear; the autoregressive decoder unrolled over its T steps, each step's mean fed back as the
/// next input, exactly as <see cref="AutoregressiveDecoder.Forward"/> runs free.
/// </summary>
public sealed partial class SequenceAutoencoder : IOnnxExportable
{
    string IOnnxExportable.EmitEncoder(OnnxGraph graph, string input)
    {
        var config = (SequenceConfig)Config;
        var (output, hidden, _) = OnnxModules.Recurrent(graph, _encoder.Rnn, input, "encoder.rnn");
        string pooled = config.Pooling == SequencePooling.Last
            ? graph.Node("Flatten", [graph.Node("Transpose", [hidden[^1]], "encoder.h_n", [Attr("perm", new long[] { 1, 0, 2 })])],
                "encoder.last", [Attr("axis", 1L)])                                                                    // (D, N, H) → (N, D·H)
            : graph.Node("ReduceMean", [output], "encoder.mean", [Attr("axes", new long[] { 1 }), Attr("keepdims", 0L)]);
        var h = OnnxModules.Linear(graph, pooled, _encoder.ToLatent.Weight, _encoder.ToLatent.Bias, "encoder.to_latent");
        return CoreOnnx.Code(graph, Latent, h, Config.Kind);
    }

    string IOnnxExportable.EmitDecoderLogits(OnnxGraph graph, string code)
    {
        var config = (SequenceConfig)Config;
        var z = graph.Node("Unsqueeze", [code, graph.Int64("decoder.axis1", [1], 1)], "decoder.z");                   // (N, 1, K)
        if (_decoder is RepeatDecoder repeat)
        {
            var repeated = graph.Node("Expand", [z, graph.Int64("decoder.repeat", [1, config.Steps, 1], 3)], "decoder.repeated");
            var (y, _, _) = OnnxModules.Recurrent(graph, repeat.Rnn, repeated, "decoder.rnn");
            return OnnxModules.Linear(graph, y, repeat.Output.Weight, repeat.Output.Bias, "decoder.output");
        }
        var ar = (AutoregressiveDecoder)_decoder;
        // x_{−1} = 0: zeros of (N, 1, F) made from the code's shape, so the batch dimension stays symbolic
        var zeros = graph.Node("Mul", [graph.Node("ReduceSum", [z, graph.Int64("decoder.sum_axes", [2], 1)], "decoder.z_sum", [Attr("keepdims", 1L)]),
            graph.Scalar("decoder.zero", 0f)], "decoder.zero_step");                                                    // (N, 1, 1)
        var previous = graph.Node("Expand", [zeros, graph.Int64("decoder.step_shape", [1, 1, config.Channels], 3)], "decoder.previous");
        string[]? h = null, c = null;
        var steps = new string[config.Steps];
        for (int t = 0; t < config.Steps; t++)
        {
            var input = graph.Node("Concat", [z, previous], $"decoder.step{t}.input", [Attr("axis", 2L)]);
            var (y, hn, cn) = OnnxModules.Recurrent(graph, ar.Rnn, input, $"decoder.step{t}.rnn", h, c);
            h = hn; c = Cell == RecurrentCell.Lstm ? cn : null;
            steps[t] = OnnxModules.Linear(graph, y, ar.Output.Weight, ar.Output.Bias, $"decoder.step{t}.output");
            previous = CoreOnnx.Mean(graph, Likelihood, steps[t]);
        }
        return steps.Length == 1 ? steps[0] : graph.Node("Concat", steps, "decoder.logits", [Attr("axis", 1L)]);
    }
}
