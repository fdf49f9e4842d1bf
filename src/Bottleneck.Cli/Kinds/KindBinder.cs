using System.CommandLine;
using System.CommandLine.Parsing;
using Bottleneck.Cli.Services;
using Bottleneck.Models;
using Bottleneck.Models.Registry;

namespace Bottleneck.Cli.Kinds;

/// <summary>What the training data is for, which decides the defaults of options the user did not give.</summary>
public enum TrainingPurpose
{
    /// <summary>Reconstruction (compress, embed, denoise): the kind's plain defaults.</summary>
    Reconstruction,
    /// <summary>Anomaly detection on normal rows (<c>--normal-only</c>, or a tabular CSV): the default-architecture rule of
    /// <see cref="Anomaly.AnomalyDefaults"/>, linear-mse output.</summary>
    AnomalyNormalRows,
    /// <summary>Anomaly detection on rows that may include anomalies (<c>--contaminated</c>): the unsupervised recipe.</summary>
    AnomalyContaminated,
}

/// <summary>What a kind's config is built for: the data's sample shape and range, the epochs, and the purpose.</summary>
/// <param name="SampleShape">Shape of one sample (e.g. [D]).</param>
/// <param name="UnitRange">The model's input data lie in [0, 1] (image or min-max scaled data).</param>
/// <param name="Epochs">Training epochs (some defaults depend on them).</param>
/// <param name="Purpose">What the model is trained for.</param>
public sealed record KindData(int[] SampleShape, bool UnitRange, int Epochs, TrainingPurpose Purpose)
{
    /// <summary>D, the number of values per sample.</summary>
    public int InputDim => SampleShape.Aggregate(1, (a, b) => a * b);

    /// <summary>Training rows (0 when not known, e.g. while probing the options).</summary>
    public int Rows { get; init; }

    /// <summary>Classes of the training labels (0 when the data has no labels).</summary>
    public int Classes { get; init; }

    /// <summary>
    /// Data facts for checking the options before the data is loaded: a sample width large enough for any value that depends on
    /// it (the config constructors still check every value), reconstruction purpose.
    /// </summary>
    public static KindData Probe(int epochs) => new([1 << 20], false, epochs, TrainingPurpose.Reconstruction) { IsProbe = true };

    /// <summary>True for the <see cref="Probe"/>: its sample shape is a stand-in, not the data's (a kind that needs images checks its options on an image of its own).</summary>
    public bool IsProbe { get; init; }
}

/// <summary>
/// The values of one kind's options, read from the command line (typed, with "not given" kept as null), that build the kind's
/// config once the data is known. Validation is the config constructor's: its messages are the library's, prefixed with the
/// option a parameter came from.
/// </summary>
/// <param name="Kind">The registered kind name.</param>
public abstract record KindSettings(string Kind)
{
    /// <summary>The likelihood the config will have (it decides the automatic scaling before the config is built).</summary>
    public abstract Likelihood Output(KindData data);

    /// <summary>The training rows as the kind trains on them (default unchanged; the semi-supervised kind hides all but
    /// <c>--labelled</c> labels).</summary>
    /// <param name="train">The training split, preprocessed.</param>
    /// <param name="data">What the config was built for.</param>
    /// <param name="seed">The run's seed.</param>
    /// <exception cref="ArgumentException">The data cannot serve the kind (e.g. fewer labelled rows than asked).</exception>
    public virtual Data.Dataset PrepareTraining(Data.Dataset train, KindData data, ulong seed) => train;

    /// <summary>The learning-rate schedule the kind trains with when <c>--schedule</c> is not given (a name of
    /// <see cref="Training.TrainingOptions.ScheduleNames"/>), or null for the command's default (none).</summary>
    public virtual string? DefaultSchedule => null;

    /// <summary>The epochs the kind trains for when <c>--epochs</c> is not given, or null for the command's default (10).</summary>
    public virtual int? DefaultEpochs => null;

    /// <summary>Whether <c>--contaminated</c> (the unsupervised recipe, a dense network) applies to this kind.</summary>
    public virtual bool TakesUnsupervisedRecipe => false;

    /// <summary>Whether the kind is a detector built for training rows that contain anomalies (robust-ae): <c>train</c> then uses
    /// the unsupervised recipe's training values and score (as <c>--contaminated</c>) unless <c>--normal-only</c> is given.</summary>
    public virtual bool AssumesContaminatedRows => false;

    /// <summary>One line <c>train</c> prints as a warning when the kind is trained on rows not known to be normal (no
    /// <c>--normal-only</c>), or null (default): where the kind is not a sound detector for such rows (dagmm).</summary>
    public virtual string? ContaminationCaveat => null;

    /// <summary>The config for <paramref name="data"/>, of kind <see cref="Kind"/>.</summary>
    /// <exception cref="ArgumentException">A value is invalid; the message starts with the option it came from when known.</exception>
    public ModelConfig Build(KindData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        try
        {
            var config = Create(data);
            return config.Kind == Kind ? config : config with { Kind = Kind };
        }
        catch (ArgumentException e) when (e.ParamName is { } p && OptionFor(p.Split('[')[0]) is { } option)
        {
            throw new ArgumentException(NameTheOption(CliService.OneLine(e), p, option), e);
        }
    }

    /// <summary>
    /// The library's message for the option a parameter came from: "latentDim must be ≥ 1, got 0" from --latent becomes
    /// "--latent must be ≥ 1, got 0"; a message that does not start with the parameter's name is prefixed with the option.
    /// </summary>
    public static string NameTheOption(string message, string parameter, string option) =>
        message.StartsWith(parameter + " ", StringComparison.Ordinal) ? option + message[parameter.Length..] : $"{option}: {message}";

    /// <summary>Builds the config (the constructor validates).</summary>
    protected abstract ModelConfig Create(KindData data);

    /// <summary>The option a config parameter comes from (e.g. "latentDim" → "--latent"), or null.</summary>
    protected abstract string? OptionFor(string parameter);
}

/// <summary>
/// One model kind on the command line: the options it reads and how they become its <see cref="KindSettings"/>. Each kind has
/// its binder file in this folder and one line in <see cref="KindBinders"/>.
/// </summary>
public abstract class KindBinder
{
    /// <summary>The registered kind name (<c>--kind</c>).</summary>
    public abstract string Kind { get; }

    /// <summary>The kind's registry entry (name, description, config type, fit procedure).</summary>
    public ModelKind Registration => ModelRegistry.Get(Kind);

    /// <summary>Every option the kind reads (options shared by several kinds are the same instances).</summary>
    public abstract IReadOnlyList<Option> Options { get; }

    /// <summary>Reads the kind's options through their typed objects.</summary>
    public abstract KindSettings Bind(ParseResult result);

    /// <summary>The value of <paramref name="option"/> when it was typed on the command line, else null.</summary>
    protected static T? Given<T>(ParseResult r, Option<T> option) where T : struct =>
        IsGiven(r, option) ? r.GetValue(option) : null;

    /// <summary>Whether <paramref name="option"/> was typed on the command line (not just defaulted).</summary>
    public static bool IsGiven(ParseResult r, Option option) => r.GetResult(option) is OptionResult { Implicit: false };
}
