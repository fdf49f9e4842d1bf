using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Bottleneck.Data;

/// <summary>
/// Options of an <c>images:DIR</c> data SPEC: an optional resize, a channel count to convert to and patch cutting.
/// </summary>
/// <param name="Height">Resize every image to this height in pixels (bicubic, ImageSharp's default resampler), or null to keep it. Default null.</param>
/// <param name="Width">Resize width in pixels; given together with <paramref name="Height"/>. Default null.</param>
/// <param name="Channels">Convert every image to 1 (grey, luma Y = 0.2125 R + 0.7154 G + 0.0721 B as scikit-image's <c>rgb2gray</c>) or
/// 3 (RGB; grey is repeated) channels, or null (default) to keep each file's own count, which must then agree across files.</param>
/// <param name="Patch">Cut square patches of P × P pixels (after the resize), or null (default) for one sample per image.</param>
/// <param name="Stride">Step between patch origins in pixels (default: <paramref name="Patch"/>, non-overlapping); needs <paramref name="Patch"/>.</param>
/// <param name="SkipBad">Skip (and count) files that cannot be used, corrupt, truncated, of an unsupported format or smaller than the
/// patch, instead of failing on the first (default false). Mixed channel counts and sizes are still errors: <c>channels=</c> and
/// <c>size=</c> fix those.</param>
/// <exception cref="ArgumentOutOfRangeException">A size, channel count, patch or stride is out of range, or only one of Height/Width is given, or Stride without Patch.</exception>
public sealed record ImageFolderOptions(int? Height = null, int? Width = null, int? Channels = null, int? Patch = null, int? Stride = null, bool SkipBad = false)
{
    /// <summary>Resize height in pixels, or null.</summary>
    public int? Height { get; init; } = Height is null or >= 1 ? Height : throw new ArgumentOutOfRangeException(nameof(Height), Height, $"size= height must be ≥ 1, got {Height}");

    /// <summary>Resize width in pixels, or null.</summary>
    public int? Width { get; init; } = (Width is null or >= 1) && (Width is null) == (Height is null) ? Width
        : throw new ArgumentOutOfRangeException(nameof(Width), Width, Width is null or >= 1 ? "size= needs both a height and a width (size=HxW)" : $"size= width must be ≥ 1, got {Width}");

    /// <summary>Channel count to convert to (1 or 3), or null.</summary>
    public int? Channels { get; init; } = Channels is null or 1 or 3 ? Channels : throw new ArgumentOutOfRangeException(nameof(Channels), Channels, $"channels= must be 1 or 3, got {Channels}");

    /// <summary>Patch side P in pixels, or null.</summary>
    public int? Patch { get; init; } = Patch is null or >= 1 ? Patch : throw new ArgumentOutOfRangeException(nameof(Patch), Patch, $"patch= must be ≥ 1, got {Patch}");

    /// <summary>Stride between patch origins in pixels, or null (= <see cref="Patch"/>).</summary>
    public int? Stride { get; init; } = Stride is null ? null
        : Patch is null ? throw new ArgumentOutOfRangeException(nameof(Stride), Stride, "stride= needs patch= (patch=P,stride=S)")
        : Stride >= 1 ? Stride : throw new ArgumentOutOfRangeException(nameof(Stride), Stride, $"stride= must be ≥ 1, got {Stride}");

    /// <summary>The options in SPEC syntax (<c>:size=HxW:channels=C:patch=P,stride=S:skip-bad</c>), empty when none are set.</summary>
    public override string ToString() =>
        (Height is int h ? string.Create(CultureInfo.InvariantCulture, $":size={h}x{Width}") : "") +
        (Channels is int c ? string.Create(CultureInfo.InvariantCulture, $":channels={c}") : "") +
        (Patch is int p ? string.Create(CultureInfo.InvariantCulture, $":patch={p}") + (Stride is int s ? string.Create(CultureInfo.InvariantCulture, $",stride={s}") : "") : "") +
        (SkipBad ? ":skip-bad" : "");
}

