using System.CommandLine;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.NN;
using ActivationKind = Bottleneck.NN.Activation;

namespace Bottleneck.Cli.Commands;

/// <summary>
/// Architecture values from the command line, for every model kind. Each kind reads the fields it understands in
/// <see cref="ModelOptions.CreateConfig"/>; a new kind adds its fields here, its options in <see cref="ModelOptions"/>,
/// and one case in <see cref="ModelOptions.CreateConfig"/>.
/// </summary>
/// <param name="Hidden">Encoder hidden widths, outermost first (the decoder mirrors them); empty for a shallow model.</param>
/// <param name="Latent">Code width.</param>
/// <param name="Activation">Hidden-layer activation.</param>
/// <param name="Output">Output activation and reconstruction loss.</param>
/// <param name="Tied">Tie decoder weights to the transposed encoder weights.</param>
/// <param name="Dropout">Dropout probability after hidden activations.</param>
/// <param name="BatchNorm">BatchNorm before each hidden activation.</param>
/// <param name="L2">L2 weight penalty.</param>
/// <param name="L1">L1 weight penalty.</param>
public sealed record ArchitectureSettings(int[] Hidden, int Latent, Activation Activation, Reconstruction Output,
    bool Tied, float Dropout, bool BatchNorm, float L2, float L1)
{
    /// <summary>The defaults of <c>bottleneck train</c>: 512,128 → 32, ReLU, sigmoid + BCE, no regularization.</summary>
    public static ArchitectureSettings Default { get; } =
        new([512, 128], 32, ActivationKind.Relu, Reconstruction.SigmoidBce, false, 0f, false, 0f, 0f);

    /// <summary>Values of the regularized kinds (sparse, denoising, contractive, stacked, pca, linear) and the code activation; see <see cref="RegularizedOptions"/>.</summary>
    public RegularizedSettings Regularized { get; init; } = RegularizedSettings.None;
}

/// <summary>
/// The architecture options of <c>bottleneck train</c> and the one place that maps them to a model kind's config.
/// </summary>
internal sealed class ModelOptions
{
    /// <summary>Activation names accepted by <c>--activation</c>, in <see cref="ActivationKind"/> order.</summary>
    public static readonly string[] ActivationNames = ["identity", "relu", "leaky-relu", "elu", "gelu", "sigmoid", "tanh", "softplus"];

    /// <summary>Names accepted by <c>--output</c>.</summary>
    public static readonly string[] OutputNames = ["sigmoid-bce", "linear-mse", "tanh-mse"];

    public Option<string> Model { get; } = CliOptions.Text("--model", "KIND",
        $"Model kind: {string.Join(", ", ModelRegistry.All.Select(k => k.Name))}", "dense");
    public Option<string> Hidden { get; } = CliOptions.IntList("--hidden",
        "Encoder hidden widths, outermost first, comma-separated; the decoder mirrors them. \"none\" for no hidden layer",
        string.Join(",", ArchitectureSettings.Default.Hidden));
    public Option<int> Latent { get; } = CliOptions.Int("--latent", "Code (bottleneck) width", ArchitectureSettings.Default.Latent, 1);
    public Option<string> Activation { get; } = CliOptions.Choice("--activation",
        $"Hidden-layer activation: {string.Join(", ", ActivationNames)}", "relu", ActivationNames);
    public Option<string> Output { get; } = CliOptions.Choice("--output",
        "Output activation and loss: sigmoid-bce (data in [0,1]), linear-mse (unbounded/standardized data), tanh-mse (data in [-1,1])",
        "sigmoid-bce", OutputNames);
    public Option<bool> Tied { get; } = CliOptions.Flag("--tied", "Tie decoder weights to the transposed encoder weights");
    public Option<float> Dropout { get; } = CliOptions.Float("--dropout", "Dropout probability after each hidden activation, in [0,1)", 0f, 0f, maxExclusive: 1f);
    public Option<bool> BatchNorm { get; } = CliOptions.Flag("--batch-norm", "BatchNorm before each hidden activation");
    public Option<float> L2 { get; } = CliOptions.Float("--l2", "L2 weight penalty λ·Σw² added to the loss", 0f, 0f);
    public Option<float> L1 { get; } = CliOptions.Float("--l1", "L1 weight penalty λ·Σ|w| added to the loss", 0f, 0f);
    public RegularizedOptions Regularized { get; } = new();

