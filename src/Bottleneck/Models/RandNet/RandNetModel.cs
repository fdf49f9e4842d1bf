using Bottleneck.Autograd;
using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models.RandNet;

/// <summary>
/// RandNet (Chen et al., SDM 2017): M composed <see cref="Autoencoder"/>s whose Linear layers are <see cref="MaskedLinear"/> with
/// a fixed random mask each. The ensemble's step averages the members' losses (all members on the same batch); the kind's fit
/// procedure (<see cref="RandNetFit"/>) instead trains each member on its own subsample and then calibrates the scores. The anomaly
/// score of a row is the median (or mean, max: <see cref="RandNetConfig.Combination"/>) over members of the standardised squared
/// error zₘ = (eₘ − μₘ)/σₘ, eₘ = (1/D)·‖x − x̂ₘ‖², with μₘ, σₘ from the training rows (<see cref="ScoreEnsemble"/>).
/// </summary>
/// <remarks>
/// <para>Shape: input (N, D) → code (N, M·memberLatentDim), the members' codes side by side → logits (N, D), the mean of the
/// members' logits (so <see cref="AutoencoderModel.Reconstruct(Tensor)"/> is the ensemble's mean reconstruction for a linear output).</para>
/// <para>State dict: <c>member_{m}.encoder.{i}.weight</c>, <c>….bias</c>, <c>….mask</c>, <c>member_{m}.decoder.…</c>, and the buffers
/// <c>score_mean</c> (M) and <c>score_std</c> (M) (0 and 1 until calibrated).</para>
/// </remarks>
public sealed class RandNetModel : AutoencoderModel, IAnomalyScoringModel
{
    private readonly Autoencoder[] _members;
    private readonly LikelihoodHead _head;
    private readonly Tensor _scoreMean, _scoreStd;

    /// <summary>Builds the ensemble: member m's weights and mask are drawn from a generator forked from <paramref name="rng"/>.</summary>
    /// <param name="config">The configuration.</param>
    /// <param name="rng">Generator for the initial weights and masks.</param>
    public RandNetModel(RandNetConfig config, Rng rng) : base(config)
    {
        ArgumentNullException.ThrowIfNull(rng);
        RandNetConfig = config;
        _members = new Autoencoder[config.Members];
        int[] widths = [config.InputDim, .. config.Hidden, config.MemberLatentDim];
        for (int m = 0; m < config.Members; m++)
        {
            var r = rng.Fork();
            var encoder = Stack(widths, config, r);
            var decoder = Stack(widths.Reverse().ToArray(), config, r);
            _members[m] = RegisterModule($"member_{m}", new Autoencoder(new RandNetMemberConfig(config, m), new AutoencoderParts(encoder, new DeterministicLatent(), decoder)));
        }
        _head = config.Likelihood.CreateHead(config.InputShape);
        using (TensorScope.Untracked())
        {
            _scoreMean = RegisterBuffer("score_mean", Tensor.Zeros(config.Members));
            _scoreStd = RegisterBuffer("score_std", Tensor.Full(1f, config.Members));
        }
    }

    /// <summary>MaskedLinear, activation, …, MaskedLinear (no activation after the last).</summary>
    private static Sequential Stack(int[] widths, RandNetConfig c, Rng rng)
    {
        var seq = new Sequential();
        for (int i = 0; i < widths.Length - 1; i++)
        {
            seq.Add(new MaskedLinear(widths[i], widths[i + 1], c.DropConnect, rng));
            if (i < widths.Length - 2) seq.Add(new ActivationLayer(c.HiddenActivation));
        }
        return seq;
    }

    /// <summary>The configuration.</summary>
    public RandNetConfig RandNetConfig { get; }

    /// <summary>The members, each a composed autoencoder (its own <see cref="AutoencoderModel.Step"/> and parameters).</summary>
    public IReadOnlyList<Autoencoder> Members => _members;

    /// <summary>μₘ, each member's mean score on the training rows (M).</summary>
    public Tensor ScoreMean => _scoreMean;

    /// <summary>σₘ, each member's score standard deviation on the training rows (M).</summary>
    public Tensor ScoreStd => _scoreStd;