/// <summary>One image file of an image folder, as loaded (after resize and channel conversion).</summary>
/// <param name="RelativePath">Path relative to the folder, with '/' separators (e.g. <c>cats/chelsea.png</c>).</param>
/// <param name="Channels">C.</param>
/// <param name="Height">H in pixels.</param>
/// <param name="Width">W in pixels.</param>
public sealed record ImageFile(string RelativePath, int Channels, int Height, int Width)
{
    /// <summary>The image's sample shape (C, H, W).</summary>
    public ImageShape Shape => new(Channels, Height, Width);
}

/// <summary>A file left out of an image folder loaded with <see cref="ImageFolderOptions.SkipBad"/>, and why.</summary>
/// <param name="Path">The file.</param>
/// <param name="Reason">The error it would have raised.</param>
public sealed record SkippedImage(string Path, string Reason);

/// <summary>Where a patch row was cut: the file (index into <see cref="ImageFolderData.Files"/>) and its top-left pixel.</summary>
/// <param name="File">Index of the source file.</param>
/// <param name="Y">Row of the patch's top-left pixel.</param>
/// <param name="X">Column of the patch's top-left pixel.</param>
public readonly record struct ImagePatch(int File, int Y, int X);

/// <summary>
/// An image folder loaded as a dataset, with the layout needed to put rows back into images: the files in order and, for
/// patch data, where each row was cut.
/// </summary>
public sealed class ImageFolderData
{
    internal ImageFolderData(Dataset data, IReadOnlyList<ImageFile> files, ImagePatch[]? patches, IReadOnlyList<SkippedImage> skipped)
    {
        Data = data;
        Files = files;
        Patches = patches;
        Skipped = skipped;
    }

    /// <summary>Files left out with <see cref="ImageFolderOptions.SkipBad"/> (empty otherwise).</summary>
    public IReadOnlyList<SkippedImage> Skipped { get; }

    /// <summary>The samples: (C, H, W) floats in [0, 1], flattened row-major; one row per image, or per patch.</summary>
    public Dataset Data { get; }

    /// <summary>The image files in load order (ordinal order of their relative paths).</summary>
    public IReadOnlyList<ImageFile> Files { get; }

    /// <summary>Where each row was cut (length <see cref="Dataset.Rows"/>), or null when every row is a whole image (row i = file i).</summary>
    public ImagePatch[]? Patches { get; }

    /// <summary>
    /// Puts rows shaped like <see cref="Data"/>'s (e.g. reconstructions) back into whole images: file i's image is row i, or for
    /// patch data the average of every patch covering each pixel, ŷ(p) = (1/|P(p)|)·Σ_{q∈P(p)} row_q(p). Pixels are (C, H, W) row-major.
    /// </summary>
    /// <param name="rows">Values laid out as <see cref="Data"/>'s features (Rows × FeatureCount).</param>
    /// <returns>One array per file, of length C·H·W.</returns>
    /// <exception cref="ArgumentException"><paramref name="rows"/> has the wrong length.</exception>
    public float[][] Assemble(ReadOnlySpan<float> rows)
    {
        int d = Data.FeatureCount;
        if (rows.Length != (long)Data.Rows * d)
            throw new ArgumentException($"rows has {rows.Length} values, {Data.Source} needs {Data.Rows} × {d}", nameof(rows));
        var images = Files.Select(f => new float[f.Shape.Size]).ToArray();
        if (Patches is null)
        {
            for (int i = 0; i < images.Length; i++) rows.Slice(i * d, d).CopyTo(images[i]);
            return images;
        }
        var shape = Data.Image!;
        int p = shape.Height;
        var counts = Files.Select(f => new int[f.Height * f.Width]).ToArray();
        for (int r = 0; r < Patches.Length; r++)
        {
            var (fi, y0, x0) = Patches[r];
            var f = Files[fi];
            var img = images[fi];
            var row = rows.Slice(r * d, d);
            for (int c = 0; c < f.Channels; c++)
                for (int y = 0; y < p; y++)
                    for (int x = 0; x < p; x++)
                        img[(c * f.Height + y0 + y) * f.Width + x0 + x] += row[(c * p + y) * p + x];
            for (int y = 0; y < p; y++)
                for (int x = 0; x < p; x++)
                    counts[fi][(y0 + y) * f.Width + x0 + x]++;
        }
        for (int i = 0; i < images.Length; i++)
        {
            int hw = Files[i].Height * Files[i].Width;
            for (int j = 0; j < images[i].Length; j++) images[i][j] /= counts[i][j % hw];
        }
        return images;
    }
}

