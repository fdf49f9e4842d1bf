using Bottleneck.Interop.Onnx;
using Bottleneck.Tensors;
using static Bottleneck.Interop.Onnx.OnnxGraph;

namespace Bottleneck.Models.SuperResolution;

/// <summary>
/// The super-resolution kind's ONNX mapping at the model's image size (C, H, W), low resolution (h, w) = (H/r, W/r):
/// <list type="bullet">
/// <item>encoder: the downsampling (antialiased bicubic or area) as the two matrices of the resize, one per axis:
/// low = A_h · x · A_wᵀ (two <c>MatMul</c>s; opset 17's <c>Resize</c> has no antialiasing), flattened to the code (N, C·h·w);</item>
/// <item>decoder: the code reshaped to (N, C, h, w); the residual path, bicubic upsampling, as its two matrices again (PyTorch's
/// bicubic, a = −0.75, borders clamped, exactly as <see cref="Tensor.Resize2d"/> computes it); the sub-pixel body (convolutions,
/// activations, <c>PixelShuffle</c> as <c>DepthToSpace</c> in CRD mode) mapped layer by layer; the two added.</item>
/// </list>
/// The matrices are the engine's own resize applied to unit images, so the graph computes what <see cref="AutoencoderModel.Encode(Tensor)"/>
/// and <see cref="AutoencoderModel.DecodeLogits"/> compute, up to float rounding. Larger images (<c>bottleneck upscale</c> on whole
/// photographs) are not part of the exported graph: its input is the model's sample shape, as for every kind.
/// </summary>
public sealed partial class SuperResolutionModel : IOnnxExportable
{
    string IOnnxExportable.EmitEncoder(OnnxGraph graph, string input)
    {
        var c = SuperResolution;
        var low = Resize(graph, input, c.Height, c.Width, c.Height / c.Scale, c.Width / c.Scale, c.Downsampling,
            antialias: c.Downsampling == ResizeFilter.Bicubic, "encoder.0");
        return graph.Node("Flatten", [low], "encoder.1", [Attr("axis", 1L)]);
    }

    string IOnnxExportable.EmitDecoderLogits(OnnxGraph graph, string code)
    {
        var c = SuperResolution;
        int h = c.Height / c.Scale, w = c.Width / c.Scale;
        var x = graph.Node("Reshape", [code, graph.Int64("decoder.0.shape", [0, c.InChannels, h, w], 4)], "decoder.0");
        var bicubic = Resize(graph, x, h, w, h * c.Scale, w * c.Scale, ResizeFilter.Bicubic, antialias: false, "decoder.1.bicubic");
        var residual = OnnxModules.Emit(graph, Upsampler.Body, x, "decoder.1.body");
        return graph.Node("Add", [bicubic, residual], "decoder.1");
    }

    /// <summary>x (N, C, inH, inW) → (N, C, outH, outW) by <see cref="Tensor.Resize2d"/>'s separable resize, written as
    /// A_h (outH × inH) · x · B_w (inW × outW) with the matrices read off the resize of unit images.</summary>
    private static string Resize(OnnxGraph g, string x, int inH, int inW, int outH, int outW, ResizeFilter filter, bool antialias, string path)
    {
        using var _ = Autograd.GradMode.NoGrad();
        // width: unit rows e_j as (inW, 1, 1, inW) → (inW, 1, 1, outW): row j is B_w[j, :]
        var bw = Tensor.Resize2d(Unit(inW, inW, 1, 1, inW), 1, outW, filter, antialias).ToArray();
        // height: unit columns e_i as (inH, 1, inH, 1) → (inH, 1, outH, 1): row i is A_h[:, i]
        var bh = Tensor.Resize2d(Unit(inH, inH, 1, inH, 1), outH, 1, filter, antialias).ToArray();
        var ah = new float[outH * inH];
        for (int i = 0; i < inH; i++)
            for (int o = 0; o < outH; o++) ah[o * inH + i] = bh[i * outH + o];
        var rows = g.Node("MatMul", [x, g.Constant(path + ".width_matrix", bw, inW, outW)], path + ".width");
        return g.Node("MatMul", [g.Constant(path + ".height_matrix", ah, outH, inH), rows], path + ".height");
    }

    /// <summary>n unit images in <paramref name="shape"/> (n first, n values each): image i is 1 at position i, 0 elsewhere.</summary>
    private static Tensor Unit(int n, params int[] shape)
    {
        var data = new float[n * n];
        for (int i = 0; i < n; i++) data[i * n + i] = 1f;
        return Tensor.FromArray(data, shape);
    }
}
