using Bottleneck.Interop.Onnx;
using static Bottleneck.Interop.Onnx.OnnxGraph;

namespace Bottleneck.Models.Sequence;

/// <summary>The tcn kind's ONNX mapping: (N, T, F) transposed to (N, F, T), the residual blocks (causal dilated Conv1d, ReLU, identity or
/// 1×1 skip), the mean over time and the Linear to the code (μ when variational); the decoder's Linear, reshape to (N, C, T), 'same'
/// blocks, the 1×1 output convolution and the transpose back to (N, T, F).</summary>
public sealed partial class TcnAutoencoder : IOnnxExportable
{
    string IOnnxExportable.EmitEncoder(OnnxGraph graph, string input) =>
        CoreOnnx.Code(graph, Latent, ((TcnEncoder)Encoder).Emit(graph, input), Config.Kind);

    string IOnnxExportable.EmitDecoderLogits(OnnxGraph graph, string code) => ((TcnDecoder)Decoder).Emit(graph, code);
}

internal sealed partial class TcnBlock
{
    public string Emit(OnnxGraph g, string x, string path)
    {
        var y = g.Node("Relu", [OnnxModules.Emit(g, _conv, x, path + ".conv")], path + ".relu");
        return g.Node("Add", [y, _skip is null ? x : OnnxModules.Emit(g, _skip, x, path + ".skip")], path);
    }
}

internal sealed partial class TcnEncoder
{
    public string Emit(OnnxGraph g, string x)
    {
        var h = g.Node("Transpose", [x], "encoder.nft", [Attr("perm", new long[] { 0, 2, 1 })]);
        for (int i = 0; i < _blocks.Layers.Count; i++) h = ((TcnBlock)_blocks.Layers[i]).Emit(g, h, $"encoder.blocks.{i}");
        var pooled = g.Node("ReduceMean", [h], "encoder.mean", [Attr("axes", new long[] { 2 }), Attr("keepdims", 0L)]);
        return OnnxModules.Linear(g, pooled, _toLatent.Weight, _toLatent.Bias, "encoder.to_latent");
    }
}

internal sealed partial class TcnDecoder
{
    public string Emit(OnnxGraph g, string z)
    {
        var h = OnnxModules.Linear(g, z, _fromLatent.Weight, _fromLatent.Bias, "decoder.from_latent");
        h = g.Node("Reshape", [h, g.Int64("decoder.shape", [0, _width, _steps], 3)], "decoder.nct");
        for (int i = 0; i < _blocks.Layers.Count; i++) h = ((TcnBlock)_blocks.Layers[i]).Emit(g, h, $"decoder.blocks.{i}");
        var y = OnnxModules.Emit(g, _out, h, "decoder.out");
        return g.Node("Transpose", [y], "decoder.logits", [Attr("perm", new long[] { 0, 2, 1 })]);
    }
}
