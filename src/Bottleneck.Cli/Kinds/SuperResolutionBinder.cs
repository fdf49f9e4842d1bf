using System.CommandLine;
using Bottleneck.Cli.Commands;
using Bottleneck.Models;
using Bottleneck.NN;
using Bottleneck.Models.SuperResolution;
using Bottleneck.Tensors;

namespace Bottleneck.Cli.Kinds;

/// <summary>
/// <c>--kind super-resolution</c>: <c>--factor</c> (the scale r: 2, 3 or 4; <c>--scale</c> is the feature scaling), <c>--downsample</c> (bicubic or area), the shared <c>--channels</c>
/// (hidden widths, default 64,64,32), <c>--augment</c> (default dihedral) and <c>--kernel</c>, <c>--activation</c>, <c>--output</c> (default linear-mse). Trains on
/// high-resolution images (images:DIR, usually with patch=P, P a multiple of the scale).
/// </summary>
public sealed class SuperResolutionBinder(DenseOptions dense, ConvBinder conv) : KindBinder
{
    private readonly Option<int> _scale = CliOptions.Value("--factor", "R", "Super-resolution factor r: 2, 3 or 4 (--kind super-resolution)", 2);
    private readonly Option<string> _downsample = CliOptions.Value("--downsample", "FILTER",
        "How low-resolution training inputs are made from the images: bicubic (antialiased, as Pillow/MATLAB resize) or area (r×r means) (--kind super-resolution)", "bicubic");

    /// <inheritdoc/>
    public override string Kind => "super-resolution";

    /// <inheritdoc/>
    public override IReadOnlyList<Option> Options => [_scale, _downsample, conv.Channels, conv.KernelOption, dense.Activation, dense.Output, conv.AugmentOption];

    /// <inheritdoc/>
    public override KindSettings Bind(ParseResult r) => new Settings(
        r.GetValue(_scale), r.GetValue(_downsample)!,
        IsGiven(r, conv.Channels) ? CliOptions.ParseIntList(r.GetValue(conv.Channels), "--channels") : null,
        r.GetValue(conv.KernelOption), Activations.Parse(r.GetValue(dense.Activation)),
        IsGiven(r, dense.Output) ? Likelihood.Parse(r.GetValue(dense.Output)) : null,
        ConvBinder.ParseAugment(r.GetValue(conv.AugmentOption)));

    /// <summary>The super-resolution kind's values.</summary>
    /// <param name="Scale">--factor.</param>
    /// <param name="Downsample">--downsample (bicubic or area).</param>
    /// <param name="Channels">--channels, or null for <see cref="SuperResolutionConfig.DefaultChannels"/>.</param>
    /// <param name="Kernel">--kernel.</param>
    /// <param name="Activation">--activation.</param>
    /// <param name="GivenOutput">--output, or null for linear-mse.</param>
    /// <param name="Augment">--augment dihedral (true) or none (false), or null for the kind's default (<see cref="SuperResolutionConfig.DefaultAugment"/>).</param>
    public sealed record Settings(int Scale, string Downsample, int[]? Channels, int Kernel, Activation Activation, Likelihood? GivenOutput, bool? Augment = null)
        : KindSettings("super-resolution")
    {
        /// <inheritdoc/>
        public override Likelihood Output(KindData data) => GivenOutput ?? Likelihood.Gaussian;

        /// <inheritdoc/>
        /// <exception cref="ArgumentException">The data are not images, or --downsample is not bicubic or area.</exception>
        protected override ModelConfig Create(KindData data)
        {
            var filter = Downsample.ToLowerInvariant() switch
            {
                "bicubic" => ResizeFilter.Bicubic,
                "area" => ResizeFilter.Area,
                _ => throw new ArgumentException($"--downsample {Downsample}: use bicubic or area"),
            };
            int[] shape = data.IsProbe ? [1, 2 * Scale, 2 * Scale] : data.SampleShape;
            if (shape.Length != 3)
                throw new ArgumentException($"--kind super-resolution trains on images (C, H, W): use image data (images:DIR:patch=P, mnist[:DIR]); these samples are rows of {data.InputDim} features");
            return new SuperResolutionConfig(shape[0], shape[1], shape[2], Scale, Channels, Kernel, filter, Activation, Output(data),
                Augment ?? SuperResolutionConfig.DefaultAugment);
        }

        /// <inheritdoc/>
        protected override string? OptionFor(string parameter) => parameter switch
        {
            "scale" => "--factor",
            "channels" => "--channels",
            "kernelSize" => "--kernel",
            _ => null,
        };
    }
}
