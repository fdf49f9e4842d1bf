using System.Text.Json;
using Bottleneck.Data;
using Bottleneck.IO;
using Bottleneck.ModelFiles;

namespace Bottleneck.Anomaly;

/// <summary>
/// The label value that marks normal rows, as used for one-class training (<c>bottleneck train --normal-only COLUMN=VALUE</c>):
/// rows whose <paramref name="Column"/> holds <paramref name="Value"/> are normal, every other value is an anomaly.
/// </summary>
/// <param name="Column">Label column: header name or 0-based index.</param>
/// <param name="Value">The normal value, compared as text after trimming (ordinal, case-sensitive), e.g. <c>0</c> or <c>normal.</c>.</param>
public sealed record NormalLabel(string Column, string Value)
{
    /// <summary>Whether a label text is the normal value (trimmed, ordinal comparison).</summary>
    public bool Matches(string label) => string.Equals(label?.Trim(), Value, StringComparison.Ordinal);

    /// <summary>Parses <c>COLUMN=VALUE</c> (split at the first '='; both parts trimmed and non-empty).</summary>
    /// <exception cref="ArgumentException">No '=' or an empty part; the message shows the expected form.</exception>
    public static NormalLabel Parse(string text)
    {
        int eq = text?.IndexOf('=') ?? -1;
        string col = eq > 0 ? text![..eq].Trim() : "", val = eq > 0 ? text![(eq + 1)..].Trim() : "";
        if (col.Length == 0 || val.Length == 0)
            throw new ArgumentException($"--normal-only takes COLUMN=VALUE (e.g. label=0 or label=normal.), got \"{text}\"");
        return new NormalLabel(col, val);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Column}={Value}";
}

/// <summary>
/// The anomaly layer's entries of a model folder's config.json: the fitted <c>threshold</c> and the <c>normalLabel</c> of a
/// model trained on normal rows only. Stored as <see cref="ModelSections"/>, so the model files do not depend on this layer;
/// the entry names and forms are those of format version 1.
/// </summary>
public static class AnomalySections
{
    /// <summary>Section name of the threshold.</summary>
    public const string ThresholdSection = "threshold";

    /// <summary>Section name of the normal label.</summary>
    public const string NormalSection = "normalLabel";

    /// <summary>Section name of the score combined with the robust Mahalanobis distance (<see cref="DistanceScoreState"/>).</summary>
    public const string DistanceSection = "distanceScore";

    extension(SavedModel saved)
    {
        /// <summary>The anomaly threshold fitted at training time, or null.</summary>
        /// <exception cref="ModelFileException">The entry is malformed (names config.json).</exception>
        public ThresholdState? Threshold
        {
            get
            {
                var t = Read<ThresholdState>(saved, ThresholdSection);
                if (t != null && (string.IsNullOrWhiteSpace(t.Rule) || !double.IsFinite(t.Value)))
                    throw new ModelFileException($"{saved.ConfigPath}: the threshold needs a rule and a finite value (threshold.value is {(t.Value).ToString(System.Globalization.CultureInfo.InvariantCulture)})", saved.ConfigPath);
                if (t != null && (t.TrainingScoreMean is double m && !double.IsFinite(m) || t.TrainingScoreSd is double sd && !double.IsFinite(sd)))
                    throw new ModelFileException($"{saved.ConfigPath}: the threshold's trainingScoreMean and trainingScoreSd must be finite", saved.ConfigPath);
                return t;
            }
        }

        /// <summary>The normal label of a model trained with <c>--normal-only</c>, or null.</summary>
        /// <exception cref="ModelFileException">The entry is malformed (names config.json).</exception>
        public NormalLabel? Normal
        {
            get
            {
                var n = Read<NormalLabel>(saved, NormalSection);
                if (n != null && (string.IsNullOrEmpty(n.Column) || n.Value is null))
                    throw new ModelFileException($"{saved.ConfigPath}: normalLabel needs a column and a value", saved.ConfigPath);
                return n;
            }
        }

        /// <summary>The score combined with the robust Mahalanobis distance, fitted at training time (<c>train --contaminated</c>), or null.</summary>
        /// <exception cref="ModelFileException">The entry is malformed or does not fit the model's width (names config.json).</exception>
        public DistanceScore? DistanceScore
        {
            get
            {
                var d = Read<DistanceScoreState>(saved, DistanceSection);
                if (d is null) return null;
                try
                {
                    var score = new DistanceScore(d);
                    if (score.Features != saved.Model.InputDim)
                        throw new ArgumentException($"distanceScore has {score.Features} features, the model expects {saved.Model.InputDim}");
                    return score;
                }
                catch (ArgumentException e) { throw new ModelFileException($"{saved.ConfigPath} is invalid: {e.Message}", saved.ConfigPath, e); }
            }
        }

        /// <summary>This model with its combined distance score set (null removes the entry).</summary>
        /// <param name="distance">The fitted score, or null.</param>
        public SavedModel WithDistanceScore(DistanceScore? distance) => saved with
        {
            Sections = (saved.Sections ?? ModelSections.Empty).With(DistanceSection, distance?.State, TabularEncoder.JsonOptions),
        };

        /// <summary>This model with its threshold and normal label set (null removes an entry).</summary>
        /// <param name="threshold">The threshold, or null.</param>
        /// <param name="normal">The normal label, or null.</param>
        public SavedModel WithAnomaly(ThresholdState? threshold, NormalLabel? normal) => saved with
        {
            Sections = (saved.Sections ?? ModelSections.Empty)
                .With(ThresholdSection, threshold, TabularEncoder.JsonOptions)
                .With(NormalSection, normal, TabularEncoder.JsonOptions),
        };
    }

    private static T? Read<T>(SavedModel saved, string name) where T : class
    {
        if (saved.Sections is null || !saved.Sections.TryGet(name, out var json) || json.ValueKind != JsonValueKind.Object) return null;
        try { return json.Deserialize<T>(TabularEncoder.JsonOptions); }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            throw new ModelFileException($"{saved.ConfigPath} is invalid: its '{name}' entry cannot be read ({e.Message})", saved.ConfigPath, e);
        }
    }
}
