using System.Globalization;

namespace Bottleneck.Data;

/// <summary>Label text → integers, shared by <see cref="CsvLoader"/> and <see cref="TabularEncoder"/>.</summary>
internal static class LabelParsing
{
    /// <summary>Integer labels when every value is an integer (or a float with an integral value), else indices in order of
    /// first appearance plus the class names.</summary>
    public static (int[] Labels, string[]? ClassNames) Parse(List<string> values)
    {
        var ints = new int[values.Count];
        bool allInt = true;
        for (int i = 0; i < values.Count && allInt; i++)
        {
            if (int.TryParse(values[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out ints[i])) continue;
            if (double.TryParse(values[i], NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue) { ints[i] = (int)d; continue; }
            allInt = false;
        }
        if (allInt) return (ints, null);
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        var names = new List<string>();
        for (int i = 0; i < values.Count; i++)
        {
            if (!map.TryGetValue(values[i], out int k)) { k = names.Count; map[values[i]] = k; names.Add(values[i]); }
            ints[i] = k;
        }
        return (ints, names.ToArray());
    }
}
