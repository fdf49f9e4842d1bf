using System.Globalization;

namespace Bottleneck.Data;

/// <summary>
/// One shard of a round-robin split of the data rows, numbered like Jest's and Playwright's <c>--shard i/N</c> (1 ≤ i ≤ N):
/// shard <c>i/N</c> holds the data rows i, i+N, i+2N, … counted from 1 (0-based ordinal r with r mod N = i − 1). N independent
/// processes, each given a different i, together cover every row exactly once with no coordination and without knowing the row
/// count first (a contiguous split would need a counting pass over a CSV file, whose quoted fields may hold line breaks, so byte
/// offsets cannot be cut safely). Each shard still reads the whole file; it parses and scores only its own rows.
/// </summary>
/// <param name="Index">1-based shard number i, 1 ≤ i ≤ N.</param>
/// <param name="Count">Number of shards N ≥ 1.</param>
public sealed record RowShard(int Index, int Count)
{
    /// <summary>The accepted form, for help and messages.</summary>
    public const string Form = "i/N with 1 ≤ i ≤ N (e.g. 1/4 … 4/4)";

    /// <summary>Whether the data row with 0-based ordinal <paramref name="ordinal"/> belongs to this shard: ordinal mod N = i − 1.</summary>
    public bool Contains(long ordinal) => ordinal % Count == Index - 1;

    /// <summary>Parses <c>i/N</c>.</summary>
    /// <param name="text">The text, e.g. "1/4".</param>
    /// <returns>The shard.</returns>
    /// <exception cref="FormatException">Not two integers separated by '/', N &lt; 1, or i outside 1..N; the message quotes the text.</exception>
    public static RowShard Parse(string text)
    {
        var parts = (text ?? "").Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0].Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int i)
            || !int.TryParse(parts[1].Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n))
            throw new FormatException($"\"{text}\" is not a shard; use {Form}");
        if (n < 1) throw new FormatException($"\"{text}\": the shard count N must be ≥ 1, got {n}");
        if (i < 1 || i > n) throw new FormatException($"\"{text}\": the shard number i must be in 1..{n}, got {i} (shards are numbered from 1, as in Jest's and Playwright's --shard)");
        return new RowShard(i, n);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Index}/{Count}";
}
