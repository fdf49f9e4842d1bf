using Bottleneck.Interop.Onnx;

namespace Bottleneck.Models;

/// <summary>The ONNX mapping of the core's latent layers and likelihood means, for the exporter and the kinds'
/// <see cref="IOnnxExportable"/> seams.</summary>
internal static class CoreOnnx
{
    /// <summary>The code of <paramref name="latent"/> for the encoder output <paramref name="h"/>, as <see cref="LatentLayer.Code"/>:
    /// z = h for a deterministic layer, μ(h) for a Gaussian posterior.</summary>
    /// <param name="g">The graph.</param>
    /// <param name="latent">The latent layer.</param>
    /// <param name="h">The encoder output's value name.</param>
    /// <param name="kind">The model kind, for the message.</param>
    /// <exception cref="OnnxExportException">Another latent layer (a codebook, a ladder).</exception>
    public static string Code(OnnxGraph g, LatentLayer latent, string h, string kind) => latent switch
    {
        DeterministicLatent => h,
        GaussianLatent gaussian => OnnxModules.Linear(g, h, gaussian.Mu.Weight, gaussian.Mu.Bias, "latent.mu"),
        VectorQuantizer vq => Quantize(g, vq, h),
        _ => throw new OnnxExportException($"the {kind} model's latent layer {latent.GetType().Name} has no ONNX mapping (deterministic, Gaussian and vector-quantized latents map)"),
    };

    /// <summary>The nearest codebook vector of each codeDim-wide piece of h, as <see cref="VectorQuantizer.Assign"/>: argmin_k ‖e_k‖² − 2·z·e_k
    /// (the first on ties), then the codebook rows gathered and reshaped to h's shape.</summary>
    private static string Quantize(OnnxGraph g, VectorQuantizer vq, string h)
    {
        int k = vq.CodebookSize, d = vq.CodeDim;
        var e = vq.Codebook.ToArray();
        var norms = new float[k];
        for (int c = 0; c < k; c++) norms[c] = System.Numerics.Tensors.TensorPrimitives.Dot(e.AsSpan(c * d, d), e.AsSpan(c * d, d));
        var pieces = g.Node("Reshape", [h, g.Int64("latent.pieces_shape", [-1, d], 2)], "latent.pieces");                     // (V, d)
        var dots = g.Node("MatMul", [pieces, g.Weight(vq.Codebook, transpose: true, hint: "latent.codebook")], "latent.dots");   // (V, K)
        var dist = g.Node("Sub", [g.Constant("latent.norms", norms, k), g.Node("Mul", [dots, g.Scalar("latent.two", 2f)], "latent.two_dots")], "latent.distances");
        var codes = g.Node("ArgMin", [dist], "latent.codes", [OnnxGraph.Attr("axis", 1L), OnnxGraph.Attr("keepdims", 0L)]);
        var q = g.Node("Gather", [g.Weight(vq.Codebook, hint: "latent.codebook"), codes], "latent.quantized", [OnnxGraph.Attr("axis", 0L)]);
        return g.Node("Reshape", [q, g.Node("Shape", [h], "latent.h_shape")], "latent.code");
    }

    /// <summary>The mean of p(x | z) of <paramref name="likelihood"/>: σ(l) for Bernoulli, tanh(l) for the bounded Gaussian, l for the Gaussians.</summary>
    /// <param name="g">The graph.</param>
    /// <param name="likelihood">The likelihood.</param>
    /// <param name="logits">The logits' value name.</param>
    /// <exception cref="OnnxExportException">A likelihood without a mapping.</exception>
    public static string Mean(OnnxGraph g, Likelihood likelihood, string logits) => likelihood switch
    {
        BernoulliLikelihood => g.Node("Sigmoid", [logits], "mean"),
        TanhGaussianLikelihood => g.Node("Tanh", [logits], "mean"),
        GaussianLikelihood => logits,
        _ => throw new OnnxExportException($"the likelihood {likelihood.Name} has no ONNX mapping"),
    };
}
