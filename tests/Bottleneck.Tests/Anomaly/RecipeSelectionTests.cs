using Bottleneck.Bench;

namespace Bottleneck.Tests.Anomaly;

/// <summary>The wide benchmark's leave-one-dataset-out recipe selection (bench/Bottleneck.Bench/RecipeSelection.cs).</summary>
public class RecipeSelectionTests
{
    private static readonly Dictionary<string, double> NoThresholds = [];

    /// <summary>Results of candidates over sets: aucs[candidate][set].</summary>
    private static WideResults Results(Dictionary<string, double[]> aucs)
    {
        int sets = aucs.First().Value.Length;
        var detectors = aucs.Keys.Select(k => new WideDetector(k, k, WideTraining.Unsupervised, _ => throw new InvalidOperationException(), Candidate: true)).ToList();
        var list = Enumerable.Range(0, sets).Select(s => new WideSet($"set{s}", 100, 5, 10,
            aucs.ToDictionary(kv => kv.Key, kv => new WideCell(kv.Value[s], 0.5, NoThresholds, NoThresholds, NoThresholds)))).ToList();
        return new WideResults(5, "test", detectors, list, new Dictionary<string, double>());
    }

    [Fact]
    public void TheIncumbentStaysUnlessAnotherCandidateIsBetterByMoreThanOneStandardError()
    {
        // Given an incumbent, a candidate better by a noisy +0.002 on average, and one better by a steady +0.05
        var noisy = Results(new()
        {
            ["incumbent"] = [0.80, 0.70, 0.90, 0.60, 0.85],
            ["noisy"] = [0.83, 0.67, 0.93, 0.57, 0.86],
        });
        var steady = Results(new()
        {
            ["incumbent"] = [0.80, 0.70, 0.90, 0.60, 0.85],
            ["noisy"] = [0.83, 0.67, 0.93, 0.57, 0.86],
            ["steady"] = [0.85, 0.75, 0.95, 0.65, 0.90],
        });
        // When choosing on every set
        // Then the noisy gain does not displace the incumbent, the steady one does
        Assert.Equal("incumbent", RecipeSelection.Choose(noisy, ["incumbent", "noisy"], noisy.Sets));
        Assert.Equal("steady", RecipeSelection.Choose(steady, ["incumbent", "noisy", "steady"], steady.Sets));
    }

    [Fact]
    public void LeaveOneDatasetOutScoresEachSetWithTheCandidateChosenOnTheOthers()
    {
        // Given a candidate that is best on every set but the last, where it collapses
        var r = Results(new()
        {
            ["a"] = [0.70, 0.70, 0.70, 0.70],
            ["b"] = [0.90, 0.91, 0.89, 0.10],
        });
        // When selecting by leave-one-dataset-out
        var sel = RecipeSelection.Run(r, ["a", "b"]);
        // Then the folds leaving out sets 0–2 choose a (b's collapse on set 3 makes its gain noisy), the fold leaving out set 3 chooses b,
        // which scores 0.10 there; the left-out mean is their mean and the gap is in-sample minus left-out
        Assert.Equal(["a", "a", "a", "b"], sel.Folds.Select(f => f.Chosen));
        Assert.Equal((0.70 * 3 + 0.10) / 4, sel.LeftOutMean, 12);
        Assert.Equal("a", sel.ChosenOnAll);
        Assert.Equal(0.70 - sel.LeftOutMean, sel.Gap, 12);
        Assert.Contains("overfits", sel.Report());
        Assert.Throws<ArgumentException>(() => RecipeSelection.Run(r, ["a"]));
    }

    [Fact]
    public void TheGapByCandidateCountRunsEverySubsetWhenThereAreFewAndAgreesWithTheFullSelection()
    {
        // Given three candidates, one of which collapses on the last set
        var r = Results(new()
        {
            ["a"] = [0.70, 0.70, 0.70, 0.70],
            ["b"] = [0.90, 0.91, 0.89, 0.10],
            ["c"] = [0.72, 0.71, 0.69, 0.70],
        });
        // When the gap is tabulated by the number of candidates
        var rows = RecipeSelection.GapByCandidateCount(r, ["a", "b", "c"]);
        // Then K = 2 runs the 3 pairs, K = 3 the one full set, whose figures are the selection's over every candidate
        Assert.Equal([2, 3], rows.Select(x => x.K));
        Assert.Equal([3, 1], rows.Select(x => x.Subsets));
        var all = RecipeSelection.Run(r, ["a", "b", "c"]);
        Assert.Equal(all.Gap, rows[1].Gap, 12);
        Assert.Equal(all.LeftOutMean, rows[1].LeftOut, 12);
        var pairs = new[] { new[] { "a", "b" }, ["a", "c"], ["b", "c"] }.Select(p => RecipeSelection.Run(r, p)).ToList();
        Assert.Equal(pairs.Average(p => p.Gap), rows[0].Gap, 12);
        Assert.Equal(pairs.Max(p => p.Gap), rows[0].MaxGap, 12);
    }
}
