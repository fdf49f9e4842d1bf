using System.Globalization;
using System.Text;

namespace Bottleneck.Bench;

/// <summary>One fold of the leave-one-dataset-out selection.</summary>
/// <param name="LeftOut">The set left out.</param>
/// <param name="Chosen">The candidate chosen on the other sets (<see cref="RecipeSelection.Choose"/>).</param>
/// <param name="InSample">The chosen candidate's mean ROC-AUC on the other sets (what it was chosen on).</param>
/// <param name="LeftOutAuc">The chosen candidate's ROC-AUC on the left-out set.</param>
public sealed record SelectionFold(string LeftOut, string Chosen, double InSample, double LeftOutAuc);

/// <summary>
/// Recipe selection without overfitting, by leave-one-dataset-out over the wide benchmark: for each set, a candidate recipe is
/// chosen on all the other sets (<see cref="Choose"/>) and scored on the set left out. The left-out scores, averaged over the
/// sets, estimate what choosing by the benchmark gives on a set it did not see; compared with the in-sample mean of the recipe
/// chosen on every set, a gap above <see cref="Bar"/> says the choice overfits the benchmark.
/// </summary>
/// <remarks>
/// The choice is the one-standard-error rule (Breiman, Friedman, Olshen &amp; Stone, "Classification and Regression Trees", 1984,
/// §3.4.3): find the candidate with the highest mean ROC-AUC over the sets; then take the first candidate in table order (the
/// incumbent recipe first, cheaper before costlier) whose per-set ROC-AUC falls short of the best's by a mean of at most one
/// standard error of those paired per-set differences (sample sd / √sets). A candidate thus replaces the incumbent only when it
/// is better by more than the spread of its per-set gains, not by noise.
/// </remarks>
/// <param name="Candidates">The candidate names (detectors of the wide benchmark marked <see cref="WideDetector.Candidate"/>).</param>
/// <param name="Folds">One fold per set.</param>
/// <param name="ChosenOnAll">The candidate with the highest mean ROC-AUC over every set.</param>
/// <param name="InSampleMean">Its mean ROC-AUC over every set.</param>
public sealed record RecipeSelection(IReadOnlyList<string> Candidates, IReadOnlyList<SelectionFold> Folds, string ChosenOnAll, double InSampleMean)
{
    /// <summary>The largest accepted gap between the in-sample and the left-out mean ROC-AUC: 0.02 (issue 17).</summary>
    public const double Bar = 0.02;

    /// <summary>Mean over sets of the left-out ROC-AUC.</summary>
    public double LeftOutMean => Folds.Average(f => f.LeftOutAuc);

    /// <summary>In-sample mean minus left-out mean.</summary>
    public double Gap => InSampleMean - LeftOutMean;

    /// <summary>Runs the selection over <paramref name="candidates"/> (each must have a result on every set).</summary>
    /// <exception cref="ArgumentException">Fewer than 3 sets or 2 candidates.</exception>
    public static RecipeSelection Run(WideResults results, IReadOnlyList<string> candidates)
    {
        if (results.Sets.Count < 3 || candidates.Count < 2) throw new ArgumentException("the selection needs ≥ 3 sets and ≥ 2 candidates");
        var folds = new List<SelectionFold>();
        foreach (var left in results.Sets)
        {
            var rest = results.Sets.Where(s => s != left).ToList();
            var chosen = Choose(results, candidates, rest);
            folds.Add(new SelectionFold(left.Name, chosen, results.Mean(chosen, true, rest), left.Get(chosen)!.Auc));
        }
        var all = Choose(results, candidates, results.Sets);
        return new RecipeSelection(candidates, folds, all, results.Mean(all, true)) { BestOnAll = candidates.MaxBy(c => results.Mean(c, true))! };
    }

    /// <summary>The candidate with the highest mean ROC-AUC over every set (before the one-standard-error rule).</summary>
    public string BestOnAll { get; init; } = "";

    /// <summary>The one-standard-error choice among <paramref name="candidates"/> (table order) on <paramref name="sets"/> (see remarks).</summary>
    public static string Choose(WideResults results, IReadOnlyList<string> candidates, IReadOnlyList<WideSet> sets)
    {
        var best = candidates.MaxBy(c => results.Mean(c, true, sets))!;   // first wins ties (table order)
        foreach (var c in candidates)
        {
            var d = sets.Select(s => s.Get(best)!.Auc - s.Get(c)!.Auc).ToArray();
            double mean = d.Average();
            double se = d.Length > 1 ? Math.Sqrt(d.Sum(x => (x - mean) * (x - mean)) / (d.Length - 1) / d.Length) : 0;
            if (mean <= se) return c;
        }
        return best;
    }

