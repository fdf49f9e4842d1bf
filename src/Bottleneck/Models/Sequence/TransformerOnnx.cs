using Bottleneck.Interop.Onnx;
using static Bottleneck.Interop.Onnx.OnnxGraph;

namespace Bottleneck.Models.Sequence;

/// <summary>The transformer kind's ONNX mapping (inference: no padding or masked steps): input Linear, positional encoding, the
/// pre-norm encoder, the mean over time and the Linear to the code; from the code, the Linear repeated over T steps, positional
/// encoding, the decoder stack and the output Linear.</summary>
public sealed partial class TransformerAutoencoder : IOnnxExportable
{
    string IOnnxExportable.EmitEncoder(OnnxGraph graph, string input)
    {
        var h = OnnxModules.Linear(graph, input, _input.Weight, _input.Bias, "input");
        h = OnnxModules.Emit(graph, _encoder, OnnxModules.Emit(graph, _positions, h, "positions"), "encoder");
        var pooled = graph.Node("ReduceMean", [h], "encoder.mean", [Attr("axes", new long[] { 1 }), Attr("keepdims", 0L)]);
        return CoreOnnx.Code(graph, Latent, OnnxModules.Linear(graph, pooled, _toLatent.Weight, _toLatent.Bias, "to_latent"), Config.Kind);
    }

    string IOnnxExportable.EmitDecoderLogits(OnnxGraph graph, string code)
    {
        var h = OnnxModules.Linear(graph, code, _fromLatent.Weight, _fromLatent.Bias, "from_latent");
        h = graph.Node("Unsqueeze", [h, graph.Int64("decoder.axis1", [1], 1)], "decoder.h");
        h = graph.Node("Expand", [h, graph.Int64("decoder.repeat", [1, _config.Steps, 1], 3)], "decoder.repeated");
        h = OnnxModules.Emit(graph, _decoder, OnnxModules.Emit(graph, _positions, h, "decoder.positions"), "decoder");
        return OnnxModules.Linear(graph, h, _output.Weight, _output.Bias, "output");
    }
}
