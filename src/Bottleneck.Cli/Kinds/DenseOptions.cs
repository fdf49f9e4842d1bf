using System.CommandLine;
using Bottleneck.Anomaly;
using Bottleneck.Cli.Commands;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.NN;

namespace Bottleneck.Cli.Kinds;

/// <summary>
/// The architecture options of the dense family (dense, sparse, denoising, contractive, stacked), shared as one set of option
/// objects by their binders, and the defaults that apply when an option is not given.
/// </summary>
public sealed class DenseOptions
{
    /// <summary>Default hidden widths for reconstruction.</summary>
    public static readonly int[] DefaultHidden = [512, 128];
    /// <summary>Default code width for reconstruction.</summary>
    public const int DefaultLatent = 32;

    /// <summary><c>--hidden W1,W2,...</c>.</summary>
    public Option<string> Hidden { get; } = CliOptions.IntList("--hidden",
        "Encoder hidden widths, outermost first, comma-separated; the decoder mirrors them. \"none\" for no hidden layer", string.Join(",", DefaultHidden));
    /// <summary><c>--latent N</c>.</summary>
    public Option<int> Latent { get; } = new("--latent") { Description = "Code (bottleneck) width", DefaultValueFactory = _ => DefaultLatent, HelpName = "N" };
    /// <summary><c>--activation NAME</c>.</summary>
    public Option<string> Activation { get; } = CliOptions.Choice("--activation", $"Hidden-layer activation: {string.Join(", ", Activations.Names)}",
        "relu", [.. Activations.Names]);
    /// <summary><c>--output NAME</c>.</summary>
    public Option<string> Output { get; } = CliOptions.Choice("--output",
        "The decoder's output distribution and loss: " + string.Join("; ", Likelihood.All.Select(l => $"{l.Name} ({l.Description})")),
        Likelihood.Bernoulli.Name, [.. Likelihood.All.Select(l => l.Name)]);
    /// <summary><c>--tied</c>.</summary>
    public Option<bool> Tied { get; } = CliOptions.Flag("--tied", "Tie decoder weights to the transposed encoder weights");
    /// <summary><c>--dropout P</c>.</summary>
    public Option<float> Dropout { get; } = new("--dropout") { Description = "Dropout probability after each hidden activation, in [0,1)", DefaultValueFactory = _ => 0f, HelpName = "P" };
    /// <summary><c>--batch-norm</c>.</summary>
    public Option<bool> BatchNorm { get; } = CliOptions.Flag("--batch-norm", "BatchNorm before each hidden activation");
    /// <summary><c>--l2 X</c>.</summary>
    public Option<float> L2 { get; } = new("--l2") { Description = "L2 weight penalty lambda*sum(w^2) added to the loss", DefaultValueFactory = _ => 0f, HelpName = "X" };
    /// <summary><c>--l1 X</c>.</summary>
    public Option<float> L1 { get; } = new("--l1") { Description = "L1 weight penalty lambda*sum(|w|) added to the loss", DefaultValueFactory = _ => 0f, HelpName = "X" };
    /// <summary><c>--latent-activation NAME</c>.</summary>
    public Option<string?> LatentActivation { get; } = CliOptions.OptionalChoice("--latent-activation",
        $"Code activation: {string.Join(", ", Activations.Names)}. Default identity (sigmoid for --kind sparse with --sparsity kl)", [.. Activations.Names]);
    /// <summary><c>--noise SPEC</c>: training-time input corruption.</summary>
    public Option<string?> Noise { get; } = NoiseOption("--noise",
        $"Input noise during training, {Corruption.SpecForms} (--kind denoising, default {DefaultDenoisingNoise}; also sparse, contractive, stacked, conv). " +
        "Gaussian noise is clipped to [0,1] for image or min-max scaled data and sigmoid output");

    /// <summary>The noise of <c>--kind denoising</c> without <c>--noise</c>.</summary>
    public const string DefaultDenoisingNoise = "gaussian:0.5";

    /// <summary>An optional option taking a noise SPEC (<see cref="Corruption.Parse"/>), with a parse-time syntax check.</summary>
    public static Option<string?> NoiseOption(string name, string description)
    {
        var o = new Option<string?>(name) { Description = description, HelpName = "SPEC" };
        o.Validators.Add(r =>
        {
            try { if (r.GetValueOrDefault<string?>() is { } v) Corruption.Parse(v); }
            catch (FormatException e) { r.AddError($"{name}: {e.Message}"); }
            catch (ArgumentOutOfRangeException) { }   // a level out of range: the corruption's message, at build time
        });
        return o;
    }

    /// <summary>The architecture options, in help order (without <see cref="Noise"/>).</summary>
    public IReadOnlyList<Option> Architecture => [Hidden, Latent, Activation, Output, Tied, Dropout, BatchNorm, L2, L1, LatentActivation];

    /// <summary>Reads the architecture options; "not given" stays null where the purpose decides the default.</summary>
    public DenseArchitecture Bind(ParseResult r) => new(
        KindBinder.IsGiven(r, Hidden) ? CliOptions.ParseIntList(r.GetValue(Hidden), "--hidden") : null,
        KindBinder.IsGiven(r, Latent) ? r.GetValue(Latent) : null,
        NN.Activations.Parse(r.GetValue(Activation)),
        KindBinder.IsGiven(r, Output) ? Likelihood.Parse(r.GetValue(Output)) : null,
        r.GetValue(Tied),
        KindBinder.IsGiven(r, Dropout) ? r.GetValue(Dropout) : null,
        r.GetValue(BatchNorm), r.GetValue(L2), r.GetValue(L1),
        r.GetValue(LatentActivation) is { } a ? NN.Activations.Parse(a) : null,
        r.GetValue(Noise));
}

