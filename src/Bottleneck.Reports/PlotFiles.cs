using Bottleneck.IO;
using ScottPlot;

namespace Bottleneck.Reports;

/// <summary>The image formats a figure is written in.</summary>
public enum PlotFormat
{
    /// <summary>Raster PNG (ScottPlot through SkiaSharp).</summary>
    Png,
    /// <summary>Vector SVG (ScottPlot's SVG canvas); text stays text, so it uses the reader's font of the same name.</summary>
    Svg,
}

/// <summary>
/// Renders ScottPlot figures to bytes and files: one font for every figure (the first installed of
/// <see cref="PreferredFonts"/>, else ScottPlot's default), PNG or SVG chosen by the file extension, files written atomically.
/// </summary>
/// <remarks>
/// Fonts: the machine's fonts are used through SkiaSharp. A machine with none of <see cref="PreferredFonts"/> falls back to
/// ScottPlot's <c>Fonts.Default</c> (what SkiaSharp matches for a sans-serif request); one with no font at all still renders
/// every figure, without text. <c>BOTTLENECK_PLOT_FONT</c> names a font family to use first.
/// </remarks>
public static class PlotFiles
{
    /// <summary>Environment variable naming the font family to try before <see cref="PreferredFonts"/>.</summary>
    public const string FontVariable = "BOTTLENECK_PLOT_FONT";

    /// <summary>Sans-serif families tried in order: DejaVu Sans (Debian's default), Liberation Sans, Lato, Arial, Helvetica.</summary>
    public static readonly IReadOnlyList<string> PreferredFonts = ["DejaVu Sans", "Liberation Sans", "Lato", "Arial", "Helvetica"];

    /// <summary>Default figure width in pixels (800).</summary>
    public const int DefaultWidth = 800;

    /// <summary>Default figure height in pixels (500).</summary>
    public const int DefaultHeight = 500;

    private static readonly Lazy<string> Chosen = new(ChooseFont);

    /// <summary>The font family every figure uses (see the remarks of <see cref="PlotFiles"/>).</summary>
    public static string FontName => Chosen.Value;

    private static string ChooseFont()
    {
        var wanted = Environment.GetEnvironmentVariable(FontVariable);
        foreach (var name in (string.IsNullOrWhiteSpace(wanted) ? PreferredFonts : [wanted!, .. PreferredFonts]))
            if (SkiaSharp.SKFontManager.Default.MatchFamily(name) is { } typeface) { typeface.Dispose(); return name; }
        return Fonts.Default;
    }

    /// <summary>The format of a path's extension: .png or .svg (case-insensitive).</summary>
    /// <param name="path">Target file.</param>
    /// <param name="option">Option named in the message (default "--out").</param>
    /// <exception cref="ArgumentException">Another extension: "--out must name a .png or .svg file, got x.jpg".</exception>
    public static PlotFormat FormatOf(string path, string option = "--out") =>
        Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".png" => PlotFormat.Png,
            ".svg" => PlotFormat.Svg,
            _ => throw new ArgumentException($"{option} must name a .png or .svg file, got {path}"),
        };

    /// <summary>Applies the chosen font to every text of <paramref name="plot"/>; called by the figure builders.</summary>
    internal static void Style(Plot plot) => plot.Font.Set(FontName);

    /// <summary>Renders <paramref name="plot"/> to PNG bytes of <paramref name="width"/> × <paramref name="height"/> pixels.</summary>
    /// <param name="plot">The figure.</param>
    /// <param name="width">Width in pixels (default 800), ≥ 100.</param>
    /// <param name="height">Height in pixels (default 500), ≥ 100.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size below 100 or above 10,000 pixels.</exception>
    public static byte[] Png(Plot plot, int width = DefaultWidth, int height = DefaultHeight)
    {
        CheckSize(width, height);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>Renders <paramref name="plot"/> to an SVG document of <paramref name="width"/> × <paramref name="height"/> pixels.</summary>
    /// <inheritdoc cref="Png(Plot, int, int)"/>
    public static string Svg(Plot plot, int width = DefaultWidth, int height = DefaultHeight)
    {
        CheckSize(width, height);
        return plot.GetSvgXml(width, height);
    }

    /// <summary>Writes <paramref name="plot"/> to <paramref name="path"/> atomically, as PNG or SVG by its extension.</summary>
    /// <param name="plot">The figure.</param>
    /// <param name="path">Target .png or .svg file.</param>
    /// <param name="width">Width in pixels (default 800).</param>
    /// <param name="height">Height in pixels (default 500).</param>
    /// <exception cref="ArgumentException">Another extension.</exception>
    public static void Save(Plot plot, string path, int width = DefaultWidth, int height = DefaultHeight)
    {
        if (FormatOf(path) == PlotFormat.Png) AtomicFile.WriteAllBytes(path, Png(plot, width, height));
        else AtomicFile.WriteAllText(path, Svg(plot, width, height));
    }

    private static void CheckSize(int width, int height)
    {
        if (width is < 100 or > 10_000) throw new ArgumentOutOfRangeException(nameof(width), width, $"figure width must be 100..10000 pixels, got {width}");
        if (height is < 100 or > 10_000) throw new ArgumentOutOfRangeException(nameof(height), height, $"figure height must be 100..10000 pixels, got {height}");
    }
}
