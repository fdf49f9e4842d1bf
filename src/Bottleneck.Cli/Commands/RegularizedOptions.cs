using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.Models.Pca;
using ActivationKind = Bottleneck.NN.Activation;

namespace Bottleneck.Cli.Commands;

/// <summary>The sparsity penalty chosen with <c>--sparsity</c>.</summary>
public enum SparsityPenalty
{
    /// <summary>KL divergence to the target mean activation ρ (<see cref="SparsityKl"/>); needs a sigmoid code.</summary>
    Kl,
    /// <summary>L1 activity penalty on the code (<see cref="SparsityL1"/>); any code activation.</summary>
    L1,
}

/// <summary>The kinds of input noise accepted by <c>--noise</c> and <c>--pretrain-noise</c>.</summary>
public enum NoiseKind
{
    /// <summary>Additive Gaussian noise with standard deviation σ (<see cref="GaussianNoise"/>).</summary>
    Gaussian,
    /// <summary>Masking noise: each value set to 0 with probability p (<see cref="MaskingNoise"/>).</summary>
    Mask,
    /// <summary>Salt-and-pepper noise: each value replaced by 0 or 1 with probability p (<see cref="SaltAndPepperNoise"/>).</summary>
    SaltPepper,
}

/// <summary>A parsed noise SPEC such as <c>gaussian:0.5</c>, <c>mask:0.25</c> or <c>salt-pepper:0.1</c>.</summary>
/// <param name="Kind">The kind of noise.</param>
/// <param name="Level">σ for Gaussian noise (data units), p for masking and salt-and-pepper.</param>
public sealed record NoiseSpec(NoiseKind Kind, float Level)
{
    /// <summary>The accepted forms, for help texts.</summary>
    public const string Help = "gaussian:SIGMA, mask:P or salt-pepper:P";

    /// <summary>The default of <c>--model denoising</c> without <c>--noise</c>: Gaussian noise with σ = 0.5.</summary>
    public static NoiseSpec DefaultDenoising { get; } = new(NoiseKind.Gaussian, 0.5f);

