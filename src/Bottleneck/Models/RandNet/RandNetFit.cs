using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Models.RandNet;

/// <summary>
/// The fit procedure of the kind "randnet": member m is trained alone (a <see cref="Trainer"/>, stage "member-{m}", seed + m) on a
/// random subsample of ⌈sampleFraction·N⌉ training rows drawn without replacement, then every member's score is standardised on
/// all the training rows (<see cref="RandNetModel.Calibrate"/>).
/// </summary>
/// <remarks>
/// The paper's adaptive sampling grows each member's sample over its training epochs; here each member sees one fixed subsample
/// for all of its epochs (a simplification: the members still differ in their data, as in bagging, and in their connections).
/// No checkpoints (an interrupted fit starts again).
/// </remarks>
public sealed class RandNetFit : IFitProcedure
{
    private readonly RandNetConfig _config;
    private readonly TrainingOptions _options;

    /// <summary>Creates the procedure.</summary>
    /// <param name="config">The ensemble's config.</param>
    /// <param name="options">Each member's training options (the seed of member m is seed + m).</param>
    public RandNetFit(RandNetConfig config, TrainingOptions options)
    {
        _config = config ?? throw new ArgumentNullException(nameof(config));
        _options = options ?? throw new ArgumentNullException(nameof(options));
    }

    /// <inheritdoc/>
    public IReadOnlyList<(string Label, string Text)> Describe() =>
    [
        ("ensemble", $"{_config.Members} members, each on a random {_config.SampleFraction.ToString("G3", System.Globalization.CultureInfo.InvariantCulture)} of the rows, then scores standardised on all rows"),
        .. new Trainer(_options).Describe(),
    ];

    /// <inheritdoc/>
    public IReadOnlyList<FitStage> Stages => [.. Enumerable.Range(1, _config.Members).Select(m => new FitStage($"member-{m}", _options.Epochs))];

    /// <inheritdoc/>
    public string FinalStage => $"member-{_config.Members}";

    /// <inheritdoc/>
    public bool SupportsResume => false;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The model is not a RandNet, or the source is not a <see cref="RowSource"/>.</exception>
    public TrainingResult Fit(AutoencoderModel model, IBatchSource train, IBatchSource? validation, FitContext context)
    {
        var ensemble = model as RandNetModel ?? throw new ArgumentException($"the RandNet fit needs a randnet model, got {model?.Config.Kind}", nameof(model));
        var rows = train as RowSource ?? throw new ArgumentException("the RandNet fit needs the training rows in memory (a RowSource)", nameof(train));
        ArgumentNullException.ThrowIfNull(context);
        var data = rows.Data;
        int n = data.Rows;
        int take = Math.Max(Math.Min(n, 2), (int)Math.Ceiling(_config.SampleFraction * n));
        var history = new List<EpochRecord>();
        var stageContext = context with { CheckpointDirectory = null, Resume = false };
        var o = _options;
        var sampler = new Rng(o.Seed ^ 0x5A4D504CUL);
        for (int m = 0; m < ensemble.Members.Count; m++)
        {
            var subset = data.Subset(sampler.Permutation(n).AsSpan(0, take));
            var stage = new TrainingOptions(o.Epochs, o.BatchSize, o.Optimizer, o.LearningRate, o.WeightDecay, o.Schedule, patience: 0, o.ClipNorm, o.Seed + (ulong)m);
            var member = ensemble.Members[m];
            var result = new Trainer(stage) { Stage = $"member-{m + 1}" }.Fit(member, RowSource.For(member, subset, "training data"), null, stageContext);
            history.AddRange(result.History);
            if (result.Cancelled) return new TrainingResult(history, 0, false, true);
        }
        ensemble.Calibrate(Tensor.FromArray(data.Features, n, data.FeatureCount));
        model.Eval();
        return new TrainingResult(history, o.Epochs, false, false);
    }
}