/// <summary>
/// Reads a folder of PNG, JPEG, BMP and GIF files through SixLabors.ImageSharp as a dataset of (C, H, W) samples in [0, 1]
/// (pixel / 255, or / 65535 for 16-bit files). Labels follow torchvision's <c>ImageFolder</c> convention: when the folder
/// has sub-folders, each sub-folder is a class (classes sorted by name, label = index), and its images (searched
/// recursively) belong to it; otherwise the images at the top level are unlabelled.
/// </summary>
/// <remarks>
/// Files are taken in ordinal order of their relative paths. Files with other extensions are skipped (a README beside the
/// images), except known image formats this reader does not support (TIFF, WebP, ...), which are an error. With
/// <see cref="ImageFolderOptions.SkipBad"/>, unusable files are left out and listed in <see cref="ImageFolderData.Skipped"/>. An image is
/// single-channel when every pixel has R = G = B (grey PNG/JPEG, palettes of greys), otherwise RGB; alpha is dropped.
/// Patches: along each axis of length L the origins are 0, S, 2S, … ≤ L − P, plus L − P when the last one falls short,
/// so the patches cover every pixel; rows are ordered by file, then origin row, then origin column.
/// </remarks>
public static class ImageFolder
{
    /// <summary>Extensions read as images (case-insensitive).</summary>
    public static readonly IReadOnlyList<string> Extensions = [".png", ".jpg", ".jpeg", ".bmp", ".gif"];

    /// <summary>Extensions of image formats that are recognised but not read: such files are an error (or skipped with <see cref="ImageFolderOptions.SkipBad"/>), not silently ignored.</summary>
    public static readonly IReadOnlyList<string> UnsupportedExtensions =
        [".tif", ".tiff", ".webp", ".tga", ".pbm", ".pgm", ".ppm", ".pnm", ".ico", ".heic", ".heif", ".avif", ".jxl", ".jp2", ".svg", ".exr", ".hdr"];

    private static readonly Configuration Formats = new(new PngConfigurationModule(), new JpegConfigurationModule(),
                                                        new BmpConfigurationModule(), new GifConfigurationModule());

