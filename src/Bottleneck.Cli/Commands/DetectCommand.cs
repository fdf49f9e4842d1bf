using System.CommandLine;
using Bottleneck.Cli.Services;

namespace Bottleneck.Cli.Commands;

/// <summary>What <c>bottleneck detect</c> needs.</summary>
/// <param name="ModelDir">Model folder written by train.</param>
/// <param name="Data">Data SPEC to score (CSV files are streamed; mnist and demo default to the test split).</param>
/// <param name="Threshold">Threshold rule (<see cref="Anomaly.Threshold.Parse"/> form), or null to use the one saved with the model.</param>
/// <param name="Error">Score error: mse, mae, bce, nll, the variational scores, model, mahalanobis or mahalanobis-diagonal; null = the saved threshold's, else the model's default (bce for sigmoid-bce, nll for gaussian-nll, else mse).</param>
/// <param name="Top">Top contributing features written per row (0 = none).</param>
/// <param name="Label">Label column of the scored CSV, or null (the SPEC's, else the model's normal-label column when the file has it).</param>
/// <param name="Normal">Label value meaning normal, or null (the value saved with a --normal-only model, else numeric labels with 0 normal).</param>
/// <param name="Out">CSV file receiving one line per row, or null to print the 10 highest-scoring rows instead.</param>
/// <param name="PerStep">CSV file receiving the error of every time step (and channel) of every sample, for sequence models; null (default) for none.</param>
/// <param name="PerPoint">CSV file receiving one score per point of a <c>series:</c> (mean and max over the windows covering it); null (default) for none.</param>
public sealed record DetectSettings(string ModelDir, string Data, string? Threshold, string? Error, int Top, string? Label, string? Normal, string? Out,
    string? PerStep = null, string? PerPoint = null)
{
    /// <summary>Score only this round-robin shard of the rows, <c>i/N</c> (<see cref="Data.RowShard"/>); null (default) for every row.</summary>
    public string? Shard { get; init; }
}

/// <summary>The <c>detect</c> command.</summary>
public static class DetectCommand
{
    /// <summary>Default of <c>--top</c>.</summary>
    public const int DefaultTop = 3;

    /// <summary>Rows printed when there is no <c>--out</c>.</summary>
    public const int PrintedRows = 10;

    /// <summary>Help text, with examples.</summary>
    public const string Description =
        "Score rows by reconstruction error and flag anomalies.\n\n" +
        "Each row gets score = mean over the features of the reconstruction error (after the model's tabular encoding and\n" +
        "scaling) and flagged = score > threshold. --out writes row,score,flagged[,label][,top_features] per row (row = line in the\n" +
        "CSV file, header = 1; sample number 1..N for other data), top_features = the --top features with the largest share of the\n" +
        "score as name:contribution (contributions sum to the score). CSV, Parquet and .npy files are streamed (.npy memory-mapped),\n" +
        "so they may be larger than memory; --shard i/N scores every N-th row, for parallel jobs (docs/scale.md).\n" +
        "The summary gives rows, flagged count and share, the threshold, unseen categories, and with labels ROC-AUC, PR-AUC\n" +
        "(average precision), precision/recall/F1 at the threshold and the confusion matrix.\n\n" +
        "Threshold: without --threshold the one fitted at training time on the training rows' scores and saved with the model is\n" +
        "used. --threshold pQ, mean+Ksd or contamination:C is refitted on the model's training rows (reloaded from its data\n" +
        "source), a number is used as is, and f1 picks the value with the best F1 on the scored data's own labels (--label and\n" +
        "--normal) - fitted on the evaluated data, so the metrics at it are optimistic, as the output says. When no threshold can\n" +
        "be fitted on training rows, p99 (or the rule given) is fitted on the scored data and the output says so.\n\n" +
        "Examples:\n" +
        "  bottleneck detect --model runs/cardio --data csv:cardio.csv:label=label --normal 0 --out scores.csv\n" +
        "  bottleneck detect --model runs/kdd --data csv:kdd_test.csv --threshold contamination:0.05 --top 5\n" +
        "  bottleneck detect --model runs/cardio --data csv:cardio.csv --label label --normal 0 --threshold f1";

