using Bottleneck.Training;

namespace Bottleneck.Models.Dagmm;

/// <summary>
/// The fit procedure of the kind "dagmm": end-to-end gradient descent on the DAGMM loss (<see cref="Trainer"/>, stage "train"), then
/// the scoring mixture estimated from the memberships of every training row (<see cref="DagmmModel.EstimateMixture"/>).
/// </summary>
public sealed class DagmmFit : IFitProcedure
{
    private readonly Trainer _trainer;

    /// <summary>Creates the procedure.</summary>
    /// <param name="options">Training options.</param>
    public DagmmFit(TrainingOptions options) => _trainer = new Trainer(options);

    /// <inheritdoc/>
    public IReadOnlyList<(string Label, string Text)> Describe() =>
        [.. _trainer.Describe(), ("mixture", "phi, mu, Sigma estimated from the memberships of every training row after training")];

    /// <inheritdoc/>
    public IReadOnlyList<FitStage> Stages => _trainer.Stages;

    /// <inheritdoc/>
    public string FinalStage => _trainer.FinalStage;

    /// <inheritdoc/>
    public bool SupportsResume => true;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The model is not a DAGMM, or the source is not a <see cref="RowSource"/>.</exception>
    public TrainingResult Fit(AutoencoderModel model, IBatchSource train, IBatchSource? validation, FitContext context)
    {
        var dagmm = model as DagmmModel ?? throw new ArgumentException($"the DAGMM fit needs a dagmm model, got {model?.Config.Kind}", nameof(model));
        var rows = train as RowSource ?? throw new ArgumentException("the DAGMM fit needs the training rows in memory (a RowSource)", nameof(train));
        var result = _trainer.Fit(model, train, validation, context);
        if (!result.Cancelled) dagmm.EstimateMixture(rows.Data);
        model.Eval();
        return result;
    }
}
