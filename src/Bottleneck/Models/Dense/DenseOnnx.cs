using Bottleneck.Interop.Onnx;

namespace Bottleneck.Models.Dense;

/// <summary>The dense kind's ONNX mapping: the encoder and an untied decoder layer by layer; a tied decoder as
/// h·W_(L−1−i) + b_i with the encoder's weight matrices (written once, shared with the encoder's transposed copies).</summary>
public sealed partial class DenseAutoencoder : IOnnxExportable
{
    string IOnnxExportable.EmitEncoder(OnnxGraph graph, string input) => OnnxModules.Emit(graph, Encoder, input, "encoder");

    string IOnnxExportable.EmitDecoderLogits(OnnxGraph graph, string code)
    {
        if (Decoder is { } decoder) return OnnxModules.Emit(graph, decoder, code, "decoder");
        var h = code;
        int n = _encoderLinears.Count;
        for (int i = 0; i < n; i++)
        {
            // the decoder weight is the mirrored encoder weight W (out_enc, in_enc) used untransposed: h·W + b
            var w = graph.Weight(_encoderLinears[n - 1 - i].Weight, hint: $"encoder_linear_{n - 1 - i}.weight");
            h = graph.Node("Add", [graph.Node("MatMul", [h, w], $"decoder.{i}.matmul"), graph.Weight(_tiedDecoderBiases[i], hint: $"decoder_bias_{i}")], $"decoder.{i}");
            if (i < n - 1) h = OnnxModules.Activation(graph, DenseConfig.HiddenActivation, h, $"decoder.{i}");
        }
        return h;
    }
}
