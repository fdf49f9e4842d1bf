using Bottleneck.Tensors;

namespace Bottleneck.Models;

/// <summary>
/// One named term of a model's loss, a differentiable 0-d tensor already multiplied by its weight: the reconstruction, a
/// regularizer, and (later kinds) KL, MMD, commitment… The trainer logs each term per epoch under its <see cref="Name"/>.
/// </summary>
/// <param name="Name">The term's name, from <see cref="LossTerms"/> or the part that adds it (kebab-case, e.g. "sparsity").</param>
/// <param name="Value">The term, 0-d.</param>
public readonly record struct LossTerm(string Name, Tensor Value);

/// <summary>The names of the loss terms the built-in parts add.</summary>
public static class LossTerms
{
    /// <summary>The reconstruction term, −log p(x | z) per sample (see <see cref="LikelihoodHead.Loss"/>).</summary>
    public const string Reconstruction = "reconstruction";
    /// <summary>A sparsity penalty on the code (<see cref="SparsityKl"/>, <see cref="SparsityL1"/>).</summary>
    public const string Sparsity = "sparsity";
    /// <summary>The contractive penalty λ‖∂h/∂x‖²_F (<see cref="Contractive"/>).</summary>
    public const string Contractive = "contractive";
    /// <summary>L1/L2 penalties on the weight matrices (<see cref="WeightPenalty"/>).</summary>
    public const string WeightPenalty = "weight-penalty";
}

/// <summary>
/// Everything one step of an autoencoder yields. Losses are per sample, summed over features, averaged over the batch;
/// the total is the sum of the named <see cref="Terms"/>.
/// </summary>
/// <param name="Loss">Total loss = Σ terms, 0-d.</param>
/// <param name="Terms">The named terms, reconstruction first.</param>
/// <param name="Latent">The code z, shape (N, latentDim) (a sample of q(z | x) for stochastic latents).</param>
/// <param name="Logits">Decoder output before the likelihood's mean function, shape of the input (N, …).</param>
/// <param name="Head">The likelihood head that maps logits to reconstructions.</param>
public sealed record AutoencoderOutput(Tensor Loss, IReadOnlyList<LossTerm> Terms, Tensor Latent, Tensor Logits, LikelihoodHead Head)
{
    private Tensor? _reconstruction, _regularization;

    /// <summary>The reconstruction x̂ = mean of p(x | z) in data space, shape (N, …) (computed on first access).</summary>
    public Tensor Reconstruction => _reconstruction ??= Head.Mean(Logits);

    /// <summary>
    /// Named values the trainer logs beside the loss terms but does not add to the loss, 0-d (e.g. the unweighted KL
    /// divergence <c>kl-nats</c> when the loss holds β·KL, or a codebook's perplexity); default none.
    /// </summary>
    public IReadOnlyList<LossTerm> Metrics { get; init; } = [];

    /// <summary>The term named <paramref name="name"/>, or null when the model has no such term.</summary>
    public Tensor? Term(string name)
    {
        foreach (var t in Terms) if (t.Name == name) return t.Value;
        return null;
    }

    /// <summary>The reconstruction term, 0-d.</summary>
    public Tensor ReconstructionLoss => Term(LossTerms.Reconstruction) ?? Tensor.Scalar(0f);

    /// <summary>Every term other than the reconstruction, summed (0 when there is none), 0-d.</summary>
    public Tensor RegularizationLoss
    {
        get
        {
            if (_regularization != null) return _regularization;
            Tensor? sum = null;
            foreach (var t in Terms)
                if (t.Name != LossTerms.Reconstruction) sum = sum is null ? t.Value : sum + t.Value;
            return _regularization = sum ?? Tensor.Scalar(0f);
        }
    }

    /// <summary>Builds an output whose loss is reconstruction + (Σ other terms, in order).</summary>
    /// <param name="reconstruction">The reconstruction term.</param>
    /// <param name="others">The other terms (latent terms, regularizers), possibly empty.</param>
    /// <param name="latent">The code.</param>
    /// <param name="logits">The decoder logits.</param>
    /// <param name="head">The likelihood head.</param>
    public static AutoencoderOutput Create(Tensor reconstruction, IReadOnlyList<LossTerm> others, Tensor latent, Tensor logits, LikelihoodHead head)
    {
        var terms = new LossTerm[others.Count + 1];
        terms[0] = new LossTerm(LossTerms.Reconstruction, reconstruction);
        Tensor? rest = null;
        for (int i = 0; i < others.Count; i++)
        {
            terms[i + 1] = others[i];
            rest = rest is null ? others[i].Value : rest + others[i].Value;
        }
        var output = new AutoencoderOutput(rest is null ? reconstruction : reconstruction + rest, terms, latent, logits, head);
        output._regularization = rest;
        return output;
    }
}
