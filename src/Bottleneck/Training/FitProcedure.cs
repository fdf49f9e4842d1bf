using Bottleneck.Models;

namespace Bottleneck.Training;

/// <summary>A stage of a fit procedure, for progress displays: its name in the history and its number of epochs.</summary>
/// <param name="Name">History stage name ("train", "pretrain-1", "finetune", …).</param>
/// <param name="Epochs">Epochs of the stage (0 for a closed-form fit).</param>
public sealed record FitStage(string Name, int Epochs);

/// <summary>Where a fit reports and what may stop it, and where it checkpoints.</summary>
/// <param name="Progress">Receives progress reports (every few steps and each epoch's end), or null (default).</param>
/// <param name="Cancellation">Stops training after the current step (default none).</param>
/// <param name="CheckpointDirectory">Folder for the per-epoch checkpoint, or null (default) for none.</param>
/// <param name="Resume">Continue from the checkpoint in <paramref name="CheckpointDirectory"/> when there is one (default false).</param>
/// <param name="Recipe">The settings that shape the model and the data (kind, architecture, activation, data SPEC and files,
/// scaling, noise, …) as (name, value) pairs, or null (default) for none. Recorded in the checkpoint; resuming with a different
/// value, or a name missing on either side, is refused with the names and both values.</param>
/// <param name="Communicator">The group of ranks for data-parallel training (docs/scale.md, "Distributed training"), or null (default)
/// for one process. Only procedures with <see cref="IFitProcedure.SupportsDistributed"/> accept one of more than one rank.</param>
public sealed record FitContext(IProgress<TrainingProgress>? Progress = null, CancellationToken Cancellation = default,
    string? CheckpointDirectory = null, bool Resume = false, IReadOnlyList<KeyValuePair<string, string>>? Recipe = null,
    ICommunicator? Communicator = null);

/// <summary>
/// How a model kind is fitted to data: gradient descent (<see cref="Trainer"/>), a closed-form fit
/// (<see cref="ClosedFormFit"/>), greedy layer-wise pretraining then fine-tuning (the stacked kind's procedure), and procedures
/// later kinds add (adversarial). Each registered kind says which one it uses; the CLI and the library call it through this
/// interface only.
/// </summary>
public interface IFitProcedure
{
    /// <summary>What the procedure will do, as (label, text) lines for the CLI, e.g. ("training", "10 epochs, batch 128, adam lr 0.001").</summary>
    IReadOnlyList<(string Label, string Text)> Describe();

    /// <summary>The stages in order, for progress displays.</summary>
    IReadOnlyList<FitStage> Stages { get; }

    /// <summary>The stage whose epochs count as "the" training epochs (best epoch, early stopping, resume messages).</summary>
    string FinalStage { get; }

    /// <summary>Whether an interrupted fit can continue from a checkpoint (<see cref="FitContext.Resume"/>).</summary>
    bool SupportsResume { get; }

    /// <summary>Whether the procedure trains data-parallel over a <see cref="FitContext.Communicator"/> of several ranks (default
    /// false: the gradient-descent <see cref="Trainer"/> does; closed-form and greedy layer-wise fits do not).</summary>
    bool SupportsDistributed => false;

    /// <summary>Fits <paramref name="model"/> to <paramref name="train"/>, validating on <paramref name="validation"/> if given.</summary>
    /// <param name="model">The model, changed in place; left in eval mode.</param>
    /// <param name="train">Training samples.</param>
    /// <param name="validation">Validation samples, or null.</param>
    /// <param name="context">Progress, cancellation and checkpointing.</param>
    /// <exception cref="TrainingDivergedException">A loss or the weights became NaN or infinite.</exception>
    /// <exception cref="ArgumentException">The model or the data do not fit the procedure (the message says why).</exception>
    TrainingResult Fit(AutoencoderModel model, IBatchSource train, IBatchSource? validation, FitContext context);
}

/// <summary>A model fitted in closed form from all of its training rows at once (e.g. PCA), not by gradient steps.</summary>
public interface IClosedFormModel
{
    /// <summary>Fits the model's parameters to <paramref name="data"/>.</summary>
    /// <param name="data">Training rows (N, D) in the model's input space.</param>
    void Fit(Data.Dataset data);

    /// <summary>One line on what the fit computes, e.g. "closed-form PCA fit of 30 components".</summary>
    string DescribeFit();
}

/// <summary>
/// The closed-form fit procedure: one call of <see cref="IClosedFormModel.Fit"/> on every training row (no epochs, no
/// optimizer; the training options do not apply). Needs a <see cref="RowSource"/> (the rows in memory).
/// </summary>
public sealed class ClosedFormFit : IFitProcedure
{
    private readonly string _description;

    /// <summary>Creates the procedure for a model described by <paramref name="description"/>.</summary>
    /// <param name="description">What the fit computes, e.g. "closed-form PCA fit of 30 components".</param>
    public ClosedFormFit(string description) => _description = description;

    /// <inheritdoc/>
    public IReadOnlyList<(string Label, string Text)> Describe() => [("training", _description + " (no epochs; the training options do not apply)")];

    /// <inheritdoc/>
    public IReadOnlyList<FitStage> Stages => [new FitStage("fit", 0)];

    /// <inheritdoc/>
    public string FinalStage => "fit";

    /// <inheritdoc/>
    public bool SupportsResume => false;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The model is not an <see cref="IClosedFormModel"/>, or the source is not a <see cref="RowSource"/>.</exception>
    public TrainingResult Fit(AutoencoderModel model, IBatchSource train, IBatchSource? validation, FitContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        var fitted = model as IClosedFormModel
            ?? throw new ArgumentException($"a {model.Config.Kind} model has no closed-form fit", nameof(model));
        var rows = train as RowSource ?? throw new ArgumentException("a closed-form fit needs the training rows in memory (a RowSource)", nameof(train));
        fitted.Fit(rows.Data);
        model.Eval();
        return new TrainingResult([], 0, false, false);
    }
}
