using System.CommandLine;
using Bottleneck.Cli.Commands;
using Bottleneck.Models;
using Bottleneck.Models.Conv;
using Bottleneck.NN;

namespace Bottleneck.Cli.Kinds;

/// <summary>
/// <c>--kind conv</c>: <c>--channels</c>, <c>--kernel</c>, <c>--stride</c>, a dense code (<c>--latent</c>) or a spatial one
/// (<c>--latent-channels</c>), and the shared <c>--activation</c>, <c>--output</c> and <c>--noise</c>. Trains on image data
/// (samples (C, H, W): images:DIR, mnist[:DIR], demo, image NPY files).
/// </summary>
public sealed class ConvBinder(DenseOptions dense) : KindBinder
{
    /// <summary>Default encoder channels.</summary>
    public static readonly int[] DefaultChannels = [32, 64];

    private readonly Option<string> _channels = CliOptions.IntList("--channels",
        "Encoder channels, one strided convolution each, outermost first; the decoder mirrors them with transposed convolutions (conv; " +
        "on vae, beta-tcvae, info-vae, wae-mmd, aae, vq-vae, hvae a convolutional encoder and decoder instead of --hidden); " +
        "the width of each residual block (tcn, default 32; the last repeats)", string.Join(",", DefaultChannels));
    private readonly Option<int> _kernel = CliOptions.Value("--kernel", "K", "Convolution kernel size (conv: odd, padding (K-1)/2; tcn: ≥ 2, causal)", 3);

    /// <summary><c>--channels</c> (shared with the tcn kind).</summary>
    public Option<string> Channels => _channels;

    /// <summary><c>--kernel</c> (shared with the tcn kind).</summary>
    public Option<int> KernelOption => _kernel;
    private readonly Option<int> _stride = CliOptions.Value("--stride", "S", "Stride of every encoder convolution", 2);

    /// <summary><c>--stride</c> (shared with the variational kinds' convolutional backbone).</summary>
    public Option<int> StrideOption => _stride;

    /// <summary><c>--augment dihedral|none</c> (shared with the super-resolution kind): train on a random flip or rotation of each sample;
    /// not given = the kind's default.</summary>
    public Option<string?> AugmentOption { get; } = Augment();

    private static Option<string?> Augment()
    {
        var o = new Option<string?>("--augment")
        {
            Description = "Training data augmentation: dihedral (each training image or patch replaced by a random one of its 8 flips and " +
                          "rotations by 90°, drawn per sample and step) or none (conv: default none; super-resolution: default dihedral)",
            HelpName = "dihedral|none",
        };
        o.CompletionSources.Add("dihedral", "none");
        o.Validators.Add(r =>
        {
            string? v = r.GetValueOrDefault<string?>();
            if (v is not null && ParseAugment(v) is null) r.AddError($"--augment must be dihedral or none; got \"{v}\"");
        });
        return o;
    }

    /// <summary>"dihedral" → true, "none" → false (case-insensitive), anything else → null.</summary>
    internal static bool? ParseAugment(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "dihedral" => true,
        "none" => false,
        _ => null,
    };
    private readonly Option<int?> _latentChannels = new("--latent-channels")
    {
        Description = "Spatial code: channels of a fully convolutional code (instead of --latent); images are padded to a multiple of the total stride and cropped back",
        HelpName = "C",
    };

    /// <inheritdoc/>
    public override string Kind => "conv";

    /// <inheritdoc/>
    private readonly Option<bool> _residual = CliOptions.Flag("--residual",
        "Residual learning (DnCNN): the reconstruction is the input plus the decoder's output, so a denoising model predicts minus the noise (conv; output linear-mse)");

    /// <inheritdoc/>
    public override IReadOnlyList<Option> Options => [_channels, _kernel, _stride, dense.Latent, _latentChannels, dense.Activation, dense.Output, dense.Noise, AugmentOption, _residual];

    /// <inheritdoc/>
    public override KindSettings Bind(ParseResult result) => new Settings(
        CliOptions.ParseIntList(result.GetValue(_channels), "--channels"), result.GetValue(_kernel), result.GetValue(_stride),
        Given(result, dense.Latent), result.GetValue(_latentChannels), Activations.Parse(result.GetValue(dense.Activation)),
        IsGiven(result, dense.Output) ? Likelihood.Parse(result.GetValue(dense.Output)) : null, result.GetValue(dense.Noise),
        ParseAugment(result.GetValue(AugmentOption)) ?? false, result.GetValue(_residual));

    /// <summary>The conv kind's values.</summary>
    /// <param name="Channels">--channels.</param>
    /// <param name="Kernel">--kernel.</param>
    /// <param name="Stride">--stride.</param>
    /// <param name="Latent">--latent when typed, else null (32 unless --latent-channels is given).</param>
    /// <param name="LatentChannels">--latent-channels, or null.</param>
    /// <param name="Activation">--activation.</param>
    /// <param name="GivenOutput">--output when typed, or null (sigmoid-bce; linear-mse for anomaly detection).</param>
    /// <param name="Noise">--noise SPEC, or null.</param>
    /// <param name="Augment">--augment dihedral (default none).</param>
    /// <param name="Residual">--residual.</param>
    public sealed record Settings(int[] Channels, int Kernel, int Stride, int? Latent, int? LatentChannels, Activation Activation,
        Likelihood? GivenOutput, string? Noise, bool Augment = false, bool Residual = false) : KindSettings("conv")
    {
        /// <inheritdoc/>
        public override Likelihood Output(KindData data) =>
            GivenOutput ?? (data.Purpose == TrainingPurpose.Reconstruction && !Residual ? Likelihood.Bernoulli : Likelihood.Gaussian);

        /// <inheritdoc/>
        /// <exception cref="ArgumentException">The data are not images, --latent and --latent-channels are both given, or a value is invalid.</exception>
        protected override ModelConfig Create(KindData data)
        {
            int[] shape = data.IsProbe ? [1, 64, 64] : data.SampleShape;
            if (shape.Length != 3)
                throw new ArgumentException($"--kind conv trains on images (C, H, W): use image data (images:DIR, mnist[:DIR], demo, an image NPY file); these samples are rows of {data.InputDim} features");
            if (Latent != null && LatentChannels != null)
                throw new ArgumentException($"give one code: --latent {Latent} (dense) or --latent-channels {LatentChannels} (spatial), not both");
            var output = Output(data);
            Corruption? corruption = null;
            if (Noise != null)
            {
                try { corruption = Corruption.Parse(Noise, data.UnitRange || output.MeanInUnitInterval); }
                catch (FormatException e) { throw new ArgumentException(e.Message, "spec", e); }
            }
            return new ConvConfig(shape[0], shape[1], shape[2], Channels, Kernel, Stride,
                LatentChannels is null ? Latent ?? DenseOptions.DefaultLatent : null, LatentChannels, Activation, output, corruption, augment: Augment, residual: Residual);
        }

        /// <inheritdoc/>
        protected override string? OptionFor(string parameter) => parameter switch
        {
            "channels" => "--channels",
            "kernelSize" => "--kernel",
            "stride" => "--stride",
            "latentDim" => "--latent",
            "latentChannels" => "--latent-channels",
            "sigma" or "p" or "clipMin" or "min" or "spec" => "--noise",
            _ => null,
        };
    }
}
