using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Bottleneck.IO;

/// <summary>8-bit grayscale PNG files, encoded by SixLabors.ImageSharp (colour type 0, bit depth 8).</summary>
public static class PngWriter
{
    private static readonly PngEncoder Encoder = new() { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit8 };

    /// <summary>Encodes 8-bit grayscale pixels as a PNG file.</summary>
    /// <param name="pixels">Row-major pixels, length <paramref name="width"/> × <paramref name="height"/>; 0 = black, 255 = white.</param>
    /// <param name="width">Width in pixels (≥ 1).</param>
    /// <param name="height">Height in pixels (≥ 1).</param>
    /// <returns>The complete PNG bytes.</returns>
    /// <exception cref="ArgumentException">The sizes do not match or are not positive.</exception>
    public static byte[] EncodeGray(ReadOnlySpan<byte> pixels, int width, int height)
    {
        if (width < 1 || height < 1) throw new ArgumentException($"PNG size must be positive, got {width}x{height}");
        if (pixels.Length != (long)width * height) throw new ArgumentException($"pixels has {pixels.Length} bytes but {width}x{height} needs {(long)width * height}", nameof(pixels));
        using var image = Image.LoadPixelData<L8>(pixels, width, height);
        var ms = new MemoryStream();
        image.SaveAsPng(ms, Encoder);
        return ms.ToArray();
    }

    /// <summary>Encodes float values as an 8-bit grayscale PNG: each value is clamped to [0, 1] and mapped to round(v × 255); NaN becomes 0.</summary>
    /// <param name="values">Row-major values, length width × height.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <returns>The complete PNG bytes.</returns>
    public static byte[] EncodeGray(ReadOnlySpan<float> values, int width, int height)
    {
        var px = new byte[values.Length];
        for (int i = 0; i < values.Length; i++) px[i] = ToByte(values[i]);
        return EncodeGray(px, width, height);
    }

    /// <summary>Writes an 8-bit grayscale PNG file atomically.</summary>
    /// <param name="path">Target file.</param>
    /// <param name="pixels">Row-major pixels, length width × height.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void WriteGray(string path, ReadOnlySpan<byte> pixels, int width, int height) =>
        AtomicFile.WriteAllBytes(path, EncodeGray(pixels, width, height));

    /// <summary>Writes float values in [0, 1] (clamped) as an 8-bit grayscale PNG file atomically.</summary>
    /// <param name="path">Target file.</param>
    /// <param name="values">Row-major values, length width × height.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void WriteGray(string path, ReadOnlySpan<float> values, int width, int height) =>
        AtomicFile.WriteAllBytes(path, EncodeGray(values, width, height));

    internal static byte ToByte(float v) => float.IsNaN(v) ? (byte)0 : (byte)MathF.Round(Math.Clamp(v, 0f, 1f) * 255f);
}

