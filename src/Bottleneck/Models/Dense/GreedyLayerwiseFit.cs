using Bottleneck.Data;
using Bottleneck.NN;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Models.Dense;

/// <summary>
/// The fit procedure of the kind "stacked": greedy layer-wise pretraining of a dense autoencoder, then end-to-end fine-tuning
/// (Bengio et al., "Greedy layer-wise training of deep networks", NIPS 2007; Hinton &amp; Salakhutdinov, Science 2006; with
/// corruption, Vincent et al., JMLR 2010). Layer l is trained as a shallow autoencoder h_(l−1) → h_l → h_(l−1) on the codes of
/// the already-trained (and thereafter frozen) layers below; its encoder and decoder are copied into the deep model's encoder
/// layer l and the mirrored decoder layer; then the whole model is fine-tuned by a <see cref="Trainer"/>.
/// </summary>
/// <remarks>
/// <para>History stages: "pretrain-1", "pretrain-2", …, then "finetune".</para>
/// <para>Stage l's shallow autoencoder has, for layer 1, the deep model's likelihood (e.g. Bernoulli for images), and for
/// l &gt; 1 the likelihood matching the codes it reconstructs (<see cref="Likelihood.Matching"/>). Its code activation is the deep
/// model's hidden activation (the latent activation for the last layer), its corruption the schedule's. Each stage trains with the
/// fine-tuning options' optimizer, batch size, learning rate and clipping, <see cref="GreedyPretraining.EpochsPerLayer"/> epochs,
/// no early stopping, seed (seed + l). The codes h_l of the whole dataset are materialised once per stage (N × h_l floats).
/// Pretraining writes no checkpoints, so an interrupted run starts again.</para>
/// </remarks>
public sealed class GreedyLayerwiseFit : IFitProcedure
{
    private readonly DenseConfig _config;
    private readonly GreedyPretraining _schedule;
    private readonly TrainingOptions _options;

    /// <summary>Creates the procedure for <paramref name="config"/>.</summary>
    /// <param name="config">The deep model's config; its <see cref="DenseConfig.Pretraining"/> is the schedule unless <paramref name="schedule"/> is given.</param>
    /// <param name="options">Options of the fine-tuning run (see the remarks for the pretraining stages).</param>
    /// <param name="schedule">Overrides the config's schedule; default null.</param>
    /// <exception cref="ArgumentException">No schedule given or configured, or the encoder has batch norm.</exception>
    public GreedyLayerwiseFit(DenseConfig config, TrainingOptions options, GreedyPretraining? schedule = null)
    {
        _config = config ?? throw new ArgumentNullException(nameof(config));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _schedule = schedule ?? config.Pretraining
            ?? throw new ArgumentException("the model config has no pretraining schedule; pass one or set DenseConfig.pretraining");
        if (config.BatchNorm) throw new ArgumentException("greedy layer-wise pretraining needs an encoder without batch norm");
    }

    private int Layers => _config.EncoderWidths().Length - 1;

    /// <inheritdoc/>
    public IReadOnlyList<(string Label, string Text)> Describe() =>
    [
        ("pretraining", $"{_schedule.EpochsPerLayer} epoch{(_schedule.EpochsPerLayer == 1 ? "" : "s")} for each of {Layers} layer{(Layers == 1 ? "" : "s")}" +
            (_schedule.Corruption is { } c ? $" with noise {c.Describe()}" : "") +
            $", then {_options.Epochs} epoch{(_options.Epochs == 1 ? "" : "s")} of end-to-end fine-tuning"),
        .. new Trainer(_options).Describe(),
    ];

    /// <inheritdoc/>
    public IReadOnlyList<FitStage> Stages =>
        [.. Enumerable.Range(1, Layers).Select(l => new FitStage($"pretrain-{l}", _schedule.EpochsPerLayer)), new FitStage("finetune", _options.Epochs)];

    /// <inheritdoc/>
    public string FinalStage => "finetune";

