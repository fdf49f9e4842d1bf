using System.Diagnostics;
using System.Globalization;
using Bottleneck.Anomaly;
using Bottleneck.Cli.Commands;
using Bottleneck.Data;
using Bottleneck.IO;
using Bottleneck.ModelFiles;
using Bottleneck.Reports;
using Spectre.Console;

namespace Bottleneck.Cli.Services;

/// <summary><c>bottleneck report</c> (and <c>train --report</c>): one self-contained HTML file describing a model, written atomically.</summary>
public sealed class ReportService : CliService
{
    /// <summary>Creates the service.</summary>
    public ReportService(IAnsiConsole console, TextWriter error, bool verbose = false) : base(console, error, verbose) { }

    /// <summary>Builds and writes the report.</summary>
    /// <param name="s">What to report.</param>
    /// <param name="cancellation">Ctrl+C or SIGTERM (exit 130; nothing is written).</param>
    /// <returns>0 on success, 2 for a user mistake, 130 when cancelled, 1 otherwise.</returns>
    public int Run(ReportSettings s, CancellationToken cancellation = default) => Guard(() =>
    {
        CheckOut(s.Out, "--out", s.ModelDir, s.Data);
        Write(s);
        return ExitCodes.Success;
    }, cancellation);

    /// <summary>Refuses a report path that is not .html/.htm or would overwrite an input or lie in the model folder. A missing
    /// folder is created when the report is written (as <c>encode --out new/sub/codes.csv</c> does), so <c>train --report
    /// runs/report.html</c> works on a fresh checkout.</summary>
    /// <exception cref="ArgumentException">Bad extension or an input/model path.</exception>
    internal static void CheckOut(string path, string option, string modelDir, string? data)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException($"{option} needs a file name");
        if (Path.GetExtension(path).ToLowerInvariant() is not (".html" or ".htm")) throw new ArgumentException($"{option} must name an .html file, got {path}");
        TempNames.CheckNameLength(path, option);
        OutputPaths.Check(option, path, data is null ? null : DataSpec.Parse(data), "test", modelDir);
    }

    /// <summary>Builds the report of <paramref name="s"/> and writes it (no exception mapping: callers guard).</summary>
    internal void Write(ReportSettings s)
    {
        var watch = Stopwatch.StartNew();
        var saved = ModelStore.Load(s.ModelDir);
        string specText = ReportData.SpecFor(s.ModelDir, s.Data, saved.DataSource);
        var m = ModelData.Load(s.ModelDir, specText);
        var inputs = new ReportInputs(m.Saved, m.Raw, m.Scaled, PlotService.Short(specText))
        {
            Scores = m.Saved.Threshold != null ? ReportData.Scores(m, DataSpec.Parse(specText)) : null,
            Projection = s.Projection,
        };
        var document = ModelReport.BuildDocument(inputs);
        string html = document.ToHtml();
        AtomicFile.WriteAllText(s.Out, html);
        Line($"report      {string.Join(", ", document.SectionIds)} ({document.FigureCount} figures) of {Output.Count(m.Raw.Rows)} samples of {specText}");
        Line($"written     {s.Out} ({Output.Bytes(new FileInfo(s.Out).Length)}, {watch.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s)");
    }
}