    /// <summary>Loads the images of <paramref name="directory"/> (see the class remarks for the layout rules).</summary>
    /// <param name="directory">The image folder.</param>
    /// <param name="options">Resize, channel conversion and patches; default none.</param>
    /// <returns>The dataset with its file layout.</returns>
    /// <exception cref="DataException">The folder is missing or has no images; a file is corrupt, truncated or of an unsupported format;
    /// channel counts or sizes differ and no option converts them; an image is smaller than a patch. Messages name the file.</exception>
    public static ImageFolderData Load(string directory, ImageFolderOptions? options = null)
    {
        options ??= new ImageFolderOptions();
        var (files, classes) = ListImages(directory);

        var pixels = new List<float[]>(files.Count);
        var loaded = new List<ImageFile>(files.Count);
        var skipped = new List<SkippedImage>();
        var kept = new List<(string Path, string Relative, int Label)>(files.Count);
        foreach (var entry in files)
        {
            try
            {
                var (values, file) = Read(entry.Path, entry.Relative, options);
                if (options.Patch is int pp && (file.Height < pp || file.Width < pp))
                    throw new DataException($"{entry.Path}: is {file.Height}x{file.Width} pixels, smaller than the {pp}x{pp} patch", entry.Path);
                pixels.Add(values);
                loaded.Add(file);
                kept.Add(entry);
            }
            catch (DataException e) when (options.SkipBad)
            {
                skipped.Add(new SkippedImage(entry.Path, e.Message));
            }
        }
        if (loaded.Count == 0)
            throw new DataException($"{directory}: none of its {files.Count} image files can be used ({skipped[0].Reason})", directory);
        files = kept;

        // Channel counts must agree unless channels= converted them.
        var first = loaded[0];
        for (int i = 1; i < loaded.Count; i++)
            if (loaded[i].Channels != first.Channels)
                throw new DataException($"{files[i].Path}: has {Channels(loaded[i].Channels)} but {files[0].Path} has {Channels(first.Channels)}; " +
                                        "add :channels=1 or :channels=3 to the SPEC to convert them", files[i].Path);
        int[]? fileLabels = classes == null ? null : files.Select(f => f.Label).ToArray();
        string source = skipped.Count == 0 ? directory
            : $"{directory} ({skipped.Count} file{(skipped.Count == 1 ? "" : "s")} skipped: {string.Join(", ", skipped.Take(3).Select(k => Path.GetFileName(k.Path)))}{(skipped.Count > 3 ? ", …" : "")})";

        if (options.Patch is not int p)
        {
            for (int i = 1; i < loaded.Count; i++)
                if (loaded[i].Height != first.Height || loaded[i].Width != first.Width)
                    throw new DataException($"{files[i].Path}: is {loaded[i].Height}x{loaded[i].Width} pixels but {files[0].Path} is {first.Height}x{first.Width}; " +
                                            "add :size=HxW to resize them or :patch=P to cut patches", files[i].Path);
            int d = first.Shape.Size;
            var all = new float[(long)d * loaded.Count];
            for (int i = 0; i < loaded.Count; i++) pixels[i].CopyTo(all, (long)i * d);
            var data = new Dataset(all, loaded.Count, d, fileLabels, image: first.Shape, source: source, classNames: classes);
            return new ImageFolderData(data, loaded, null, skipped);
        }

        int stride = options.Stride ?? p;
        var patches = new List<ImagePatch>();
        for (int i = 0; i < loaded.Count; i++)
            foreach (int y in Origins(loaded[i].Height, p, stride))
                foreach (int x in Origins(loaded[i].Width, p, stride))
                    patches.Add(new ImagePatch(i, y, x));
        int c = first.Channels, pd = c * p * p;
        var values2 = new float[(long)pd * patches.Count];
        var labels = fileLabels == null ? null : new int[patches.Count];
        for (int r = 0; r < patches.Count; r++)
        {
            var (fi, y0, x0) = patches[r];
            var f = loaded[fi];
            var src = pixels[fi];
            long o = (long)r * pd;
            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < p; y++)
                    Array.Copy(src, (ch * f.Height + y0 + y) * f.Width + x0, values2, o + (ch * p + y) * p, p);
            if (labels != null) labels[r] = fileLabels![fi];
        }
        var patchData = new Dataset(values2, patches.Count, pd, labels, image: new ImageShape(c, p, p), source: source, classNames: classes);
        return new ImageFolderData(patchData, loaded, patches.ToArray(), skipped);
    }

    /// <summary>
    /// Loads every image of <paramref name="directory"/> at its own size (for models that take any size, such as super-resolution):
    /// the files, order, labels and error rules of <see cref="Load"/>, without the requirement that sizes agree.
    /// </summary>
    /// <param name="directory">The image folder.</param>
    /// <param name="options">Channel conversion (and resize, if given); patch options are not allowed.</param>
    /// <returns>Each image as (C, H, W) floats in [0, 1] with its file, in load order, and the files skipped with <see cref="ImageFolderOptions.SkipBad"/>.</returns>
    /// <exception cref="DataException">The folder is missing or has no images; a file is corrupt, truncated or of an unsupported format;
    /// channel counts differ and no option converts them; patch= was given. Messages name the file.</exception>
    public static (IReadOnlyList<(float[] Values, ImageFile File)> Images, IReadOnlyList<SkippedImage> Skipped) LoadEach(string directory, ImageFolderOptions? options = null)
    {
        options ??= new ImageFolderOptions();
        if (options.Patch != null) throw new DataException($"{directory}: patch= does not apply here: every image is used whole, at its own size", directory);
        var (files, classes) = ListImages(directory);
        var images = new List<(float[], ImageFile)>(files.Count);
        var skipped = new List<SkippedImage>();
        foreach (var entry in files)
        {
            try { images.Add(Read(entry.Path, entry.Relative, options)); }
            catch (DataException e) when (options.SkipBad) { skipped.Add(new SkippedImage(entry.Path, e.Message)); }
        }
        if (images.Count == 0)
            throw new DataException($"{directory}: none of its {files.Count} image files can be used ({skipped[0].Reason})", directory);
        for (int i = 1; i < images.Count; i++)
            if (images[i].Item2.Channels != images[0].Item2.Channels)
                throw new DataException($"{Path.Combine(directory, images[i].Item2.RelativePath)}: has {Channels(images[i].Item2.Channels)} but " +
                                        $"{Path.Combine(directory, images[0].Item2.RelativePath)} has {Channels(images[0].Item2.Channels)}; add :channels=1 or :channels=3 to the SPEC to convert them",
                                        Path.Combine(directory, images[i].Item2.RelativePath));
        return (images, skipped);
    }

    /// <summary>The image files of <paramref name="directory"/> (see <see cref="ListFiles"/>), checking that it is a folder with images.</summary>
    /// <exception cref="DataException">No folder given, the folder is missing or a file, or it has no images.</exception>
    private static (List<(string Path, string Relative, int Label)> Files, string[]? Classes) ListImages(string directory)
    {
        if (string.IsNullOrWhiteSpace(directory)) throw new DataException("images: needs a folder (images:DIR)");
        if (!Directory.Exists(directory))
            throw new DataException(File.Exists(directory) ? $"{directory}: is a file; images: needs a folder of images" : $"{directory}: image folder not found", directory);
        var (files, classes) = ListFiles(directory);
        if (files.Count == 0)
            throw new DataException($"{directory}: no images found (looked for {string.Join(", ", Extensions)} files{(classes != null ? " in its sub-folders" : "")})", directory);
        return (files, classes);
    }

    /// <summary>Patch origins along an axis of <paramref name="length"/> pixels: 0, S, 2S, … ≤ L − P, plus L − P if the last falls short.</summary>
    /// <param name="length">L ≥ P.</param>
    /// <param name="patch">P ≥ 1.</param>
    /// <param name="stride">S ≥ 1.</param>
    public static IEnumerable<int> Origins(int length, int patch, int stride)
    {
        int last = 0;
        for (int o = 0; o <= length - patch; o += stride) { last = o; yield return o; }
        if (last != length - patch) yield return length - patch;
    }

    private static string Channels(int c) => c == 1 ? "1 channel (grey)" : $"{c} channels (RGB)";

    private static (List<(string Path, string Relative, int Label)> Files, string[]? Classes) ListFiles(string directory)
    {
        var subdirs = Directory.GetDirectories(directory).Where(d => !Path.GetFileName(d).StartsWith('.'))
            .OrderBy(d => Path.GetFileName(d), StringComparer.Ordinal).ToList();
        var top = ImageFiles(directory, SearchOption.TopDirectoryOnly);
        var classDirs = subdirs.Where(d => ImageFiles(d, SearchOption.AllDirectories).Count > 0).ToList();
        if (classDirs.Count == 0)
            return (top.Select(f => (f, Path.GetFileName(f), 0)).ToList(), null);
        if (top.Count > 0)
            throw new DataException($"{directory}: has images at the top level ({Path.GetFileName(top[0])}) and class sub-folders ({Path.GetFileName(classDirs[0])}); " +
                                    "put every image in a class sub-folder, or use a folder without sub-folders for unlabelled images", top[0]);
        var classes = classDirs.Select(d => Path.GetFileName(d)).ToArray();
        var list = new List<(string, string, int)>();
        for (int k = 0; k < classDirs.Count; k++)
            foreach (var f in ImageFiles(classDirs[k], SearchOption.AllDirectories))
                list.Add((f, Path.GetRelativePath(directory, f).Replace(Path.DirectorySeparatorChar, '/'), k));
        return (list, classes);
    }

    private static List<string> ImageFiles(string dir, SearchOption option)
    {
        var result = new List<string>();
        foreach (var f in Directory.EnumerateFiles(dir, "*", option))
        {
            string name = Path.GetFileName(f);
            if (name.StartsWith('.')) continue;
            string rel = Path.GetRelativePath(dir, f);
            if (rel.Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.'))) continue;
            string ext = Path.GetExtension(f).ToLowerInvariant();
            if (Extensions.Contains(ext) || UnsupportedExtensions.Contains(ext)) result.Add(f);   // the latter fail in Read, naming the format
        }
        result.Sort(StringComparer.Ordinal);
        return result;
    }

    /// <summary>
    /// Rejects truncated files that ImageSharp would decode without complaint (it fills the missing part): a JPEG needs an
    /// end-of-image marker (FF D9) after its last start-of-scan (FF DA; entropy-coded data stuffs FF as FF 00, so FF D9 there is
    /// always a marker); an uncompressed BMP needs offset + row stride × |height| bytes. PNG and GIF decoders report truncation themselves.
    /// </summary>
    private static void CheckComplete(byte[] bytes, IImageFormat format, string path)
    {
        if (format is JpegFormat)
        {
            int sos = -1;
            for (int i = bytes.Length - 2; i >= 0; i--)
                if (bytes[i] == 0xFF && bytes[i + 1] == 0xDA) { sos = i; break; }
            bool eoi = false;
            for (int i = Math.Max(sos, 0); i < bytes.Length - 1 && !eoi; i++) eoi = bytes[i] == 0xFF && bytes[i + 1] == 0xD9;
            if (sos < 0 || !eoi)
                throw new DataException($"{path}: truncated JPEG ({(sos < 0 ? "no scan data" : "no end-of-image marker after the scan data")}, {bytes.Length} bytes)", path);
        }
        else if (format is BmpFormat && bytes.Length >= 34)
        {
            uint offset = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(10));
            uint dib = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(14));
            if (dib < 40) return;   // OS/2 core header: leave it to the decoder
            long width = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(18));
            long height = Math.Abs((long)System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(22)));
            int bpp = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(28));
            uint compression = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(30));
            if (compression is not (0 or 3 or 6)) return;   // RLE and embedded JPEG/PNG: sizes vary
            long need = offset + (width * bpp + 31) / 32 * 4 * height;
            if (bytes.Length < need)
                throw new DataException($"{path}: truncated BMP ({width}x{height} at {bpp} bits needs {need} bytes, the file has {bytes.Length})", path);
        }
    }

    /// <summary>Reads one image file as (C, H, W) floats in [0, 1], after the resize and channel conversion of <paramref name="options"/>
    /// (patch options are ignored).</summary>
    /// <param name="path">A PNG, JPEG, BMP or GIF file.</param>
    /// <param name="options">Resize and channel conversion; default none.</param>
    /// <returns>The values, row-major per channel, and the file's shape (its <see cref="ImageFile.RelativePath"/> is the file name).</returns>
    /// <exception cref="DataException">The file is missing, empty, corrupt, truncated or not PNG, JPEG, BMP or GIF.</exception>
    public static (float[] Values, ImageFile File) LoadFile(string path, ImageFolderOptions? options = null)
    {
        if (!File.Exists(path)) throw new DataException($"{path}: file not found", path);
        return Read(path, Path.GetFileName(path), options ?? new ImageFolderOptions());
    }

    /// <summary>Decodes one file to (C, H, W) floats in [0, 1], after the resize and channel conversion of <paramref name="options"/>.</summary>
    private static (float[] Values, ImageFile File) Read(string path, string relative, ImageFolderOptions options)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (UnsupportedExtensions.Contains(ext))
            throw new DataException($"{path}: unsupported image format \"{ext}\"; images: reads PNG, JPEG, BMP and GIF (convert the file to PNG)", path);
        Image<Rgb48> image;
        try
        {
            var bytes = File.ReadAllBytes(path);
            if (bytes.Length == 0) throw new DataException($"{path}: empty file (0 bytes), not an image", path);
            var format = Image.DetectFormat(Formats, bytes) ?? throw new UnknownImageFormatException("unrecognised");
            CheckComplete(bytes, format, path);
            image = Image.Load<Rgb48>(Formats, bytes);
        }
        catch (UnknownImageFormatException e)
        {
            throw new DataException($"{path}: not a PNG, JPEG, BMP or GIF image (unrecognised or unsupported format)", path, e);
        }
        catch (Exception e) when (e is ImageFormatException or InvalidDataException or NotSupportedException or EndOfStreamException)
        {
            throw new DataException($"{path}: corrupt or truncated image ({e.Message.TrimEnd('.')})", path, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataException($"{path}: cannot read file ({e.Message})", path, e);
        }
        catch (Exception e) when (e is not (DataException or OutOfMemoryException))
        {
            // The decoders do not confine themselves to ImageFormatException on malformed input: byte mutations of valid files
            // (ImageFolderMutationTests) make ImageSharp 2.1.13's BMP decoder throw NullReferenceException, and others raise
            // IndexOutOfRange/Argument/InvalidOperation exceptions. Any failure inside the decoder is the file's fault here.
            throw new DataException($"{path}: corrupt image (the decoder failed: {e.GetType().Name}: {e.Message.TrimEnd('.')})", path, e);
        }
        using (image)
        {
            if (options.Height is int h && options.Width is int w && (image.Height != h || image.Width != w))
                image.Mutate(ctx => ctx.Resize(w, h));
            int height = image.Height, width = image.Width, hw = height * width;
            var rgb = new Rgb48[hw];
            image.CopyPixelDataTo(rgb);
            bool grey = true;
            for (int i = 0; i < hw && grey; i++) grey = rgb[i].R == rgb[i].G && rgb[i].G == rgb[i].B;
            int own = grey ? 1 : 3;
            int channels = options.Channels ?? own;
            var values = new float[channels * hw];
            const float inv = 1f / 65535f;
            if (channels == 3)
                for (int i = 0; i < hw; i++)
                {
                    values[i] = rgb[i].R * inv;
                    values[hw + i] = rgb[i].G * inv;
                    values[2 * hw + i] = rgb[i].B * inv;
                }
            else if (own == 1)
                for (int i = 0; i < hw; i++) values[i] = rgb[i].R * inv;
            else
                for (int i = 0; i < hw; i++)
                    values[i] = (float)((0.2125 * rgb[i].R + 0.7154 * rgb[i].G + 0.0721 * rgb[i].B) / 65535.0);
            return (values, new ImageFile(relative, channels, height, width));
        }
    }
}
