using Bottleneck.Data;
using Bottleneck.Models;

namespace Bottleneck.Anomaly;

/// <summary>
/// An ensemble of trained detectors (any kinds, each with its own preprocessing and score): each member's score is standardised
/// with the mean and standard deviation of its scores on the training rows, zₘ = (sₘ − μₘ)/σₘ, and the ensemble's score of a row
/// is the mean, max or median of its zₘ (<see cref="ScoreEnsemble"/>; Aggarwal &amp; Sathe, "Theoretical foundations and algorithms
/// for outlier ensembles", SIGKDD Explorations 2015). Standardising first puts scores in different units (squared error, nats,
/// a RandNet's z-scores) on one scale.
/// </summary>
public sealed class DetectorEnsemble
{
    private readonly AnomalyDetector[] _members;
    private float[]? _mean, _sd;

    /// <summary>Creates the ensemble; <see cref="Fit"/> it on the training rows before scoring.</summary>
    /// <param name="members">The trained detectors, at least one, all taking numeric rows of the same width (no tabular encoding).</param>
    /// <param name="combination">How the standardised scores are combined (default <see cref="ScoreCombination.Mean"/>).</param>
    /// <exception cref="ArgumentException">No member, a member with a tabular encoding, or the members' input widths differ (the message
    /// names both).</exception>
    public DetectorEnsemble(IReadOnlyList<AnomalyDetector> members, ScoreCombination combination = ScoreCombination.Mean)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count == 0) throw new ArgumentException("an ensemble needs at least one detector", nameof(members));
        _members = members.ToArray();
        for (int k = 0; k < _members.Length; k++)
            if (_members[k].Tabular != null)
                throw new ArgumentException($"detector {k + 1} has a tabular encoding; an ensemble takes detectors of numeric rows", nameof(members));
        for (int k = 1; k < _members.Length; k++)
            if (RawWidth(_members[k]) != RawWidth(_members[0]))
                throw new ArgumentException($"detector {k + 1} takes rows of {RawWidth(_members[k])} values, detector 1 takes {RawWidth(_members[0])}", nameof(members));
        Combination = combination;
    }

    private static int RawWidth(AnomalyDetector d) => d.Model.InputDim;

    /// <summary>The members.</summary>
    public IReadOnlyList<AnomalyDetector> Members => _members;

    /// <summary>How the standardised scores are combined.</summary>
    public ScoreCombination Combination { get; }

    /// <summary>μₘ and σₘ per member after <see cref="Fit"/>, else null.</summary>
    public IReadOnlyList<(float Mean, float StandardDeviation)>? Standardisation =>
        _mean is null ? null : _mean.Select((m, k) => (m, _sd![k])).ToArray();

    /// <summary>Sets μₘ, σₘ from each member's scores of the training rows <paramref name="raw"/> (numeric, before each member's
    /// preprocessing).</summary>
    /// <param name="raw">The training rows, as the members were trained on them before scaling.</param>
    /// <exception cref="DataException">The width differs from the members'.</exception>
    /// <exception cref="ArgumentException">A member scores a training row NaN or infinite.</exception>
    public void Fit(Dataset raw)
    {
        var scores = MemberScores(raw);
        int n = raw.Rows;
        _mean = new float[_members.Length];
        _sd = new float[_members.Length];
        for (int k = 0; k < _members.Length; k++)
        {
            var (mu, sd) = ScoreEnsemble.Fit(scores.AsSpan(k * n, n));
            (_mean[k], _sd[k]) = ((float)mu, (float)sd);
        }
    }

    /// <summary>The ensemble's score of each row of <paramref name="raw"/> (numeric rows before the members' preprocessing).</summary>
    /// <param name="raw">Rows to score.</param>
    /// <returns>One combined score per row; higher = more anomalous.</returns>
    /// <exception cref="InvalidOperationException">Not fitted.</exception>
    /// <exception cref="DataException">The width differs from the members'.</exception>
    public float[] Score(Dataset raw)
    {
        if (_mean is null || _sd is null) throw new InvalidOperationException("the ensemble is not fitted: call Fit with the training rows first");
        var scores = MemberScores(raw);
        var combined = new float[raw.Rows];
        ScoreEnsemble.Combine(scores, _mean, _sd, Combination, combined);
        return combined;
    }

    private float[] MemberScores(Dataset raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        int n = raw.Rows;
        var scores = new float[_members.Length * n];
        for (int k = 0; k < _members.Length; k++) _members[k].Score(_members[k].Prepare(raw)).CopyTo(scores, k * n);
        return scores;
    }
}