    /// <inheritdoc/>
    public override LikelihoodHead LikelihoodHead => _head;

    /// <inheritdoc/>
    public string ScoreDescription =>
        $"{RandNetConfig.Combination.ToString().ToLowerInvariant()} over {_members.Length} members of the standardised squared error (e - mu_m)/sigma_m";

    /// <inheritdoc/>
    public override Tensor Encode(Tensor x)
    {
        CheckInput(x);
        return Tensor.Concat(_members.Select(m => m.Encode(x)).ToArray(), 1);
    }

    /// <inheritdoc/>
    public override Tensor DecodeLogits(Tensor z)
    {
        int k = RandNetConfig.MemberLatentDim;
        Tensor? sum = null;
        for (int m = 0; m < _members.Length; m++)
        {
            var l = _members[m].DecodeLogits(z.Slice(1, m * k, k));
            sum = sum is null ? l : sum + l;
        }
        return sum!.MulScalar(1f / _members.Length);
    }

    /// <inheritdoc/>
    /// <remarks>Every member steps on the batch; loss = (1/M)·Σₘ lossₘ (term <c>reconstruction</c>), code and logits as
    /// <see cref="Encode(Tensor)"/> and <see cref="DecodeLogits"/>.</remarks>
    public override AutoencoderOutput Step(Batch batch, StepContext context)
    {
        Tensor? loss = null, logits = null;
        var codes = new Tensor[_members.Length];
        for (int m = 0; m < _members.Length; m++)
        {
            var o = _members[m].Step(batch, context);
            loss = loss is null ? o.Loss : loss + o.Loss;
            logits = logits is null ? o.Logits : logits + o.Logits;
            codes[m] = o.Latent;
        }
        float inv = 1f / _members.Length;
        return AutoencoderOutput.Create(loss!.MulScalar(inv), [], Tensor.Concat(codes, 1), logits!.MulScalar(inv), _head);
    }

    /// <summary>Each member's raw score eₘ = (1/D)·‖x − x̂ₘ‖² of each row, member-major (M·N), in eval mode without autograd.</summary>
    /// <param name="x">Rows (N, D).</param>
    public float[] MemberScores(Tensor x)
    {
        CheckInput(x);
        int n = x.Dim(0), d = InputDim;
        var scores = new float[_members.Length * n];
        var mean = new float[n * d];
        using (GradMode.NoGrad())
            for (int m = 0; m < _members.Length; m++)
            {
                var logits = _members[m].DecodeLogits(_members[m].Encode(x));
                _members[m].LikelihoodHead.Mean(logits.Span, mean);
                for (int i = 0; i < n; i++)
                {
                    float dist = System.Numerics.Tensors.TensorPrimitives.Distance(x.Span.Slice(i * d, d), mean.AsSpan(i * d, d));
                    scores[m * n + i] = dist * dist / d;
                }
            }
        return scores;
    }

    /// <summary>Sets μₘ and σₘ from the members' scores on the training rows (<see cref="ScoreEnsemble.Fit"/>).</summary>
    /// <param name="x">The training rows (N ≥ 1, D), preprocessed.</param>
    public void Calibrate(Tensor x)
    {
        bool was = Training;
        Eval();
        try
        {
            var scores = MemberScores(x);
            int n = x.Dim(0);
            for (int m = 0; m < _members.Length; m++)
            {
                var (mu, sd) = ScoreEnsemble.Fit(scores.AsSpan(m * n, n));
                _scoreMean.Span[m] = (float)mu;
                _scoreStd.Span[m] = (float)sd;
            }
        }
        finally { Train(was); }
    }

    /// <inheritdoc/>
    public void AnomalyScores(Tensor x, Span<float> scores)
    {
        var raw = MemberScores(x);
        ScoreEnsemble.Combine(raw, _scoreMean.Span, _scoreStd.Span, RandNetConfig.Combination, scores.Slice(0, x.Dim(0)));
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Name, string Value)> Summary() =>
    [
        ("connection density", string.Join(", ", _members.Select(m => m.Modules().OfType<MaskedLinear>().Average(l => l.Density).ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))),
    ];
}
