using Bottleneck.Interop.Onnx;

namespace Bottleneck.Models.Conv;

/// <summary>
/// The conv kind's ONNX mapping: the encoder and decoder layer by layer (<see cref="OnnxModules"/>), the code as the latent layer
/// gives it. The same graph the exporter writes for a composed autoencoder; the kind says so itself because its
/// <see cref="ConvAutoencoder.Encode"/> and <see cref="ConvAutoencoder.DecodeLogits"/> are overridden (the fused inference path,
/// which computes the same values). A residual model's skip connection (<see cref="ConvConfig.Residual"/>) is the exporter's: the
/// full and score parts add the input to these decoder logits, as <see cref="Autoencoder.ReconstructLogits"/> does, and the decoder part
/// is refused (<see cref="Interop.OnnxExporter"/>).
/// </summary>
public sealed partial class ConvAutoencoder : IOnnxExportable
{
    string IOnnxExportable.EmitEncoder(OnnxGraph graph, string input) =>
        CoreOnnx.Code(graph, Latent, OnnxModules.Emit(graph, Encoder, input, "encoder"), Config.Kind);

    string IOnnxExportable.EmitDecoderLogits(OnnxGraph graph, string code) => OnnxModules.Emit(graph, Decoder, code, "decoder");
}
