using System.CommandLine;
using Bottleneck.Cli.Services;

namespace Bottleneck.Cli.Commands;

/// <summary>The figures <c>bottleneck plot</c> draws.</summary>
public enum PlotSubject
{
    /// <summary>Loss curves by epoch: train loss, each named term, validation loss, learning rate.</summary>
    History,
    /// <summary>2-D PCA map of the codes, coloured by label.</summary>
    Latent,
    /// <summary>Histograms of the latent units.</summary>
    Units,
    /// <summary>Anomaly-score histogram (by label) with the saved threshold.</summary>
    Scores,
    /// <summary>ROC curve of the anomaly scores against the labels.</summary>
    Roc,
    /// <summary>Precision-recall curve of the anomaly scores against the labels.</summary>
    Pr,
}

/// <summary>What <c>bottleneck plot</c> needs.</summary>
/// <param name="Subject">The figure.</param>
/// <param name="ModelDir">Model folder.</param>
/// <param name="Data">Data SPEC (all but history), or null for the data the model was trained on.</param>
/// <param name="Out">Output .png or .svg.</param>
/// <param name="Width">Width in pixels, 100..10000 (default 800).</param>
/// <param name="Height">Height in pixels, 100..10000 (default 500).</param>
public sealed record PlotSettings(PlotSubject Subject, string ModelDir, string? Data, string Out, int Width = 800, int Height = 500)
{
    /// <summary>The latent map's projection (<c>--projection pca|tsne</c>); default PCA.</summary>
    public Bottleneck.Reports.NamedProjection Projection { get; init; } = Bottleneck.Reports.NamedProjection.Pca;
}

/// <summary>The <c>plot</c> command.</summary>
public static class PlotCommand
{
    /// <summary>Help text, with examples.</summary>
    public const string Description =
        "Draw one figure of a model as PNG or SVG (by the --out extension), with ScottPlot.\n\n" +
        "SUBJECT is one of:\n" +
        "  history  loss curves by epoch: train loss, each named loss term, validation loss, learning rate (right axis)\n" +
        "  latent   the codes of --data projected to 2-D (--projection pca, or tsne: t-SNE, slower), coloured by label\n" +
        "  units    histograms of the latent units (the 8 of largest variance)\n" +
        "  scores   anomaly-score histogram (normal and anomaly apart when the data has labels) with the model's threshold\n" +
        "  roc      ROC curve of the anomaly scores against the labels (needs both classes)\n" +
        "  pr       precision-recall curve of the same\n" +
        "--data defaults to the data the model was trained on. Fonts: the first installed of DejaVu Sans, Liberation Sans,\n" +
        "Lato, Arial, Helvetica (BOTTLENECK_PLOT_FONT names one to try first), else ScottPlot's default.\n\n" +
        "Examples:\n" +
        "  bottleneck plot history --model runs/vae --out history.png\n" +
        "  bottleneck plot latent --model runs/vae --data mnist:test --out latent.svg\n" +
        "  bottleneck plot scores --model runs/cardio --data csv:cardio.csv:label=label --out scores.png\n" +
        "  bottleneck plot roc --model runs/cardio --data csv:cardio.csv:label=label --out roc.png";

    private sealed record Options(Argument<string> Subject, Option<string> Model, Option<string?> Data, Option<string> Out, Option<int> Width, Option<int> Height)
    {
        public Option<string> Projection { get; } = ReportCommand.ProjectionOption();
    }

    /// <summary>Creates the command; its action runs a <see cref="PlotService"/> on <paramref name="env"/>.</summary>
    public static Command Create(CliEnvironment env)
    {
        var subject = new Argument<string>("SUBJECT") { Description = "history, latent, units, scores, roc or pr" };
        subject.AcceptOnlyFromAmong([.. Enum.GetValues<PlotSubject>().Select(PlotService.Name)]);
        var o = new Options(subject, ApplyOptions.ModelOption(),
            CliOptions.Optional("--data", "SPEC", $"Data for latent, units, scores, roc and pr: {CliOptions.SpecHelp}; default: the data the model was trained on"),
            CliOptions.Required("--out", "FILE", "Output: .png or .svg (required)"),
            CliOptions.Int("--width", "Width in pixels", 800, 100), CliOptions.Int("--height", "Height in pixels", 500, 100));
        var command = new Command("plot", Description) { o.Subject, o.Model, o.Data, o.Out, o.Width, o.Height, o.Projection };
        CommandParts.Attach(command, o);
        command.SetAction((ParseResult r, CancellationToken ct) => Task.FromResult(new PlotService(env.Console, env.Error, Cli.IsVerbose(r, env)).Run(Bind(r), ct)));
        return command;
    }

    /// <summary>Maps a parse result of a plot command to <see cref="PlotSettings"/>, through its typed options.</summary>
    public static PlotSettings Bind(ParseResult r)
    {
        var o = CommandParts.Of<Options>(r);
        var subject = Enum.GetValues<PlotSubject>().First(v => PlotService.Name(v) == r.GetValue(o.Subject)!.ToLowerInvariant());
        return new(subject, r.GetValue(o.Model)!, r.GetValue(o.Data), r.GetValue(o.Out)!, r.GetValue(o.Width), r.GetValue(o.Height))
        {
            Projection = Bottleneck.Reports.NamedProjection.Parse(r.GetValue(o.Projection)!),
        };
    }
}
