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
        _ => throw new OnnxExportException($"the {kind} model's latent layer {latent.GetType().Name} has no ONNX mapping (deterministic and Gaussian latents map)"),
    };

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
