using System.CommandLine;
using Bottleneck.Cli.Services;

namespace Bottleneck.Cli.Commands;

/// <summary>What <c>bottleneck report</c> needs.</summary>
/// <param name="ModelDir">Model folder.</param>
/// <param name="Data">Data SPEC, or null for the data the model was trained on.</param>
/// <param name="Out">Output .html file.</param>
public sealed record ReportSettings(string ModelDir, string? Data, string Out)
{
    /// <summary>The latent map's projection (<c>--projection pca|tsne</c>); default PCA.</summary>
    public Bottleneck.Reports.NamedProjection Projection { get; init; } = Bottleneck.Reports.NamedProjection.Pca;
}

/// <summary>The <c>report</c> command.</summary>
public static class ReportCommand
{
    /// <summary>Help text, with examples.</summary>
    public const string Description =
        "Write one self-contained HTML report of a model: every image inline, no network access, no script.\n\n" +
        "Sections: the model (kind, architecture, parameter count, configuration), the data and its preprocessing, the training\n" +
        "history (loss terms, validation loss, learning rate), reconstruction metrics on --data, reconstructions (image\n" +
        "models), the latent map (PCA or --projection tsne, coloured by label) and histograms of the latent units; for a model with a\n" +
        "saved threshold the anomaly-score histogram with the threshold and ROC and precision-recall curves (labelled data);\n" +
        "for variational kinds samples from the prior and an interpolation. --data defaults to the data the model was trained on.\n" +
        "See docs/report.md.\n\n" +
        "Examples:\n" +
        "  bottleneck report --model runs/model --out report.html\n" +
        "  bottleneck report --model runs/cardio --data csv:cardio.csv:label=label --out cardio.html";

    private sealed record Options(Option<string> Model, Option<string?> Data, Option<string> Out)
    {
        public Option<string> Projection { get; } = ProjectionOption();
    }

    /// <summary>The <c>--projection pca|tsne</c> option of report and plot latent.</summary>
    internal static Option<string> ProjectionOption() => CliOptions.Choice("--projection",
        "Latent map: pca (first two principal components, fast) or tsne (t-SNE, scikit-learn's defaults, seed 0; exact up to 1,000 codes, " +
        "Barnes-Hut beyond: about a minute for 10,000)", "pca", "pca", "tsne");

    /// <summary>Creates the command; its action runs a <see cref="ReportService"/> on <paramref name="env"/>.</summary>
    public static Command Create(CliEnvironment env)
    {
        var o = new Options(ApplyOptions.ModelOption(),
            CliOptions.Optional("--data", "SPEC", $"Data to evaluate and map: {CliOptions.SpecHelp}; default: the data the model was trained on"),
            CliOptions.Required("--out", "FILE", "Output .html file (required)"));
        var command = new Command("report", Description) { o.Model, o.Data, o.Out, o.Projection };
        CommandParts.Attach(command, o);
        command.SetAction((ParseResult r, CancellationToken ct) => Task.FromResult(new ReportService(env.Console, env.Error, Cli.IsVerbose(r, env)).Run(Bind(r), ct)));
        return command;
    }

    /// <summary>Maps a parse result of a report command to <see cref="ReportSettings"/>, through its typed options.</summary>
    public static ReportSettings Bind(ParseResult r)
    {
        var o = CommandParts.Of<Options>(r);
        return new(r.GetValue(o.Model)!, r.GetValue(o.Data), r.GetValue(o.Out)!)
        {
            Projection = Bottleneck.Reports.NamedProjection.Parse(r.GetValue(o.Projection)!),
        };
    }
}
