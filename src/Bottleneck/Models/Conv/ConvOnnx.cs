using Bottleneck.Interop.Onnx;

namespace Bottleneck.Models.Conv;

/// <summary>
/// The conv kind's ONNX mapping: the encoder and decoder layer by layer (<see cref="OnnxModules"/>), the code as the latent layer
/// gives it. The same graph the exporter writes for a composed autoencoder; the kind says so itself because its
/// <see cref="ConvAutoencoder.Encode"/> and <see cref="ConvAutoencoder.DecodeLogits"/> are overridden (the fused inference path,
/// which computes the same values).
/// </summary>
public sealed partial class ConvAutoencoder : IOnnxExportable
{
    string IOnnxExportable.EmitEncoder(OnnxGraph graph, string input) => Conv.Residual
        ? throw new OnnxExportException("a residual conv model (reconstruction = input + decoder output) has no ONNX mapping here: its decoder alone is not the reconstruction")
        : CoreOnnx.Code(graph, Latent, OnnxModules.Emit(graph, Encoder, input, "encoder"), Config.Kind);

    string IOnnxExportable.EmitDecoderLogits(OnnxGraph graph, string code) => OnnxModules.Emit(graph, Decoder, code, "decoder");
}
