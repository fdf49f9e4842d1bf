using Bottleneck.Data;
using Bottleneck.Interop;
using Bottleneck.Models.SuperResolution;
using Bottleneck.Tensors;
using Bottleneck.Tests.Interop;

namespace Bottleneck.Tests.Models.SuperResolution;

/// <summary>The super-resolution kind's ONNX export (downsampling and the bicubic residual path as resize matrices, PixelShuffle as
/// DepthToSpace) run in ONNX Runtime against the model's own encode, reconstruct, decode and score.</summary>
public sealed class SuperResolutionOnnxTests
{
    [Fact]
    public void GivenAGreyModelWithBicubicDownsampling_WhenExported_ThenOnnxRuntimeMatchesEveryPart()
    {
        // Given a ×2 model trained one epoch on 28×28 images (antialiased bicubic downsampling, two hidden convolutions)
        var rows = DemoDataset.Generate(32, 5);
        var config = new SuperResolutionConfig(1, 28, 28, 2, [8, 4]);
        var (saved, _) = OnnxTestKit.Fit(config, rows, ScalingKind.None);
        // When exported, Then code, reconstruction, decoder and score agree with Bottleneck's
        OnnxTestKit.AssertAllPartsMatch(saved, rows);
    }

    [Fact]
    public void GivenAColourModelWithAreaDownsamplingAtScale3_WhenExported_ThenOnnxRuntimeMatchesEveryPart()
    {
        // Given a ×3 RGB model on 12×9 images with area downsampling
        var rng = new Rng(4);
        var values = new float[24 * 3 * 12 * 9];
        rng.FillUniform(values, 0f, 1f);
        var rows = new Dataset(values, 24, 3 * 12 * 9, image: new ImageShape(3, 12, 9));
        var config = new SuperResolutionConfig(3, 12, 9, 3, [6], downsampling: ResizeFilter.Area);
        var (saved, _) = OnnxTestKit.Fit(config, rows, ScalingKind.None);
        // When exported, Then every part agrees
        OnnxTestKit.AssertAllPartsMatch(saved, rows);
        // And the graph has the sub-pixel layer as DepthToSpace
        var model = global::Onnx.ModelProto.Parser.ParseFrom(OnnxExporter.Export(saved));
        Assert.Contains(model.Graph.Node, n => n.OpType == "DepthToSpace");
    }
}