    /// <inheritdoc/>
    public bool SupportsResume => false;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The model is not a <see cref="DenseAutoencoder"/> of this config, or the source is not a <see cref="RowSource"/>.</exception>
    public TrainingResult Fit(AutoencoderModel model, IBatchSource train, IBatchSource? validation, FitContext context)
    {
        var dense = model as DenseAutoencoder ?? throw new ArgumentException($"greedy layer-wise pretraining needs a dense model, got {model.Config.Kind}", nameof(model));
        var rows = train as RowSource ?? throw new ArgumentException("greedy layer-wise pretraining needs the training rows in memory (a RowSource)", nameof(train));
        var history = new List<EpochRecord>(Pretrain(dense, rows.Data, context));
        if (context.Cancellation.IsCancellationRequested) return new TrainingResult(history, 0, false, true);
        var fine = new Trainer(_options) { Stage = "finetune" }.Fit(dense, train, validation, context with { CheckpointDirectory = null, Resume = false });
        history.AddRange(fine.History);
        return new TrainingResult(history, fine.BestEpoch, fine.StoppedEarly, fine.Cancelled);
    }

    /// <summary>
    /// Greedy layer-wise pretraining only: sets the weights of every encoder layer and its mirrored decoder layer of
    /// <paramref name="model"/> and returns the per-stage history ("pretrain-l").
    /// </summary>
    /// <param name="model">A dense autoencoder of this procedure's config.</param>
    /// <param name="data">Unlabelled training data (N, D).</param>
    /// <param name="context">Progress and cancellation (checkpoints are not written).</param>
    /// <exception cref="ShapeException">The data width differs from the model's.</exception>
    public IReadOnlyList<EpochRecord> Pretrain(DenseAutoencoder model, Dataset data, FitContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        context ??= new FitContext();
        var c = model.DenseConfig;
        if (data.FeatureCount != model.InputDim)
            throw new ShapeException($"{data.Source} has {data.FeatureCount} features, the model expects {model.InputDim}");
        var widths = c.EncoderWidths();
        int layers = widths.Length - 1;
        var history = new List<EpochRecord>();
        var input = data;
        var o = _options;
        var stageContext = context with { CheckpointDirectory = null, Resume = false };
        for (int l = 1; l <= layers; l++)
        {
            var codeActivation = l == layers ? c.LatentActivation : c.HiddenActivation;
            var likelihood = l == 1 ? c.Likelihood : Likelihood.Matching(c.HiddenActivation);
            var shallowConfig = new DenseConfig(widths[l - 1], [], widths[l], c.HiddenActivation, codeActivation, likelihood, c.TiedWeights,
                corruption: _schedule.Corruption);
            var shallow = new DenseAutoencoder(shallowConfig, new Rng(o.Seed + (ulong)l * 7919UL));
            var stageOptions = new TrainingOptions(_schedule.EpochsPerLayer, o.BatchSize, o.Optimizer, o.LearningRate, o.WeightDecay,
                o.Schedule, patience: 0, o.ClipNorm, o.Seed + (ulong)l);
            var result = new Trainer(stageOptions) { Stage = $"pretrain-{l}" }.Fit(shallow, RowSource.For(shallow, input), null, stageContext);
            history.AddRange(result.History);
            if (result.Cancelled) break;

            using (TensorScope.Untracked())
            {
                Copy(model.EncoderLinears[l - 1], shallow.EncoderLinears[0]);
                if (c.TiedWeights) model.TiedDecoderBiases[layers - l].CopyFrom(shallow.TiedDecoderBiases[0]);
                else Copy(model.DecoderLinears[layers - l], shallow.DecoderLinears[0]);
            }
            if (l < layers) input = new Dataset(Batching.Encode(shallow, input), input.Rows, widths[l], input.Labels, source: $"codes of {input.Source}");
        }
        return history;
    }

    private static void Copy(Linear target, Linear source)
    {
        target.Weight.CopyFrom(source.Weight);
        if (target.Bias != null && source.Bias != null) target.Bias.CopyFrom(source.Bias);
    }
}
