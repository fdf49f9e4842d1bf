using Bottleneck.Models;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Models.Variational;

/// <summary>
/// The batches of a semi-supervised run: each step pairs a minibatch of unlabelled rows (an epoch is one pass over them, in the
/// trainer's shuffled order) with as many labelled rows drawn with replacement from the labelled ones, so every step sees labelled
/// rows however few there are (Kingma et al. 2014 spread their labelled rows over every minibatch the same way). Row i of the
/// source is the i-th unlabelled row; <see cref="Load"/> appends the labelled draws after the unlabelled rows.
/// </summary>
/// <remarks>The labelled draws of a batch come from a generator seeded by the batch's indices and <see cref="Seed"/>, so they are
/// reproducible (a resumed run draws the same rows) without state in the source. The model weighs the over-sampled labelled rows
/// by their share of the data (<see cref="VariationalConfig.LabelledRows"/>), so pairing lowers the variance of the step, not
/// the objective it estimates.</remarks>
public sealed class PairedLabelledSource : IBatchSource
{
    private readonly RowSource _rows;
    private readonly int[] _labelled;
    private readonly int[] _unlabelled;

    /// <summary>Splits <paramref name="rows"/> into labelled (label ≥ 0) and unlabelled (label −1) rows.</summary>
    /// <param name="rows">The training rows with their labels (<see cref="RowSource.WithLabels"/>).</param>
    /// <param name="seed">Seed of the labelled draws.</param>
    /// <exception cref="ArgumentException">The rows carry no labels, or none (or every one) of them is labelled.</exception>
    public PairedLabelledSource(RowSource rows, ulong seed)
    {
        _rows = rows ?? throw new ArgumentNullException(nameof(rows));
        if (!rows.WithLabels || rows.Data.Labels is not { } labels)
            throw new ArgumentException($"{rows.Name}: pairing labelled with unlabelled rows needs the labels", nameof(rows));
        _labelled = Enumerable.Range(0, labels.Length).Where(i => labels[i] >= 0).ToArray();
        _unlabelled = Enumerable.Range(0, labels.Length).Where(i => labels[i] < 0).ToArray();
        if (_labelled.Length == 0 || _unlabelled.Length == 0)
            throw new ArgumentException($"{rows.Name} has {_labelled.Length} labelled and {_unlabelled.Length} unlabelled rows; pairing needs both", nameof(rows));
        Seed = seed;
    }

    /// <summary>Whether <paramref name="rows"/> has both labelled and unlabelled rows (so pairing applies).</summary>
    /// <param name="rows">A training source.</param>
    public static bool Applies(IBatchSource rows) =>
        rows is RowSource { WithLabels: true, Data.Labels: { } labels } && labels.Any(l => l >= 0) && labels.Any(l => l < 0);

    /// <summary>Seed of the labelled draws.</summary>
    public ulong Seed { get; }

    /// <summary>N_l, the labelled rows.</summary>
    public int LabelledCount => _labelled.Length;

    /// <inheritdoc/>
    /// <remarks>The unlabelled rows: an epoch is one pass over them.</remarks>
    public int Count => _unlabelled.Length;

    /// <inheritdoc/>
    public string Name => _rows.Name;

    /// <inheritdoc/>
    /// <remarks>Returns |indices| unlabelled rows followed by |indices| labelled rows drawn with replacement (labels −1, then the
    /// drawn rows' labels): a batch of 2·|indices| rows.</remarks>
    public Batch Load(ReadOnlySpan<int> indices)
    {
        int n = indices.Length;
        var rows = new int[2 * n];
        ulong h = Seed ^ 0x9E3779B97F4A7C15UL;
        for (int i = 0; i < n; i++)
        {
            if ((uint)indices[i] >= (uint)_unlabelled.Length)
                throw new ArgumentOutOfRangeException(nameof(indices), indices[i], $"index {indices[i]} is outside the {_unlabelled.Length} unlabelled rows");
            rows[i] = _unlabelled[indices[i]];
            h = (h ^ (ulong)indices[i]) * 0x100000001B3UL;
        }
        var rng = new Rng(h);
        for (int i = 0; i < n; i++) rows[n + i] = _labelled[rng.NextInt(_labelled.Length)];
        return _rows.LoadRows(rows);
    }
}

/// <summary>
/// The fit procedure of the semi-supervised VAE: gradient descent (<see cref="Trainer"/>, same options, checkpoints and history) on
/// paired batches (<see cref="PairedLabelledSource"/>) when the training rows are partly labelled; on the rows as they are otherwise
/// (every row labelled, or data that is not in memory).
/// </summary>
/// <param name="options">The training options.</param>
public sealed class SemiSupervisedFit(TrainingOptions options) : IFitProcedure
{
    private readonly Trainer _trainer = new(options ?? throw new ArgumentNullException(nameof(options)));

    /// <inheritdoc/>
    public IReadOnlyList<(string Label, string Text)> Describe() =>
        [.. _trainer.Describe(), ("batches", $"each step: {options.BatchSize} unlabelled rows + {options.BatchSize} labelled rows drawn with replacement (when the rows are partly labelled)")];

    /// <inheritdoc/>
    public IReadOnlyList<FitStage> Stages => _trainer.Stages;

    /// <inheritdoc/>
    public string FinalStage => _trainer.FinalStage;

    /// <inheritdoc/>
    public bool SupportsResume => true;

    /// <inheritdoc/>
    public TrainingResult Fit(AutoencoderModel model, IBatchSource train, IBatchSource? validation, FitContext context)
    {
        ArgumentNullException.ThrowIfNull(train);
        var source = PairedLabelledSource.Applies(train) ? new PairedLabelledSource((RowSource)train, options.Seed) : train;
        return _trainer.Fit(model, source, validation, context);
    }
}