    private sealed class Options
    {
        public Option<string> Model { get; } = CliOptions.Required("--model", "DIR", "Model folder written by 'bottleneck train' (required)");
        public Option<string> Data { get; } = CliOptions.Required("--data", "SPEC", $"Data to score (required): {CliOptions.SpecHelp}; mnist and demo default to the test split");
        public Option<string?> Threshold { get; } = CliOptions.ThresholdRule("--threshold",
            "pQ (e.g. p99), mean+Ksd, contamination:C, f1 (needs labels; fitted on the scored data) or a number. Default: the threshold saved with the model");
        public Option<string> Error { get; } = CliOptions.Choice("--error",
            "Score error: auto (the saved threshold's, else the model's loss: bce for sigmoid-bce, nll for gaussian-nll, mse otherwise), " +
            "mse, mae, bce (sigmoid-bce models), nll (the model's own negative log-likelihood per feature); variational kinds also " +
            "neg-elbo (negative ELBO per sample, nats), kl (KL of the code to the prior) and reconstruction-probability (An & Cho 2015); " +
            "model: the kind's own score (dagmm: sample energy; randnet: median of standardised member errors; their auto); " +
            "mahalanobis: the squared Mahalanobis distance of a row's |x − x̂| vector from a Gaussian of the training rows' (Malhotra et al. 2016; " +
            "Ledoit–Wolf covariance), mahalanobis-diagonal: the same with each element's error normalised by its own training mean and sd. Alias --score",
            "auto", "auto", "mse", "mae", "bce", "nll", "neg-elbo", "kl", "reconstruction-probability", "model", "mahalanobis", "mahalanobis-diagonal");
        public Option<int> Top { get; } = CliOptions.Int("--top", "Top contributing features written per row; 0 = none", DefaultTop, 0);
        public Option<string?> Label { get; } = CliOptions.Optional("--label", "COLUMN",
            "Label column of the scored CSV (name or 0-based index); default: the SPEC's label=, else the model's --normal-only column if the file has it");
        public Option<string?> Normal { get; } = CliOptions.Optional("--normal", "VALUE",
            "Label value of normal rows (others are anomalies); default: the model's --normal-only value, else numeric labels with 0 = normal");
        public Option<string?> Out { get; } = CliOptions.Optional("--out", "FILE", "Write the per-row scores to this CSV file; without it the 10 highest-scoring rows are printed");
        public Option<string?> PerStep { get; } = CliOptions.Optional("--per-step", "FILE",
            "Sequence models: write row,step,error (and error_CHANNEL per channel for multivariate data) for every time step of every sample to this CSV file; " +
            "a row's step errors average to its score");
        public Option<string?> PerPoint { get; } = CliOptions.Optional("--per-point", "FILE",
            "series: data with a sequence model: write point,line,score_mean,score_max,windows,window_max[,label] - one score per point of the series, the mean " +
            "and the max of its step error over the overlapping windows that cover it, and the largest score of a covering window; with labels the summary adds point-wise ROC-AUC");
        public Option<string?> Shard { get; } = ShardOption.Create();
    }

    /// <summary>Creates the command; its action runs a <see cref="DetectService"/> on <paramref name="env"/>.</summary>
    public static Command Create(CliEnvironment env)
    {
        var o = new Options();
        o.Error.Aliases.Add("--score");
        var command = new Command("detect", Description) { o.Model, o.Data, o.Threshold, o.Error, o.Top, o.Label, o.Normal, o.Out, o.PerStep, o.PerPoint, o.Shard };
        CommandParts.Attach(command, o);
        command.SetAction((ParseResult r, CancellationToken ct) => Task.FromResult(new DetectService(env.Console, env.Error, Cli.IsVerbose(r, env)).Run(Bind(r), ct)));
        return command;
    }

    /// <summary>Maps a parse result of a detect command to <see cref="DetectSettings"/>, through its typed options.</summary>
    public static DetectSettings Bind(ParseResult r)
    {
        var o = CommandParts.Of<Options>(r);
        string error = r.GetValue(o.Error)!.Trim().ToLowerInvariant();
        return new DetectSettings(r.GetValue(o.Model)!, r.GetValue(o.Data)!, r.GetValue(o.Threshold), error == "auto" ? null : error,
            r.GetValue(o.Top), r.GetValue(o.Label), r.GetValue(o.Normal), r.GetValue(o.Out), r.GetValue(o.PerStep), r.GetValue(o.PerPoint))
        { Shard = r.GetValue(o.Shard) };
    }
}