    /// <summary>Parses <c>KIND:LEVEL</c> (KIND gaussian, mask or salt-pepper; the library names masking and salt-and-pepper are accepted too).</summary>
    /// <param name="text">The SPEC.</param>
    /// <param name="option">Option name for the error message.</param>
    /// <exception cref="ArgumentException">Unknown kind, missing or non-numeric level, σ &lt; 0 or p outside [0, 1].</exception>
    public static NoiseSpec Parse(string? text, string option)
    {
        string t = (text ?? "").Trim();
        int colon = t.IndexOf(':');
        string name = (colon < 0 ? t : t[..colon]).Trim().ToLowerInvariant();
        NoiseKind? kind = name switch
        {
            "gaussian" or "gauss" => NoiseKind.Gaussian,
            "mask" or "masking" => NoiseKind.Mask,
            "salt-pepper" or "salt-and-pepper" or "saltpepper" => NoiseKind.SaltPepper,
            _ => null,
        };
        if (kind is null || colon < 0
            || !float.TryParse(t[(colon + 1)..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out float level) || !float.IsFinite(level))
            throw new ArgumentException($"{option} takes {Help} (e.g. gaussian:0.5), got \"{text}\"");
        if (kind == NoiseKind.Gaussian ? level < 0 : level is < 0 or > 1)
            throw new ArgumentException(kind == NoiseKind.Gaussian
                ? $"{option}: the Gaussian standard deviation must be >= 0, got {level.ToString(CultureInfo.InvariantCulture)}"
                : $"{option}: the probability must be in [0, 1], got {level.ToString(CultureInfo.InvariantCulture)}");
        return new NoiseSpec(kind.Value, level);
    }

    /// <summary>
    /// The library corruption. Gaussian noise is clipped to [0, 1] when <paramref name="unitRange"/> (image data, min-max
    /// scaled data or a sigmoid output); salt-and-pepper always uses 0 and 1.
    /// </summary>
    public Corruption ToCorruption(bool unitRange) => Kind switch
    {
        NoiseKind.Gaussian => unitRange ? new GaussianNoise(Level, 0f, 1f) : new GaussianNoise(Level),
        NoiseKind.Mask => new MaskingNoise(Level),
        _ => new SaltAndPepperNoise(Level),
    };

    /// <summary>The SPEC form, e.g. <c>gaussian:0.5</c>.</summary>
    public override string ToString() =>
        $"{(Kind switch { NoiseKind.Gaussian => "gaussian", NoiseKind.Mask => "mask", _ => "salt-pepper" })}:{Level.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>
/// The regularized-autoencoder values of <c>bottleneck train</c> (sparse, denoising, contractive, stacked, linear, pca).
/// Null means "not given" (the kind's default applies); giving a value to a kind it does not apply to is an error.
/// </summary>
/// <param name="LatentActivation">Code activation (default identity; sigmoid for KL sparsity).</param>
/// <param name="Sparsity">KL or L1 sparsity penalty (sparse; default KL).</param>
/// <param name="SparsityTarget">KL target mean activation ρ (sparse with KL; default 0.05).</param>
/// <param name="SparsityWeight">Sparsity weight λ (sparse; default 3 for KL, 0.001 for L1).</param>
/// <param name="Noise">Training-time input corruption (denoising, and optionally sparse, contractive, stacked; default gaussian:0.5 for denoising).</param>
/// <param name="ContractiveWeight">Contractive weight λ (contractive; default 0.1).</param>
/// <param name="ContractiveMethod">Exact or random-projection Jacobian norm (contractive; default exact).</param>
/// <param name="PretrainEpochs">Greedy pretraining epochs per layer (stacked; default max(1, epochs / 2)).</param>
/// <param name="PretrainNoise">Input corruption of each pretraining stage (stacked denoising; default none).</param>
/// <param name="Components">Principal components kept (pca; default --latent).</param>
public sealed record RegularizedSettings(
    ActivationKind? LatentActivation = null,
    SparsityPenalty? Sparsity = null, float? SparsityTarget = null, float? SparsityWeight = null,
    NoiseSpec? Noise = null,
    float? ContractiveWeight = null, ContractiveMethod? ContractiveMethod = null,
    int? PretrainEpochs = null, NoiseSpec? PretrainNoise = null,
    int? Components = null)
{
    /// <summary>Nothing given: plain defaults.</summary>
    public static RegularizedSettings None { get; } = new();

    /// <summary>
    /// Names of the architecture options (<c>--hidden</c>, <c>--output</c>, ...) that were given explicitly on the command
    /// line; used to reject the ones that do not apply to linear and pca models. Empty when built in code.
    /// </summary>
    public IReadOnlyList<string> ExplicitArchitecture { get; init; } = [];

    /// <summary>Default KL sparsity target ρ.</summary>
    public const float DefaultSparsityTarget = 0.05f;
    /// <summary>Default KL sparsity weight λ.</summary>
    public const float DefaultKlWeight = 3f;
    /// <summary>Default L1 sparsity weight λ.</summary>
    public const float DefaultL1Weight = 1e-3f;
    /// <summary>Default contractive weight λ.</summary>
    public const float DefaultContractiveWeight = 0.1f;

    /// <summary>Pretraining epochs per layer for a run of <paramref name="epochs"/> fine-tuning epochs: the given value, else max(1, epochs / 2).</summary>
    public int ResolvePretrainEpochs(int epochs) => PretrainEpochs ?? Math.Max(1, epochs / 2);
}

/// <summary>
/// The <c>train</c> options of the regularized autoencoders, the checks of which kinds they apply to, and their mapping
/// to <see cref="DenseConfig"/> / <see cref="PcaConfig"/> (called from <see cref="ModelOptions.CreateConfig"/>).
/// </summary>
internal sealed class RegularizedOptions
{
    /// <summary>The kinds configured here.</summary>
    public static readonly string[] Kinds = ["sparse", "denoising", "contractive", "stacked", "pca", "linear"];

    /// <summary>Names accepted by <c>--contractive-method</c>.</summary>
    public static readonly string[] ContractiveMethodNames = ["exact", "random-projection"];

    private static readonly string[] DenseKinds = ["dense", "sparse", "denoising", "contractive", "stacked"];
    private static readonly string[] ArchitectureOptionNames = ["--hidden", "--latent", "--activation", "--output", "--tied", "--dropout", "--batch-norm", "--l2", "--l1"];

    public Option<string?> LatentActivation { get; } = Choice("--latent-activation",
        $"Code activation: {string.Join(", ", ModelOptions.ActivationNames)}. Default identity; sigmoid for --model sparse with --sparsity kl",
        ModelOptions.ActivationNames);
    public Option<string?> Sparsity { get; } = Choice("--sparsity", "Sparsity penalty of --model sparse: kl (mean code activation towards --sparsity-target; sigmoid code) or l1 (|code|; any code activation). Default kl",
        "kl", "l1");
    public Option<float?> SparsityTarget { get; } = Number("--sparsity-target", "RHO",
        "KL sparsity target rho in (0,1), the desired mean code activation (--model sparse). Default 0.05", v => v > 0 && v < 1, "must be > 0 and < 1");
    public Option<float?> SparsityWeight { get; } = Number("--sparsity-weight", "X",
        "Sparsity penalty weight lambda (--model sparse). Default 3 for kl, 0.001 for l1", v => v >= 0, "must be >= 0");
    public Option<string?> Noise { get; } = NoiseOption("--noise",
        $"Input noise during training, {NoiseSpec.Help} (--model denoising, default gaussian:0.5; also sparse, contractive, stacked). " +
        "Gaussian noise is clipped to [0,1] for image or min-max scaled data and sigmoid output");
    public Option<float?> ContractiveWeight { get; } = Number("--contractive-weight", "X",
        "Contractive penalty weight lambda on the squared Frobenius norm of the encoder Jacobian (--model contractive). Default 0.1", v => v >= 0, "must be >= 0");
    public Option<string?> ContractiveMethod { get; } = Choice("--contractive-method",
        "How the Jacobian norm is computed (--model contractive): exact or random-projection (one unbiased projection per batch, cheaper for deep encoders). Default exact",
        ContractiveMethodNames);
    public Option<int?> PretrainEpochs { get; } = Count("--pretrain-epochs", "N",
        "Greedy layer-wise pretraining epochs per layer (--model stacked); --epochs is then the fine-tuning. Default max(1, epochs/2)", 1);
    public Option<string?> PretrainNoise { get; } = NoiseOption("--pretrain-noise",
        $"Input noise of each pretraining stage, {NoiseSpec.Help} (--model stacked: stacked denoising autoencoder). Default none");
    public Option<int?> Components { get; } = Count("--components", "K", "Principal components kept (--model pca, fitted in closed form). Default --latent", 1);

    /// <summary>All options, in help order.</summary>
    public IEnumerable<Option> All => [LatentActivation, Sparsity, SparsityTarget, SparsityWeight, Noise, ContractiveWeight, ContractiveMethod,
        PretrainEpochs, PretrainNoise, Components];

    /// <summary>Reads the regularized values of a train parse result (options looked up by name).</summary>
    public static RegularizedSettings Bind(ParseResult r)
    {
        string? latent = r.GetValue<string?>("--latent-activation"), sparsity = r.GetValue<string?>("--sparsity"),
            noise = r.GetValue<string?>("--noise"), method = r.GetValue<string?>("--contractive-method"), pretrainNoise = r.GetValue<string?>("--pretrain-noise");
        return new RegularizedSettings(
            latent is null ? null : ModelOptions.ParseActivation(latent),
            sparsity is null ? null : ParseSparsity(sparsity),
            r.GetValue<float?>("--sparsity-target"), r.GetValue<float?>("--sparsity-weight"),
            noise is null ? null : NoiseSpec.Parse(noise, "--noise"),
            r.GetValue<float?>("--contractive-weight"), method is null ? null : ParseContractiveMethod(method),
            r.GetValue<int?>("--pretrain-epochs"), pretrainNoise is null ? null : NoiseSpec.Parse(pretrainNoise, "--pretrain-noise"),
            r.GetValue<int?>("--components"))
        {
            ExplicitArchitecture = ArchitectureOptionNames.Where(n => r.GetResult(n) is OptionResult { Implicit: false }).ToArray(),
        };
    }

    /// <summary>
    /// Adjusts bound architecture values to the kind: linear and pca models always have a linear-mse output, so unless
    /// <c>--output</c> was given it is set to linear-mse (the automatic scaling then standardizes tabular data).
    /// </summary>
    public static ArchitectureSettings Adjust(string kind, ArchitectureSettings a) =>
        kind.Trim().ToLowerInvariant() is "linear" or "pca" && !a.Regularized.ExplicitArchitecture.Contains("--output")
            ? a with { Output = Reconstruction.LinearMse }
            : a;

    /// <summary>Maps <c>kl</c>/<c>l1</c>.</summary>
    /// <exception cref="ArgumentException">Another name.</exception>
    public static SparsityPenalty ParseSparsity(string name) => name.Trim().ToLowerInvariant() switch
    {
        "kl" => SparsityPenalty.Kl,
        "l1" => SparsityPenalty.L1,
        _ => throw new ArgumentException($"--sparsity must be kl or l1, got \"{name}\""),
    };

    /// <summary>Maps <c>exact</c>/<c>random-projection</c>.</summary>
    /// <exception cref="ArgumentException">Another name.</exception>
    public static ContractiveMethod ParseContractiveMethod(string name) => name.Trim().ToLowerInvariant() switch
    {
        "exact" => Models.ContractiveMethod.Exact,
        "random-projection" => Models.ContractiveMethod.RandomProjection,
        _ => throw new ArgumentException($"--contractive-method must be exact or random-projection, got \"{name}\""),
    };

    /// <summary>
    /// Checks that every regularized option given applies to model kind <paramref name="kind"/> (and that linear and pca
    /// models get no architecture option they cannot use). Cheap: called before any data is loaded.
    /// </summary>
    /// <exception cref="ArgumentException">An option does not apply, e.g. "--sparsity-target applies to --model sparse".</exception>
    public static void Check(string kind, ArchitectureSettings a)
    {
        kind = kind.Trim().ToLowerInvariant();
        var r = a.Regularized;
        void Only(bool given, string option, string kinds, params string[] allowed)
        {
            if (given && !allowed.Contains(kind))
                throw new ArgumentException($"{option} applies to {kinds}, not --model {kind}");
        }
        Only(r.Sparsity != null, "--sparsity", "--model sparse", "sparse");
        Only(r.SparsityTarget != null, "--sparsity-target", "--model sparse", "sparse");
        Only(r.SparsityWeight != null, "--sparsity-weight", "--model sparse", "sparse");
        Only(r.ContractiveWeight != null, "--contractive-weight", "--model contractive", "contractive");
        Only(r.ContractiveMethod != null, "--contractive-method", "--model contractive", "contractive");
        Only(r.PretrainEpochs != null, "--pretrain-epochs", "--model stacked", "stacked");
        Only(r.PretrainNoise != null, "--pretrain-noise", "--model stacked", "stacked");
        Only(r.Components != null, "--components", "--model pca (use --latent for the other kinds)", "pca");
        Only(r.Noise != null, "--noise", "--model denoising, sparse, contractive or stacked", "denoising", "sparse", "contractive", "stacked");
        Only(r.LatentActivation != null, "--latent-activation", "--model dense, sparse, denoising, contractive or stacked", DenseKinds);

        if (kind == "sparse" && r.Sparsity == SparsityPenalty.L1 && r.SparsityTarget != null)
            throw new ArgumentException("--sparsity-target applies to --sparsity kl (the L1 penalty has no target)");
        if (kind == "sparse" && r.Sparsity != SparsityPenalty.L1 && r.LatentActivation is { } act && act != ActivationKind.Sigmoid)
            throw new ArgumentException($"--sparsity kl needs sigmoid code units (the mean activation must be in (0,1)), but --latent-activation is " +
                                        $"{ModelOptions.ActivationNames[(int)act]}: drop --latent-activation (sigmoid is the default), or use --sparsity l1");
        if (kind == "contractive")
        {
            if (a.BatchNorm) throw new ArgumentException("--model contractive needs a plain Linear+activation encoder: drop --batch-norm");
            if (a.Dropout > 0) throw new ArgumentException("--model contractive needs a plain Linear+activation encoder: drop --dropout");
            if (a.Activation == ActivationKind.Gelu || r.LatentActivation == ActivationKind.Gelu)
                throw new ArgumentException("--model contractive does not support gelu (its derivative is not a function of the output); use relu, sigmoid, tanh, elu, softplus or leaky-relu");
        }
        if (kind == "stacked" && a.BatchNorm)
            throw new ArgumentException("--model stacked (greedy layer-wise pretraining) needs an encoder without batch norm: drop --batch-norm");
        if (kind is "linear" or "pca")
        {
            string[] allowed = kind == "linear" ? ["--latent", "--tied", "--l2", "--l1", "--output"] : ["--latent", "--output"];
            var bad = a.Regularized.ExplicitArchitecture.Where(o => !allowed.Contains(o)).ToList();
            if (bad.Count > 0)
                throw new ArgumentException($"{string.Join(", ", bad)} {(bad.Count == 1 ? "does" : "do")} not apply to --model {kind} " +
                    (kind == "linear" ? "(one linear encoder and decoder layer, identity code, linear-mse output)" : "(closed-form PCA; use --components)"));
            if (a.Output != Reconstruction.LinearMse && a.Regularized.ExplicitArchitecture.Contains("--output"))
                throw new ArgumentException($"--model {kind} has a linear-mse output; --output {ModelOptions.OutputName(a.Output)} does not apply");
            if (kind == "pca" && r.Components is { } k && a.Regularized.ExplicitArchitecture.Contains("--latent") && k != a.Latent)
                throw new ArgumentException($"--model pca: --components {k} and --latent {a.Latent} disagree; give only --components");
        }
    }

    /// <summary>
    /// Builds the config of a regularized kind (one of <see cref="Kinds"/>) after <see cref="Check"/>.
    /// </summary>
    /// <param name="kind">The kind name.</param>
    /// <param name="a">Architecture and regularized values.</param>
    /// <param name="inputDim">Number of features D.</param>
    /// <param name="unitRange">The model's input data lie in [0, 1] (image or min-max scaled data): Gaussian noise is clipped to it.</param>
    /// <param name="epochs">Fine-tuning epochs, for the default of <c>--pretrain-epochs</c>.</param>
    /// <exception cref="ArgumentException">An option does not apply or a value is invalid.</exception>
    public static ModelConfig CreateConfig(string kind, ArchitectureSettings a, int inputDim, bool unitRange, int epochs)
    {
        Check(kind, a);
        var r = a.Regularized;
        bool clip = unitRange || a.Output == Reconstruction.SigmoidBce;
        var corruption = r.Noise?.ToCorruption(clip);
        ModelConfig config = kind switch
        {
            "pca" => new PcaConfig(inputDim, r.Components is { } k ? (k <= inputDim ? k
                : throw new ArgumentException($"--components {k} exceeds the number of features ({inputDim})")) : Math.Min(a.Latent, inputDim)),
            "linear" => new DenseConfig(inputDim, [], a.Latent, ActivationKind.Identity, ActivationKind.Identity, Reconstruction.LinearMse,
                a.Tied, 0f, false, a.L2, a.L1),
            "sparse" => Dense(a, inputDim, r.Sparsity == SparsityPenalty.L1
                    ? new SparsityL1(r.SparsityWeight ?? RegularizedSettings.DefaultL1Weight)
                    : new SparsityKl(r.SparsityTarget ?? RegularizedSettings.DefaultSparsityTarget, r.SparsityWeight ?? RegularizedSettings.DefaultKlWeight),
                corruption, null, r.Sparsity == SparsityPenalty.L1 ? ActivationKind.Identity : ActivationKind.Sigmoid),
            "contractive" => Dense(a, inputDim,
                new Contractive(r.ContractiveWeight ?? RegularizedSettings.DefaultContractiveWeight, r.ContractiveMethod ?? Models.ContractiveMethod.Exact),
                corruption, null, ActivationKind.Identity),
            "denoising" => Dense(a, inputDim, null, corruption ?? NoiseSpec.DefaultDenoising.ToCorruption(clip), null, ActivationKind.Identity),
            "stacked" => Dense(a, inputDim, null, corruption,
                new GreedyPretraining(r.ResolvePretrainEpochs(epochs), r.PretrainNoise?.ToCorruption(clip)), ActivationKind.Identity),
            _ => throw new ArgumentException($"model kind '{kind}' is not a regularized kind"),
        };
        if (config.Kind != kind)
            throw new ArgumentException($"the options make a '{config.Kind}' model, not --model {kind}");
        return config;
    }

    private static DenseConfig Dense(ArchitectureSettings a, int inputDim, LatentRegularizer? regularizer, Corruption? corruption,
        GreedyPretraining? pretraining, ActivationKind defaultLatent) =>
        new(inputDim, a.Hidden, a.Latent, a.Activation, a.Regularized.LatentActivation ?? defaultLatent, a.Output, a.Tied, a.Dropout,
            a.BatchNorm, a.L2, a.L1, regularizer, corruption, pretraining);

    /// <summary>A string option restricted to <paramref name="choices"/> (case-insensitive) with no default (null when not given).</summary>
    private static Option<string?> Choice(string name, string description, params string[] choices)
    {
        var o = new Option<string?>(name) { Description = description, HelpName = "NAME" };
        o.CompletionSources.Add(choices);
        o.Validators.Add(r =>
        {
            string? v = r.GetValueOrDefault<string?>();
            if (v != null && !choices.Contains(v.Trim(), StringComparer.OrdinalIgnoreCase))
                r.AddError($"{name} must be one of {string.Join(", ", choices)}; got \"{v}\"");
        });
        return o;
    }

    private static Option<string?> NoiseOption(string name, string description)
    {
        var o = new Option<string?>(name) { Description = description, HelpName = "SPEC" };
        o.Validators.Add(r =>
        {
            string? v = r.GetValueOrDefault<string?>();
            if (v == null) return;
            try { NoiseSpec.Parse(v, name); }
            catch (ArgumentException e) { r.AddError(e.Message); }
        });
        return o;
    }

    private static Option<float?> Number(string name, string helpName, string description, Func<float, bool> valid, string rule)
    {
        var o = new Option<float?>(name) { Description = description, HelpName = helpName };
        o.Validators.Add(r =>
        {
            float? v;
            try { v = r.GetValueOrDefault<float?>(); }
            catch (InvalidOperationException) { return; }   // not a number: the parser reports it
            if (v is float f && (!float.IsFinite(f) || !valid(f)))
                r.AddError($"{name} {rule}, got {f.ToString(CultureInfo.InvariantCulture)}");
        });
        return o;
    }

    private static Option<int?> Count(string name, string helpName, string description, int min)
    {
        var o = new Option<int?>(name) { Description = description, HelpName = helpName };
        o.Validators.Add(r =>
        {
            int? v;
            try { v = r.GetValueOrDefault<int?>(); }
            catch (InvalidOperationException) { return; }
            if (v is int i && i < min) r.AddError($"{name} must be >= {min}, got {i}");
        });
        return o;
    }
}
