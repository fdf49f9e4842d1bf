using Bottleneck.Data;
using Bottleneck.Interop;
using Bottleneck.Interop.Onnx;
using Bottleneck.Models;
using Bottleneck.Models.Conv;
using Bottleneck.Tests.Interop;

namespace Bottleneck.Tests.Models;

/// <summary>
/// ONNX export of a residual conv model (reconstruction = input + decoder output): the full and score graphs add the scaled input to the
/// decoder's logits and match Bottleneck's reconstruct and detect in ONNX Runtime 1.31.1 on patches of a real photograph, also at a patch
/// size that is not a multiple of the total stride; the encoder graph is the plain one; the decoder graph is refused in one line.
/// </summary>
public sealed class ConvResidualOnnxTests
{
    [SkippableTheory]
    [InlineData(1, 16, 16, ScalingKind.None)]
    [InlineData(2, 14, 11, ScalingKind.Standardize)]
    public void GivenAResidualModelOnPhotographPatches_WhenExported_ThenOnnxRuntimeMatchesFullEncoderAndScore(int stride, int h, int w, ScalingKind scaling)
    {
        // Given a residual denoiser trained one epoch on h × w patches of coffee.png (for stride 2, 14 × 11 pads to 16 × 12 inside)
        var photo = ConvResidualInferenceTests.Photograph("coffee.png");
        Skip.If(photo is null, "../shared/data/images not found");
        var rows = ConvResidualInferenceTests.Patches(photo!.Value, h, w, 20);
        var config = new ConvConfig(1, h, w, [6, 8], stride: stride, latent: null, latentChannels: 4, output: Likelihood.Gaussian,
            corruption: new GaussianNoise(0.1f, 0f, 1f), residual: true);
        var (saved, _) = OnnxTestKit.Fit(config, rows, scaling);

        // When exported, Then the code, the reconstruction (input + decoder output, in the data space) and the score agree with ours
        OnnxTestKit.AssertAllPartsMatch(saved, rows, decoderPart: false);
        // and the full graph has the skip as one Add of the input to the decoder's logits, and the files pass the ONNX checker
        var full = OnnxExporter.Export(saved, OnnxPart.Full);
        var graph = global::Onnx.ModelProto.Parser.ParseFrom(full).Graph;
        Assert.Contains(graph.Node, n => n.OpType == "Add" && n.Output[0] == "residual");
        var checker = OnnxTestKit.Check(full, OnnxExporter.Export(saved, OnnxPart.Score), OnnxExporter.Export(saved, OnnxPart.Encoder));
        Assert.True(checker is null or "", checker);

        // And the decoder part, which sees only the code, is refused with a message that says why and what to export instead
        var e = Assert.Throws<OnnxExportException>(() => OnnxExporter.Export(saved, OnnxPart.Decoder));
        Assert.Contains("residual conv model", e.Message);
        Assert.Contains("export the full part", e.Message);
    }
}
