using Bottleneck.Interop.Onnx;

namespace Bottleneck.Models.Variational;

/// <summary>The variational family's ONNX mapping: the encoder layer by layer and the posterior mean μ as the code (what
/// <see cref="Encode(Tensors.Tensor)"/> returns; no sampling), the decoder layer by layer. Conditional models (they need labels), the
/// codebook of vq-vae and the ladder of hvae do not map (an <see cref="OnnxExportException"/> names them).</summary>
public sealed partial class VariationalAutoencoder : IOnnxExportable
{
    string IOnnxExportable.EmitEncoder(OnnxGraph graph, string input) =>
        CoreOnnx.Code(graph, Latent, OnnxModules.Emit(graph, Encoder, input, "encoder"), Config.Kind);

    string IOnnxExportable.EmitDecoderLogits(OnnxGraph graph, string code) => OnnxModules.Emit(graph, Decoder, code, "decoder");
}