/// <summary>
/// Dense-family architecture values from the command line; null = not given (the purpose's default applies).
/// </summary>
/// <param name="Hidden">Encoder hidden widths.</param>
/// <param name="Latent">Code width.</param>
/// <param name="Activation">Hidden activation.</param>
/// <param name="Output">Likelihood.</param>
/// <param name="Tied">Tied weights.</param>
/// <param name="Dropout">Dropout probability.</param>
/// <param name="BatchNorm">Batch norm.</param>
/// <param name="L2">L2 weight penalty.</param>
/// <param name="L1">L1 weight penalty.</param>
/// <param name="LatentActivation">Code activation.</param>
/// <param name="Noise">Training noise (<see cref="Corruption.Parse"/> form).</param>
public sealed record DenseArchitecture(int[]? Hidden, int? Latent, Activation Activation, Likelihood? Output, bool Tied, float? Dropout,
    bool BatchNorm, float L2, float L1, Activation? LatentActivation, string? Noise)
{
    /// <summary>Nothing given: every default.</summary>
    public static DenseArchitecture None { get; } = new(null, null, NN.Activation.Relu, null, false, null, false, 0f, 0f, null, null);

    /// <summary>The likelihood for <paramref name="purpose"/>: the given one, else sigmoid-bce for reconstruction, linear-mse for
    /// anomaly detection on normal rows, tanh-mse for the unsupervised recipe.</summary>
    public Likelihood OutputFor(TrainingPurpose purpose) => Output ?? purpose switch
    {
        TrainingPurpose.AnomalyNormalRows => Likelihood.Gaussian,
        TrainingPurpose.AnomalyContaminated => Likelihood.BoundedGaussian,
        _ => Likelihood.Bernoulli,
    };

    /// <summary>
    /// The config for <paramref name="data"/>, with the defaults of its purpose for what was not given: reconstruction
    /// 512,128 → 32; anomaly detection on normal rows the rule of <see cref="AnomalyDefaults"/> (hidden clamp(⌈D/2⌉, 8, 256), code
    /// clamp(round(D/8), 2, 32)); the unsupervised recipe D-64-32-64-D with a ReLU code, dropout 0.2 and batch norm.
    /// </summary>
    /// <param name="data">The data facts.</param>
    /// <param name="defaultLatentActivation">The kind's code activation when none is given.</param>
    /// <param name="regularizer">The kind's latent regularizer, or null.</param>
    /// <param name="corruption">The kind's training noise, or null.</param>
    /// <param name="pretraining">The kind's pretraining schedule, or null.</param>
    public DenseConfig Build(KindData data, Activation defaultLatentActivation, LatentRegularizer? regularizer = null, Corruption? corruption = null,
        GreedyPretraining? pretraining = null)
    {
        int d = data.InputDim;
        var output = OutputFor(data.Purpose);
        // The anomaly purposes start from the library's architectures; what the user gave replaces their part.
        var start = data.Purpose switch
        {
            TrainingPurpose.AnomalyNormalRows => AnomalyDefaults.DenseArchitecture(d, output),
            TrainingPurpose.AnomalyContaminated => AnomalyDefaults.UnsupervisedArchitecture(d, output),
            _ => new DenseConfig(d, DenseOptions.DefaultHidden, DenseOptions.DefaultLatent, latentActivation: defaultLatentActivation, output: output),
        };
        var latentActivation = LatentActivation ?? (data.Purpose == TrainingPurpose.AnomalyContaminated ? start.LatentActivation : defaultLatentActivation);
        return new DenseConfig(d, Hidden ?? start.Hidden, Latent ?? start.LatentDim, Activation, latentActivation, output, Tied,
            Dropout ?? start.Dropout, BatchNorm || start.BatchNorm, L2, L1, regularizer, corruption, pretraining);
    }

    /// <summary>The training noise (or <paramref name="fallback"/>) as a corruption for <paramref name="data"/>, clipped to [0, 1] for
    /// data in [0, 1]; null without noise.</summary>
    public Corruption? Corruption(KindData data, string? fallback = null) => NoiseFor(data, Noise ?? fallback);

    /// <summary>A noise SPEC as a corruption for <paramref name="data"/> (Gaussian noise clipped to [0, 1] for data in [0, 1]), or null.</summary>
    /// <exception cref="ArgumentException">The SPEC is malformed or its level out of range.</exception>
    public Corruption? NoiseFor(KindData data, string? spec)
    {
        if (spec is null) return null;
        try { return Models.Corruption.Parse(spec, data.UnitRange || OutputFor(data.Purpose).MeanInUnitInterval); }
        catch (FormatException e) { throw new ArgumentException(e.Message, "spec", e); }
    }

    /// <summary>The option of a dense-config parameter.</summary>
    public static string? OptionFor(string parameter) => parameter switch
    {
        "hidden" => "--hidden",
        "latentDim" => "--latent",
        "dropout" => "--dropout",
        "batchNorm" => "--batch-norm",
        "hiddenActivation" => "--activation",
        "latentActivation" => "--latent-activation",
        "l1" => "--l1",
        "l2" => "--l2",
        "sigma" or "p" or "clipMin" or "min" or "spec" => "--noise",
        _ => null,
    };
}
