using System.Diagnostics;
using System.Globalization;
using Bottleneck.Cli.Commands;
using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.Models.Pca;
using Bottleneck.Training;
using Spectre.Console;
using SpectreColumn = Spectre.Console.TableColumn;

namespace Bottleneck.Cli.Services;

/// <summary>The parts of <c>bottleneck train</c> specific to the regularized kinds: stacked pretraining and closed-form PCA.</summary>
public sealed partial class TrainService
{
    /// <summary>Rejects options that do not apply to the kind, and --resume for kinds that write no checkpoints (before loading data).</summary>
    private static void CheckRegularized(TrainSettings s, string kind)
    {
        RegularizedOptions.Check(kind, s.Architecture);
        if (s.Resume && kind is "stacked" or "pca")
            throw new ArgumentException($"--resume is not supported for --model {kind} " +
                                        (kind == "pca" ? "(PCA is fitted in closed form, there is nothing to resume)" : "(greedy pretraining writes no checkpoints)"));
    }

    /// <summary>Whether training of this config writes per-epoch checkpoints that --resume can continue from.</summary>
    private static bool SupportsResume(ModelConfig config) => config is not PcaConfig && config is not DenseConfig { Pretraining: not null };

    /// <summary>The history stage whose epochs count as "the" training epochs (best epoch, early stopping): "finetune" for stacked models.</summary>
    private static string FinalStage(ModelConfig config) => config is DenseConfig { Pretraining: not null } ? "finetune" : "train";

    /// <summary>Prints how a PCA model is fitted or a stacked model pretrained.</summary>
    private void DescribeSchedule(ModelConfig config, TrainingOptions options)
    {
        if (config is PcaConfig p)
            Line($"training    closed-form PCA fit of {p.Components} component{(p.Components == 1 ? "" : "s")} (no epochs; the training options do not apply)");
        else if (config is DenseConfig { Pretraining: { } schedule } d)
        {
            int layers = d.EncoderWidths().Length - 1;
            Line($"pretraining {schedule.EpochsPerLayer} epoch{(schedule.EpochsPerLayer == 1 ? "" : "s")} for each of {layers} layer{(layers == 1 ? "" : "s")}" +
                 (schedule.Corruption is { } c ? $" with noise {RegularizedText.Describe(c)}" : "") +
                 $", then {options.Epochs} epoch{(options.Epochs == 1 ? "" : "s")} of end-to-end fine-tuning");
        }
    }

    /// <summary>Trains the model: closed-form fit for PCA, <see cref="StackedTrainer"/> for stacked models, else <paramref name="trainer"/>.</summary>
    private TrainingResult Fit(Trainer trainer, AutoencoderModel model, Dataset train, Dataset? validation, TrainingOptions options, CancellationToken cancellation)
    {
        if (model is PcaModel pca)
        {
            var watch = Stopwatch.StartNew();
            pca.Fit(train);
            Line($"fitted      PCA on {train.Rows} samples in {watch.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s");
            return new TrainingResult([], 0, false, false);
        }
        if (model is DenseAutoencoder { DenseConfig.Pretraining: { } schedule } dense)
        {
            int layers = dense.DenseConfig.EncoderWidths().Length - 1;
            var stages = Enumerable.Range(1, layers).Select(l => ($"pretrain-{l}", schedule.EpochsPerLayer)).Append(("finetune", options.Epochs)).ToList();
            TrainingResult Stacked(IProgress<TrainingProgress> progress) =>
                new StackedTrainer(options) { Progress = progress, Cancellation = cancellation }.Fit(dense, train, validation);
            return Live ? TrainLive(Stacked, stages) : TrainPlain(Stacked);
        }
        TrainingResult Plain(IProgress<TrainingProgress> progress) => trainer.Fit(model, train, validation, progress, cancellation);
        return Live ? TrainLive(Plain, [(trainer.Stage, options.Epochs)]) : TrainPlain(Plain);
    }

    /// <summary>The per-epoch history table, or for PCA the explained variance per component.</summary>
    private void WriteHistory(AutoencoderModel model, IReadOnlyList<EpochRecord> history)
    {
        if (model is PcaModel pca)
        {
            Console.Write(ExplainedVarianceTable(pca.ExplainedVarianceRatio));
            return;
        }
        Console.Write(Output.HistoryTable(history));
    }

    /// <summary>Explained variance ratio of the first (up to 10) components, cumulative, and the total of all kept components.</summary>
    internal static Table ExplainedVarianceTable(double[] ratio)
    {
        var t = new Table().AddColumn("component").AddColumn(new SpectreColumn("explained variance").RightAligned())
            .AddColumn(new SpectreColumn("cumulative").RightAligned());
        double cumulative = 0;
        int shown = Math.Min(10, ratio.Length);
        for (int i = 0; i < shown; i++)
        {
            cumulative += ratio[i];
            t.AddRow((i + 1).ToString(CultureInfo.InvariantCulture), RegularizedText.Percent(ratio[i]), RegularizedText.Percent(cumulative));
        }
        if (ratio.Length > shown) t.AddRow($"{shown + 1}-{ratio.Length}", RegularizedText.Percent(ratio.Skip(shown).Sum()), RegularizedText.Percent(ratio.Sum()));
        t.AddRow($"all {ratio.Length}", RegularizedText.Percent(ratio.Sum()), "");
        return t;
    }
}
