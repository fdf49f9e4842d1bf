using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Bottleneck.IO;

/// <summary>
/// Names of the hidden siblings an output uses while it is written: <c>.NAME.tmp-PID-RANDOM</c> (the new content),
/// <c>.NAME.old-PID-RANDOM</c> (a replaced folder set aside for the instant of the swap) and <c>.NAME.lock</c> (the writer's
/// lock). Every name fits the file system's limit of 255 bytes: when <c>.NAME</c> plus the longest suffix would not, NAME is
/// shortened (on a character boundary) and followed by <c>~</c> and 8 hex digits of its SHA-256, so the user's own name is never
/// shortened and two long names that share a prefix still get different siblings. The PID in a name lets a later run tell the
/// leftovers of a killed process (PID no longer running) from those of a live one.
/// </summary>
public static partial class TempNames
{
    /// <summary>The file system's limit on one name, in bytes (ext4, XFS, btrfs, APFS, NTFS in UTF-16 units).</summary>
    public const int MaxNameBytes = 255;

    /// <summary>Bytes reserved for the longest suffix: ".tmp-" + a 10-digit PID + "-" + 8 hex digits, with room to spare.</summary>
    private const int SuffixBudget = 32;

    /// <summary>The hidden stem of <paramref name="name"/>'s siblings: "." + NAME, or "." + shortened NAME + "~" + hash when too long.</summary>
    /// <param name="name">The output's own file or folder name (no directory part).</param>
    /// <returns>A stem such that stem + any suffix of this class stays within <see cref="MaxNameBytes"/>.</returns>
    public static string Stem(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (1 + Encoding.UTF8.GetByteCount(name) + SuffixBudget <= MaxNameBytes) return "." + name;
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..8];
        int budget = MaxNameBytes - SuffixBudget - 1 - 1 - hash.Length;
        var kept = new StringBuilder();
        int bytes = 0;
        foreach (var rune in name.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > budget) break;
            kept.Append(rune.ToString());
            bytes += rune.Utf8SequenceLength;
        }
        return "." + kept + "~" + hash;
    }

    /// <summary>Refuses a path whose last name is longer than <see cref="MaxNameBytes"/> bytes in UTF-8, before anything is written.</summary>
    /// <param name="path">The output path.</param>
    /// <param name="what">What the path is, for the message (e.g. "--out", "the labels file beside --out"); default "the output".</param>
    /// <exception cref="PathTooLongException">The name is too long (names the path, its length and the limit).</exception>
    public static void CheckNameLength(string path, string what = "the output")
    {
        ArgumentNullException.ThrowIfNull(path);
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(path));
        int bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > MaxNameBytes)
            throw new PathTooLongException($"{what} {path}: the name is {bytes} bytes long, above the file system's limit of {MaxNameBytes} bytes per name; use a shorter name");
    }

    /// <summary>A fresh temporary sibling name for <paramref name="name"/>: <c>STEM.tmp-PID-RANDOM</c>.</summary>
    public static string Temporary(string name) => $"{Stem(name)}.tmp-{Environment.ProcessId}-{Random()}";

    /// <summary>The name a replaced folder takes for the instant of the swap, paired with its temporary name: <c>STEM.old-PID-RANDOM</c>.</summary>
    /// <param name="temporaryName">A name made by <see cref="Temporary"/>.</param>
    internal static string AsideFor(string temporaryName) => temporaryName.Replace(".tmp-", ".old-", StringComparison.Ordinal);

    /// <summary>The temporary name paired with an aside name made by <see cref="AsideFor"/>.</summary>
    internal static string TemporaryFor(string asideName)
    {
        int i = asideName.LastIndexOf(".old-", StringComparison.Ordinal);
        return asideName[..i] + ".tmp-" + asideName[(i + 5)..];
    }

    /// <summary>The lock file name of <paramref name="name"/>: <c>STEM.lock</c>.</summary>
    public static string Lock(string name) => Stem(name) + ".lock";

    /// <summary>A sibling of an output left by a writer: its path, its kind ("tmp" or "old") and the writer's PID.</summary>
    internal readonly record struct Leftover(string Path, string Kind, int Pid);

    /// <summary>The temporary and set-aside siblings of <paramref name="target"/> (files and folders) in its folder.</summary>
    /// <param name="target">Full path of the output.</param>
    internal static List<Leftover> Leftovers(string target)
    {
        var dir = Path.GetDirectoryName(target);
        var list = new List<Leftover>();
        if (dir is null || !Directory.Exists(dir)) return list;
        string stem = Stem(Path.GetFileName(target));
        IEnumerable<string> entries;
        // The search pattern narrows the listing to the target's siblings (a folder of many files is not walked name by name
        // here); a stem with wildcard characters lists everything, and the prefix test below decides.
        string pattern = stem.AsSpan().IndexOfAny('*', '?') >= 0 ? "*" : stem + ".*";
        try { entries = Directory.EnumerateFileSystemEntries(dir, pattern, new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = 0, MatchType = MatchType.Simple }).ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return list; }
        foreach (var entry in entries)
        {
            var entryName = Path.GetFileName(entry);
            if (!entryName.StartsWith(stem + ".", StringComparison.Ordinal)) continue;
            var m = LeftoverPattern().Match(entryName[stem.Length..]);
            if (m.Success && int.TryParse(m.Groups["pid"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
                list.Add(new Leftover(entry, m.Groups["kind"].Value, pid));
        }
        return list;
    }

    /// <summary>Whether process <paramref name="pid"/> is running (this process counts as running).</summary>
    internal static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        if (OperatingSystem.IsLinux()) return Directory.Exists("/proc/" + pid.ToString(CultureInfo.InvariantCulture));
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>Deletes the temporary siblings of <paramref name="target"/> left by processes that are no longer running (best effort).</summary>
    /// <param name="target">Full path of the output.</param>
    /// <param name="kinds">Which leftovers to remove ("tmp", "old").</param>
    internal static void RemoveStale(string target, params string[] kinds)
    {
        foreach (var l in Leftovers(target))
            if (kinds.Contains(l.Kind) && !IsRunning(l.Pid)) TryDelete(l.Path);
    }

    /// <summary>Deletes a file or a folder tree, ignoring failures (it is a leftover; the next run tries again).</summary>
    internal static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
            else if (File.Exists(path)) File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private static string Random() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    [GeneratedRegex(@"^\.(?<kind>tmp|old)-(?<pid>[0-9]{1,10})-[0-9a-f]{8}$", RegexOptions.CultureInvariant)]
    private static partial Regex LeftoverPattern();
}