    /// <summary>
    /// How the leave-one-dataset-out gap depends on the number of candidates: for each K from 2 to the number of
    /// <paramref name="candidates"/>, the selection (<see cref="Run"/>) over up to <paramref name="draws"/> random K-subsets of the
    /// candidates (each kept in table order; every subset when there are no more than <paramref name="draws"/>), averaged.
    /// </summary>
    /// <param name="results">The benchmark's results.</param>
    /// <param name="candidates">The candidates, in table order.</param>
    /// <param name="draws">Subsets per K (default 200).</param>
    /// <param name="seed">Seed of the draws (default 17).</param>
    /// <returns>Per K: the subsets drawn, mean in-sample, mean left-out, mean gap, the share of subsets with a gap above <see cref="Bar"/>,
    /// and the largest gap.</returns>
    public static IReadOnlyList<(int K, int Subsets, double InSample, double LeftOut, double Gap, double ShareOverBar, double MaxGap)> GapByCandidateCount(
        WideResults results, IReadOnlyList<string> candidates, int draws = 200, ulong seed = 17)
    {
        var rows = new List<(int, int, double, double, double, double, double)>();
        var rng = new Tensors.Rng(seed);
        int n = candidates.Count;
        for (int k = 2; k <= n; k++)
        {
            var subsets = new List<int[]>();
            double total = Binomial(n, k);
            if (total <= draws) subsets.AddRange(Combinations(n, k));
            else
            {
                var seen = new HashSet<string>();
                while (subsets.Count < draws)
                {
                    var pick = rng.Permutation(n).Take(k).Order().ToArray();
                    if (seen.Add(string.Join(",", pick))) subsets.Add(pick);
                }
            }
            var runs = subsets.Select(sub => Run(results, sub.Select(i => candidates[i]).ToList())).ToList();
            rows.Add((k, runs.Count, runs.Average(r => r.InSampleMean), runs.Average(r => r.LeftOutMean), runs.Average(r => r.Gap),
                runs.Count(r => r.Gap > Bar) / (double)runs.Count, runs.Max(r => r.Gap)));
        }
        return rows;
    }

    /// <summary>The Markdown table of <see cref="GapByCandidateCount"/>.</summary>
    public static string GapByCandidateCountReport(WideResults results, IReadOnlyList<string> candidates, string title)
    {
        static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.AppendLine($"### Leave-one-dataset-out gap by the number of candidates ({title}: random subsets of the {candidates.Count}, table order kept, one-standard-error rule)");
        sb.AppendLine();
        sb.AppendLine("| candidates | subsets | mean in-sample | mean left-out | mean gap | subsets with gap > 0.02 | largest gap |");
        sb.AppendLine("|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in GapByCandidateCount(results, candidates))
            sb.AppendLine($"| {r.K} | {r.Subsets} | {F(r.InSample)} | {F(r.LeftOut)} | {Signed(r.Gap, 3)} | " +
                          $"{(100 * r.ShareOverBar).ToString("F0", CultureInfo.InvariantCulture)} % | {Signed(r.MaxGap, 3)} |");
        sb.AppendLine();
        return sb.ToString();
    }

    /// <summary>v with its sign and <paramref name="digits"/> decimals (rounded first, so −0.0003 prints 0.000, not "-+0.000").</summary>
    internal static string Signed(double v, int digits)
    {
        double r = Math.Round(v, digits);
        string f = "0." + new string('0', digits);
        return r == 0 ? f : r.ToString("+" + f + ";−" + f, CultureInfo.InvariantCulture);
    }

    private static double Binomial(int n, int k)
    {
        double c = 1;
        for (int i = 1; i <= k; i++) c = c * (n - k + i) / i;
        return c;
    }

    private static IEnumerable<int[]> Combinations(int n, int k)
    {
        var idx = Enumerable.Range(0, k).ToArray();
        while (true)
        {
            yield return (int[])idx.Clone();
            int i = k - 1;
            while (i >= 0 && idx[i] == n - k + i) i--;
            if (i < 0) yield break;
            idx[i]++;
            for (int j = i + 1; j < k; j++) idx[j] = idx[j - 1] + 1;
        }
    }

    /// <summary>The Markdown section.</summary>
    /// <param name="title">What the candidates are, for the heading (default "candidates").</param>
    public string Report(string title = "candidates")
    {
        static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.AppendLine($"### Recipe selection, leave one dataset out, {title} ({Candidates.Count}: {string.Join(", ", Candidates)}; criterion: mean ROC-AUC, one-standard-error rule)");
        sb.AppendLine();
        sb.AppendLine("| left out | chosen on the others | its mean ROC-AUC on the others (in-sample) | its ROC-AUC on the left-out set |");
        sb.AppendLine("|---|---|---:|---:|");
        foreach (var f in Folds) sb.AppendLine($"| {f.LeftOut} | {f.Chosen} | {F(f.InSample)} | {F(f.LeftOutAuc)} |");
        sb.AppendLine();
        sb.AppendLine($"Highest mean on every set: {BestOnAll}; chosen on every set by the one-standard-error rule: **{ChosenOnAll}**, " +
                      $"in-sample mean ROC-AUC {F(InSampleMean)}; mean of the left-out scores {F(LeftOutMean)}; " +
                      $"gap {Signed(Gap, 4)} → " +
                      (Math.Abs(Gap) <= Bar ? $"within {Bar} (no sign of overfitting the benchmark)" : $"more than {Bar}: the choice overfits the benchmark") + ".");
        sb.AppendLine($"Folds choosing {ChosenOnAll}: {Folds.Count(f => f.Chosen == ChosenOnAll)}/{Folds.Count}.");
        sb.AppendLine();
        return sb.ToString();
    }
}
