using Bottleneck.Data;
using Bottleneck.Tensors;

namespace Bottleneck.Models.Variational;

/// <summary>Training data for a semi-supervised model: a labelled dataset with all but a chosen number of labels hidden.</summary>
public static class SemiSupervisedData
{
    /// <summary>
    /// A copy of <paramref name="data"/> (same features) whose labels are kept on <paramref name="labelled"/> rows, chosen at random
    /// from a seed and balanced over the classes (⌊n/C⌋ per class, the remainder to the first classes), and −1 (unlabelled) elsewhere.
    /// </summary>
    /// <param name="data">Labelled data (labels 0..C−1).</param>
    /// <param name="labelled">Rows that keep their label, 1 ≤ n ≤ rows.</param>
    /// <param name="classes">C, the number of classes.</param>
    /// <param name="seed">Seed of the choice.</param>
    /// <exception cref="ArgumentException">The data has no labels, n is out of range, or a class has fewer rows than its share.</exception>
    public static Dataset KeepLabels(Dataset data, int labelled, int classes, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Labels is not { } labels) throw new ArgumentException($"{data.Source} has no labels to keep", nameof(data));
        if (labelled < 1 || labelled > data.Rows)
            throw new ArgumentOutOfRangeException(nameof(labelled), labelled, $"labelled must be between 1 and the {data.Rows} training rows, got {labelled}");
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), classes, $"classes must be ≥ 2, got {classes}");
        var rng = new Rng(seed);
        var byClass = Enumerable.Range(0, classes).Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < labels.Length; i++) if ((uint)labels[i] < (uint)classes) byClass[labels[i]].Add(i);
        var kept = new int[data.Rows];
        Array.Fill(kept, -1);
        for (int c = 0; c < classes; c++)
        {
            int share = labelled / classes + (c < labelled % classes ? 1 : 0);
            var rows = byClass[c].ToArray();
            if (rows.Length < share)
                throw new ArgumentException($"class {c} has {rows.Length} training rows, fewer than its share {share} of the {labelled} labelled rows", nameof(labelled));
            rng.Shuffle<int>(rows);
            for (int j = 0; j < share; j++) kept[rows[j]] = labels[rows[j]];
        }
        return new Dataset(data.Features, data.Rows, data.FeatureCount, kept, data.FeatureNames, data.Image, data.Source + $" ({labelled} labelled)", data.ClassNames);
    }
}
