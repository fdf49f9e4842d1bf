using System.CommandLine;
using Bottleneck.Data;

namespace Bottleneck.Cli.Commands;

/// <summary>The <c>--shard i/N</c> option of detect, encode and reconstruct (docs/scale.md).</summary>
internal static class ShardOption
{
    /// <summary>Help text of the option.</summary>
    public const string Help =
        "Process only shard i of N (1 ≤ i ≤ N): the data rows i, i+N, i+2N, ... counted from 1 (round-robin). The output keeps the input's row numbers " +
        "(a leading 'row' column in encode and reconstruct output), so the N outputs together are the unsharded output; e.g. 1/4 .. 4/4 " +
        "for a Kubernetes indexed job of 4 ($((JOB_COMPLETION_INDEX+1))/4) or 4 MPI ranks (rank+1)";

    /// <summary>Creates the option (default: no sharding).</summary>
    public static Option<string?> Create() => CliOptions.Optional("--shard", "i/N", Help);

    /// <summary>Parses the option's value; null when it was not given.</summary>
    /// <exception cref="ArgumentException">Not <c>i/N</c> with 0 ≤ i &lt; N.</exception>
    public static RowShard? Parse(string? text)
    {
        if (text is null) return null;
        try { return RowShard.Parse(text); }
        catch (FormatException e) { throw new ArgumentException("--shard " + e.Message, e); }
    }
}
