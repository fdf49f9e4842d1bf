using System.Xml.Linq;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Bottleneck.Tests.Reports;

/// <summary>Checks that rendered figures are valid, non-blank images of the requested size.</summary>
internal static class FigureChecks
{
    /// <summary>Decodes PNG bytes and asserts the size, and that the image is not blank: at least 1% of its pixels are not the
    /// background colour and it has more than 8 distinct colours (axes, text, lines).</summary>
    public static void AssertPng(byte[] png, int width, int height, string what)
    {
        using var image = Image.Load<Rgba32>(png);
        Assert.True(image.Width == width && image.Height == height, $"{what}: {image.Width}x{image.Height}, expected {width}x{height}");
        var background = image[0, 0];
        long differing = 0;
        var colours = new HashSet<uint>();
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
                foreach (var p in rows.GetRowSpan(y))
                {
                    if (p != background) differing++;
                    if (colours.Count < 1000) colours.Add(p.PackedValue);
                }
        });
        Assert.True(differing >= width * height / 100, $"{what}: only {differing} pixels differ from the background: blank image");
        Assert.True(colours.Count > 8, $"{what}: only {colours.Count} colours");
    }

    /// <summary>Parses an SVG document and asserts its size attributes and that it draws text and paths.</summary>
    public static void AssertSvg(string svg, int width, int height, string what)
    {
        var root = XDocument.Parse(svg).Root!;
        Assert.Equal("svg", root.Name.LocalName);
        Assert.Equal(width.ToString(), root.Attribute("width")?.Value);
        Assert.Equal(height.ToString(), root.Attribute("height")?.Value);
        var names = root.Descendants().Select(e => e.Name.LocalName).ToList();
        Assert.True(names.Count(n => n == "text") >= 5, $"{what}: {names.Count(n => n == "text")} text elements (title, axis labels, ticks expected)");
        Assert.True(names.Count(n => n is "path" or "line" or "polyline" or "rect" or "circle" or "ellipse") >= 5, $"{what}: too few drawn shapes");
    }
}
