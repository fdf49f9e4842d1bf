using System.Globalization;

namespace Bottleneck.Kernels;

/// <summary>
/// The data cache sizes of this machine, read once at run time from Linux's
/// <c>/sys/devices/system/cpu/cpu0/cache/index*/{level,type,size}</c> (per core for L1 and L2); where that is missing
/// (another OS, a container without sysfs) the typical x64 server sizes 32 KiB, 1 MiB and 32 MiB. Used to size the blocks of
/// the kernels that are not fixed by the micro-kernel (the rows of a fused inference pass).
/// </summary>
public static class CacheInfo
{
    private static readonly Lazy<(long L1, long L2, long L3, bool Measured)> Sizes = new(Read);

    /// <summary>L1 data cache of one core, in bytes.</summary>
    public static long L1DataBytes => Sizes.Value.L1;

    /// <summary>L2 cache of one core, in bytes.</summary>
    public static long L2Bytes => Sizes.Value.L2;

    /// <summary>L3 (last-level) cache, in bytes.</summary>
    public static long L3Bytes => Sizes.Value.L3;

    /// <summary>Whether the sizes were read from the system (false: the defaults).</summary>
    public static bool FromSystem => Sizes.Value.Measured;

    /// <summary>One line for benchmark headers, e.g. <c>"L1d 48 KiB, L2 1024 KiB, L3 32768 KiB (sysfs)"</c>.</summary>
    public static string Describe() =>
        $"L1d {L1DataBytes / 1024} KiB, L2 {L2Bytes / 1024} KiB, L3 {L3Bytes / 1024} KiB ({(FromSystem ? "sysfs" : "defaults")})";

    private static (long, long, long, bool) Read()
    {
        long l1 = 0, l2 = 0, l3 = 0;
        try
        {
            const string root = "/sys/devices/system/cpu/cpu0/cache";
            if (Directory.Exists(root))
            {
                foreach (string dir in Directory.GetDirectories(root, "index*"))
                {
                    string level = ReadText(Path.Combine(dir, "level")), type = ReadText(Path.Combine(dir, "type"));
                    long size = ParseSize(ReadText(Path.Combine(dir, "size")));
                    if (size <= 0 || type == "Instruction") continue;
                    switch (level)
                    {
                        case "1": l1 = size; break;
                        case "2": l2 = size; break;
                        case "3": l3 = size; break;
                    }
                }
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        bool measured = l1 > 0 && l2 > 0;
        return (l1 > 0 ? l1 : 32 << 10, l2 > 0 ? l2 : 1 << 20, l3 > 0 ? l3 : 32 << 20, measured);
    }

    private static string ReadText(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : "";

    /// <summary>Parses sysfs sizes such as <c>48K</c>, <c>1024K</c>, <c>32M</c>; 0 when unreadable.</summary>
    internal static long ParseSize(string text)
    {
        if (string.IsNullOrEmpty(text)) return 0;
        long unit = char.ToUpperInvariant(text[^1]) switch { 'K' => 1 << 10, 'M' => 1 << 20, 'G' => 1 << 30, _ => 1 };
        string digits = unit == 1 ? text : text[..^1];
        return long.TryParse(digits, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) && v > 0 ? v * unit : 0;
    }
}
