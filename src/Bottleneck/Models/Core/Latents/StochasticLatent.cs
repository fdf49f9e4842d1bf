using Bottleneck.Tensors;

namespace Bottleneck.Models;

/// <summary>
/// A latent layer with a posterior q(z | x) that can be sampled and scored: what the negative ELBO per sample and the
/// importance-weighted NLL need beyond <see cref="LatentLayer"/>. Implemented by <see cref="GaussianLatent"/> and
/// <see cref="LadderLatent"/>. Shapes: h (N, H) the encoder output, z (N, latentDim) what the decoder sees.
/// </summary>
public interface IStochasticLatent
{
    /// <summary>One z per row (z ~ q(z | x), or the posterior means when <paramref name="rng"/> is null) and each row's KL
    /// term of the negative ELBO in nats (analytic where the layer has one closed form, else a one-sample estimate). No autograd needed.</summary>
    /// <param name="h">Encoder output (N, H).</param>
    /// <param name="rng">Generator, or null for the means.</param>
    (Tensor Z, float[] Kl) Draw(Tensor h, Rng? rng);

    /// <summary>
    /// k draws z_j ~ q(z | x) for one row and, per draw, log p(z_j) − log q(z_j | x) (all latent variables, nats): the
    /// importance weights of Burda et al. (2016) without the likelihood. Returns z (k, latentDim).
    /// </summary>
    /// <param name="h">Encoder output of one row (1, H).</param>
    /// <param name="k">Draws ≥ 1.</param>
    /// <param name="rng">Generator.</param>
    (Tensor Z, double[] LogPriorOverPosterior) DrawForImportance(Tensor h, int k, Rng rng);
}

/// <summary>Log-densities of diagonal Gaussians.</summary>
internal static class GaussianDensity
{
    private static readonly double Ln2Pi = Math.Log(2 * Math.PI);

    /// <summary>Σ_j log N(x_j; μ_j, e^{lv_j}) over a row of width k starting at <paramref name="offset"/>.</summary>
    public static double Log(ReadOnlySpan<float> x, ReadOnlySpan<float> mu, ReadOnlySpan<float> logVar, int xOffset, int offset, int k)
    {
        double s = 0;
        for (int j = 0; j < k; j++)
        {
            double d = x[xOffset + j] - mu[offset + j], lv = logVar[offset + j];
            s += -0.5 * (d * d * Math.Exp(-lv) + lv + Ln2Pi);
        }
        return s;
    }
}
