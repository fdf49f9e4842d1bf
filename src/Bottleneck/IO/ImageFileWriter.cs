using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Bottleneck.IO;

/// <summary>Writes channel-major float images as 8-bit PNG files through SixLabors.ImageSharp.</summary>
public static class ImageFileWriter
{
    /// <summary>
    /// Encodes a (C, H, W) image of values in [0, 1] as an 8-bit PNG: each value is clamped to [0, 1] and mapped to round(v × 255),
    /// NaN to 0; C = 1 gives a grey PNG, C = 3 an RGB PNG.
    /// </summary>
    /// <param name="values">Row-major values per channel, length C × H × W.</param>
    /// <param name="channels">C: 1 or 3.</param>
    /// <param name="height">H ≥ 1.</param>
    /// <param name="width">W ≥ 1.</param>
    /// <returns>The PNG bytes.</returns>
    /// <exception cref="ArgumentException">C is not 1 or 3, a size is not positive, or the length does not match.</exception>
    public static byte[] EncodePng(ReadOnlySpan<float> values, int channels, int height, int width)
    {
        if (channels is not (1 or 3)) throw new ArgumentException($"PNG images need 1 or 3 channels, got {channels}", nameof(channels));
        if (height < 1 || width < 1) throw new ArgumentException($"image size must be positive, got {height}x{width}");
        int hw = height * width;
        if (values.Length != (long)channels * hw)
            throw new ArgumentException($"values has {values.Length} entries but {channels}x{height}x{width} needs {(long)channels * hw}", nameof(values));
        var ms = new MemoryStream();
        if (channels == 1)
        {
            var px = new L8[hw];
            for (int i = 0; i < hw; i++) px[i] = new L8(PngWriter.ToByte(values[i]));
            using var image = Image.LoadPixelData<L8>(px, width, height);
            image.SaveAsPng(ms);
        }
        else
        {
            var px = new Rgb24[hw];
            for (int i = 0; i < hw; i++)
                px[i] = new Rgb24(PngWriter.ToByte(values[i]), PngWriter.ToByte(values[hw + i]), PngWriter.ToByte(values[2 * hw + i]));
            using var image = Image.LoadPixelData<Rgb24>(px, width, height);
            image.SaveAsPng(ms);
        }
        return ms.ToArray();
    }

    /// <summary>Writes a (C, H, W) image of values in [0, 1] as an 8-bit PNG file, atomically (<see cref="EncodePng"/>).</summary>
    /// <param name="path">Target .png file (parent folders are created).</param>
    /// <param name="values">Row-major values per channel, length C × H × W.</param>
    /// <param name="channels">C: 1 or 3.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <exception cref="ArgumentException">See <see cref="EncodePng"/>.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void WritePng(string path, ReadOnlySpan<float> values, int channels, int height, int width) =>
        AtomicFile.WriteAllBytes(path, EncodePng(values, channels, height, width));
}
