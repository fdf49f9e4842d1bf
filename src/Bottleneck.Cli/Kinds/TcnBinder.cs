using System.CommandLine;
using Bottleneck.Cli.Commands;
using Bottleneck.Models;
using Bottleneck.Models.Sequence;

namespace Bottleneck.Cli.Kinds;

/// <summary>
/// <c>--kind tcn</c>: <c>--channels</c> (block widths, default 32), <c>--kernel</c> (default 3), <c>--dilations</c> (default
/// 1,2,4,8), <c>--latent</c> (default: the sequence kinds' rule), <c>--output</c> (default linear-mse), <c>--variational</c>,
/// <c>--beta</c>. The data must be sequences (<c>sequences:FILE</c> or <c>series:FILE…</c>).
/// </summary>
public sealed class TcnBinder(DenseOptions dense, SequenceOptions sequence, VariationalOptions variational, ConvBinder conv) : KindBinder
{
    private readonly Option<string> _dilations = CliOptions.IntList("--dilations",
        "Dilation of each residual block of causal convolutions, comma-separated (--kind tcn); receptive field 1 + (K-1)·sum", "1,2,4,8");

    /// <inheritdoc/>
    public override string Kind => "tcn";

    /// <inheritdoc/>
    public override IReadOnlyList<Option> Options => [conv.Channels, conv.KernelOption, _dilations, dense.Latent, dense.Output, sequence.Variational, variational.Beta];

    /// <inheritdoc/>
    public override KindSettings Bind(ParseResult r) => new Settings(
        IsGiven(r, conv.Channels) ? CliOptions.ParseIntList(r.GetValue(conv.Channels), "--channels") : null,
        r.GetValue(conv.KernelOption), CliOptions.ParseIntList(r.GetValue(_dilations), "--dilations"), Given(r, dense.Latent),
        IsGiven(r, dense.Output) ? Likelihood.Parse(r.GetValue(dense.Output)) : null, r.GetValue(sequence.Variational), r.GetValue(variational.Beta));

    /// <summary>The tcn kind's values.</summary>
    /// <param name="Widths">--channels, or null for 32.</param>
    /// <param name="Kernel">--kernel.</param>
    /// <param name="Dilations">--dilations.</param>
    /// <param name="Latent">--latent, or null for the sequence kinds' default.</param>
    /// <param name="GivenOutput">--output, or null for linear-mse.</param>
    /// <param name="Variational">--variational.</param>
    /// <param name="Beta">--beta, or null for 1.</param>
    public sealed record Settings(int[]? Widths, int Kernel, int[] Dilations, int? Latent, Likelihood? GivenOutput, bool Variational, float? Beta)
        : KindSettings("tcn")
    {
        /// <inheritdoc/>
        public override Likelihood Output(KindData data) => GivenOutput ?? Likelihood.Gaussian;

        /// <inheritdoc/>
        /// <exception cref="ArgumentException">The data are not sequences, or --beta without --variational.</exception>
        protected override ModelConfig Create(KindData data)
        {
            bool probe = data.SampleShape.Length == 1 && data.SampleShape[0] == KindData.Probe(0).SampleShape[0];
            if (data.SampleShape.Length != 2 && !probe)
                throw new ArgumentException($"--kind tcn needs sequence data (sequences:FILE or series:FILE...); this data has samples of shape ({string.Join(", ", data.SampleShape)})");
            if (Beta != null && !Variational) throw new ArgumentException("--beta applies to a variational sequence model: add --variational");
            int steps = probe ? 1 : data.SampleShape[0], channels = probe ? 1 : data.SampleShape[1];
            return new TcnConfig(steps, channels, Latent ?? SequenceOptions.DefaultCode(data), Widths, Kernel, Dilations, Output(data), Variational, Beta ?? 1f);
        }

        /// <inheritdoc/>
        protected override string? OptionFor(string parameter) => parameter switch
        {
            "latentDim" => "--latent",
            "widths" => "--channels",
            "kernel" => "--kernel",
            "dilations" => "--dilations",
            "beta" => "--beta",
            _ => null,
        };
    }
}