    /// <summary>All options, in help order.</summary>
    public IEnumerable<Option> All => [Model, Hidden, Latent, Activation, Output, Tied, Dropout, BatchNorm, L2, L1, .. Regularized.All];

    /// <summary>Reads the architecture values of a parse result (options looked up by name).</summary>
    public static ArchitectureSettings Bind(ParseResult r) => RegularizedOptions.Adjust(r.GetValue<string>("--model")!, new(
        CliOptions.ParseIntList(r.GetValue<string>("--hidden"), "--hidden"), r.GetValue<int>("--latent"), ParseActivation(r.GetValue<string>("--activation")!),
        ParseOutput(r.GetValue<string>("--output")!), r.GetValue<bool>("--tied"), r.GetValue<float>("--dropout"),
        r.GetValue<bool>("--batch-norm"), r.GetValue<float>("--l2"), r.GetValue<float>("--l1")) { Regularized = RegularizedOptions.Bind(r) });

    /// <summary>Maps an activation name (see <see cref="ActivationNames"/>) to the enum.</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static ActivationKind ParseActivation(string name)
    {
        int i = Array.FindIndex(ActivationNames, n => n.Equals(name?.Trim(), StringComparison.OrdinalIgnoreCase));
        return i >= 0 ? (ActivationKind)i : throw new ArgumentException($"unknown activation \"{name}\"; use one of {string.Join(", ", ActivationNames)}");
    }

    /// <summary>Maps an output name (see <see cref="OutputNames"/>) to the enum.</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static Reconstruction ParseOutput(string name) => name?.Trim().ToLowerInvariant() switch
    {
        "sigmoid-bce" => Reconstruction.SigmoidBce,
        "linear-mse" => Reconstruction.LinearMse,
        "tanh-mse" => Reconstruction.TanhMse,
        _ => throw new ArgumentException($"unknown output \"{name}\"; use one of {string.Join(", ", OutputNames)}"),
    };

    /// <summary>The command-line name of an output kind.</summary>
    public static string OutputName(Reconstruction r) => OutputNames[(int)r];

    /// <summary>
    /// Builds the config of model kind <paramref name="kind"/> for <paramref name="inputDim"/> features from the
    /// command-line values. This is the single place where options become a model config.
    /// </summary>
    /// <param name="kind">Model kind name.</param>
    /// <param name="a">Architecture (and regularized) values.</param>
    /// <param name="inputDim">Number of features.</param>
    /// <param name="unitRange">The model's input data lie in [0, 1] (Gaussian <c>--noise</c> is then clipped to it).</param>
    /// <param name="epochs">Training epochs (default of <c>--pretrain-epochs</c>).</param>
    /// <exception cref="ArgumentException">Unknown kind, a kind without a command-line mapping, an option that does not apply to the kind, or an invalid value (from the config's validation).</exception>
    public static ModelConfig CreateConfig(string kind, ArchitectureSettings a, int inputDim, bool unitRange = false, int epochs = 10)
    {
        var k = ModelRegistry.Get(kind);
        if (RegularizedOptions.Kinds.Contains(k.Name)) return RegularizedOptions.CreateConfig(k.Name, a, inputDim, unitRange, epochs);
        RegularizedOptions.Check(k.Name, a);
        return k.Name switch
        {
            "dense" => new DenseConfig(inputDim, a.Hidden, a.Latent, a.Activation, a.Regularized.LatentActivation ?? ActivationKind.Identity, a.Output,
                a.Tied, a.Dropout, a.BatchNorm, a.L2, a.L1),
            _ => throw new ArgumentException($"model kind '{k.Name}' cannot be configured from the command line yet"),
        };
    }
}