/// <summary>
/// Tiles grayscale images into one PNG: a list of rows, each a list of images (e.g. originals above their
/// reconstructions), separated by lines of a mid-gray value.
/// </summary>
public static class ImageGrid
{
    /// <summary>Renders the grid to 8-bit pixels.</summary>
    /// <param name="rows">Grid rows; each image is <paramref name="height"/> × <paramref name="width"/> values, row-major, clamped to [0, 1]. Rows may have different lengths (missing cells stay at the separator colour).</param>
    /// <param name="height">Image height in pixels (≥ 1).</param>
    /// <param name="width">Image width in pixels (≥ 1).</param>
    /// <param name="separator">Separator thickness in output pixels, also used as the outer border; default 2 (0 allowed).</param>
    /// <param name="scale">Integer nearest-neighbour upscaling factor per image pixel (≥ 1); default 1.</param>
    /// <param name="separatorValue">Gray level of separators in [0, 1]; default 0.5.</param>
    /// <returns>The pixels and the grid size in pixels.</returns>
    /// <exception cref="ArgumentException">No images, bad sizes, or an image has the wrong length.</exception>
    public static (byte[] Pixels, int Width, int Height) Render(IReadOnlyList<IReadOnlyList<float[]>> rows, int height, int width,
                                                               int separator = 2, int scale = 1, float separatorValue = 0.5f)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (height < 1 || width < 1) throw new ArgumentException($"image size must be positive, got {height}x{width}");
        if (separator < 0) throw new ArgumentOutOfRangeException(nameof(separator), separator, "separator must be ≥ 0");
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be ≥ 1");
        int cols = rows.Count == 0 ? 0 : rows.Max(r => r.Count);
        if (rows.Count == 0 || cols == 0) throw new ArgumentException("the grid has no images", nameof(rows));
        int cellW = width * scale, cellH = height * scale;
        int W = cols * cellW + (cols + 1) * separator;
        int H = rows.Count * cellH + (rows.Count + 1) * separator;
        var px = new byte[(long)W * H];
        Array.Fill(px, PngWriter.ToByte(separatorValue));
        for (int r = 0; r < rows.Count; r++)
            for (int c = 0; c < rows[r].Count; c++)
            {
                var img = rows[r][c];
                if (img == null) continue;
                if (img.Length != height * width)
                    throw new ArgumentException($"grid image at row {r}, column {c} has {img.Length} values but {height}x{width} needs {height * width}", nameof(rows));
                int ox = separator + c * (cellW + separator), oy = separator + r * (cellH + separator);
                for (int y = 0; y < cellH; y++)
                    for (int x = 0; x < cellW; x++)
                        px[(long)(oy + y) * W + ox + x] = PngWriter.ToByte(img[(y / scale) * width + x / scale]);
            }
        return (px, W, H);
    }

    /// <summary>Writes a grid of grayscale images as a PNG file, atomically (see <see cref="Render"/>).</summary>
    /// <param name="path">Target .png file.</param>
    /// <param name="rows">Grid rows of images, each <paramref name="height"/> × <paramref name="width"/> values in [0, 1].</param>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="separator">Separator thickness in pixels; default 2.</param>
    /// <param name="scale">Integer upscaling factor; default 1.</param>
    /// <param name="separatorValue">Gray level of separators in [0, 1]; default 0.5.</param>
    /// <exception cref="ArgumentException">See <see cref="Render"/>.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(string path, IReadOnlyList<IReadOnlyList<float[]>> rows, int height, int width,
                             int separator = 2, int scale = 1, float separatorValue = 0.5f)
    {
        var (px, w, h) = Render(rows, height, width, separator, scale, separatorValue);
        PngWriter.WriteGray(path, px, w, h);
    }

    /// <summary>Writes <paramref name="count"/> images from a contiguous batch as a grid with <paramref name="columns"/> per row.</summary>
    /// <param name="path">Target .png file.</param>
    /// <param name="batch">Row-major batch: image i occupies [i·h·w, (i+1)·h·w).</param>
    /// <param name="count">Number of images to draw (≥ 1, at most batch.Length / (h·w)).</param>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="columns">Images per grid row (≥ 1); default 10.</param>
    /// <param name="separator">Separator thickness in pixels; default 2.</param>
    /// <param name="scale">Integer upscaling factor; default 1.</param>
    /// <exception cref="ArgumentException">The batch is too small or the sizes are invalid.</exception>
    public static void WriteBatch(string path, ReadOnlySpan<float> batch, int count, int height, int width, int columns = 10, int separator = 2, int scale = 1)
    {
        int n = height * width;
        if (count < 1 || (long)count * n > batch.Length) throw new ArgumentException($"batch has {batch.Length} values, not enough for {count} images of {height}x{width}", nameof(batch));
        if (columns < 1) throw new ArgumentOutOfRangeException(nameof(columns), columns, "columns must be ≥ 1");
        var rows = new List<IReadOnlyList<float[]>>();
        for (int i = 0; i < count; i += columns)
        {
            var row = new List<float[]>();
            for (int j = i; j < Math.Min(count, i + columns); j++) row.Add(batch.Slice(j * n, n).ToArray());
            rows.Add(row);
        }
        Write(path, rows, height, width, separator, scale);
    }
}
