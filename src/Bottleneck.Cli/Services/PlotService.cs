using System.Globalization;
using Bottleneck.Cli.Commands;
using Bottleneck.Data;
using Bottleneck.ModelFiles;
using Bottleneck.Reports;
using Spectre.Console;

namespace Bottleneck.Cli.Services;

/// <summary><c>bottleneck plot SUBJECT</c>: one figure of a model as PNG or SVG (ScottPlot), written atomically.</summary>
public sealed class PlotService : CliService
{
    /// <summary>Creates the service.</summary>
    public PlotService(IAnsiConsole console, TextWriter error, bool verbose = false) : base(console, error, verbose) { }

    /// <summary>Draws the figure.</summary>
    /// <param name="s">What to draw.</param>
    /// <param name="cancellation">Ctrl+C or SIGTERM (exit 130; nothing is written).</param>
    /// <returns>0 on success, 2 for a user mistake, 130 when cancelled, 1 otherwise.</returns>
    public int Run(PlotSettings s, CancellationToken cancellation = default) => Guard(() => Plot(s), cancellation);

    private int Plot(PlotSettings s)
    {
        if (string.IsNullOrWhiteSpace(s.ModelDir)) throw new ArgumentException("--model needs a model folder");
        if (string.IsNullOrWhiteSpace(s.Out)) throw new ArgumentException("--out needs a file name");
        PlotFiles.FormatOf(s.Out);
        if (s.Width is < 100 or > 10_000) throw new ArgumentException($"--width must be 100..10000 pixels, got {s.Width}");
        if (s.Height is < 100 or > 10_000) throw new ArgumentException($"--height must be 100..10000 pixels, got {s.Height}");
        Bottleneck.IO.TempNames.CheckNameLength(s.Out, "--out");
        var dir = Path.GetDirectoryName(Path.GetFullPath(s.Out));
        if (dir != null && !Directory.Exists(dir)) throw new DirectoryNotFoundException($"--out {s.Out}: folder {dir} does not exist");
        OutputPaths.Check("--out", s.Out, s.Data is null ? null : DataSpec.Parse(s.Data), "test", s.ModelDir);

        ScottPlot.Plot plot;
        string what;
        if (s.Subject == PlotSubject.History)
        {
            var saved = ModelStore.Load(s.ModelDir);
            plot = Figures.History(saved.History, $"Training history: {saved.Model.Config.Kind} on {Short(saved.DataSource)}");
            what = $"{saved.History.Count} epochs";
        }
        else
        {
            var saved = ModelStore.Load(s.ModelDir);
            string specText = ReportData.SpecFor(s.ModelDir, s.Data, saved.DataSource);
            var spec = DataSpec.Parse(specText);
            var m = ModelData.Load(s.ModelDir, specText);
            string title = $"{m.Saved.Model.Config.Kind} on {Short(specText)}";
            switch (s.Subject)
            {
                case PlotSubject.Latent:
                case PlotSubject.Units:
                    if (m.Saved.Model.ConditionsOnLabels && m.Scaled.Labels == null)
                        throw new ArgumentException($"plot {Name(s.Subject)}: a conditional {m.Saved.Model.Config.Kind} model encodes with the labels, and {m.Scaled.Source} has none");
                    var codes = ModelReport.Apply(m.Saved.Model, m.Scaled, m.Saved.Model.LatentDim, m.Saved.Model.Encode);
                    int k = m.Saved.Model.LatentDim;
                    plot = s.Subject == PlotSubject.Latent
                        ? Figures.LatentMap(s.Projection.Project(codes, m.Scaled.Rows, k), m.Scaled.Labels, m.Scaled.ClassNames, $"Latent map ({s.Projection.Name}): {title}", s.Projection.AxisName)
                        : Figures.LatentUnits(codes, m.Scaled.Rows, k, $"Latent units: {title}");
                    what = $"{Output.Count(m.Scaled.Rows)} samples, {k} latent dimensions";
                    break;
                default:
                    var scores = ReportData.Scores(m, spec);
                    if (s.Subject == PlotSubject.Scores)
                        plot = Figures.ScoreHistogram(scores.Scores, scores.Labels, scores.Threshold?.Value, scores.ScoreName, $"Anomaly scores: {title}");
                    else
                    {
                        if (scores.Labels == null || !scores.Labels.Contains(0) || !scores.Labels.Contains(1))
                            throw new ArgumentException($"plot {Name(s.Subject)} needs labelled data with normal samples and anomalies: give --data csv:FILE:label=COLUMN " +
                                                        "(anomaly = a label other than the model's normal value)" + (scores.Labels != null ? "; the data's labels are all of one class" : ""));
                        plot = s.Subject == PlotSubject.Roc
                            ? Figures.Roc(scores.Scores, scores.Labels, $"ROC: {title}")
                            : Figures.PrecisionRecall(scores.Scores, scores.Labels, $"Precision-recall: {title}");
                    }
                    what = $"{Output.Count(scores.Scores.Length)} scores" + (scores.Threshold is { } t ? $", threshold {Output.Num(t.Value)}" : "");
                    break;
            }
        }
        PlotFiles.Save(plot, s.Out, s.Width, s.Height);
        Line($"plot        {Name(s.Subject)} ({what})");
        Line($"written     {s.Out} ({s.Width.ToString(CultureInfo.InvariantCulture)}x{s.Height.ToString(CultureInfo.InvariantCulture)} {PlotFiles.FormatOf(s.Out).ToString().ToUpperInvariant()}, font {PlotFiles.FontName})");
        return ExitCodes.Success;
    }

    /// <summary>The subject's command-line name.</summary>
    public static string Name(PlotSubject subject) => subject.ToString().ToLowerInvariant();

    /// <summary>A data SPEC shortened for a title: file and folder paths reduced to their last part.</summary>
    internal static string Short(string spec)
    {
        var parts = spec.Split(':');
        return string.Join(":", parts.Select(p => p.Contains('/') || p.Contains('\\') ? Path.GetFileName(Path.TrimEndingDirectorySeparator(p)) : p));
    }
}
