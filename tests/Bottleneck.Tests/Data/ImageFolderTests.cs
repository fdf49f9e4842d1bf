using Bottleneck.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Bottleneck.Tests.Data;

public class ImageFolderTests
{
    /// <summary>Writes a small image whose pixel (y, x) has grey level (y·W + x)·step (or RGB = (v, 255 − v, 7)).</summary>
    internal static void WriteImage(string path, int height, int width, bool rgb = false, int step = 1)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (rgb)
        {
            using var im = new Image<Rgb24>(width, height);
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    byte v = (byte)((y * width + x) * step % 256);
                    im[x, y] = new Rgb24(v, (byte)(255 - v), 7);
                }
            im.Save(path);
        }
        else
        {
            using var im = new Image<L8>(width, height);
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++) im[x, y] = new L8((byte)((y * width + x) * step % 256));
            im.Save(path);
        }
    }

    [Fact]
    public void GreyPngs_LoadAsOneChannelSamplesInUnitRange_InOrdinalFileOrder()
    {
        using var dir = new TempDir();
        WriteImage(dir.File("b.png"), 4, 5, step: 3);
        WriteImage(dir.File("a.png"), 4, 5, step: 1);
        dir.Write("README.md", "not an image, skipped");

        var d = ImageFolder.Load(dir.Path);

        Assert.Equal(["a.png", "b.png"], d.Files.Select(f => f.RelativePath));
        Assert.Equal(new ImageShape(1, 4, 5), d.Data.Image);
        Assert.Equal(2, d.Data.Rows);
        Assert.Null(d.Data.Labels);
        Assert.Equal(7f / 255f, d.Data.Row(0)[7], 6);        // a.png: pixel (1, 2) = 7
        Assert.Equal(21f / 255f, d.Data.Row(1)[7], 6);       // b.png: 3 × 7
    }

    [Fact]
    public void ColourImage_IsChannelMajorRgb()
    {
        using var dir = new TempDir();
        WriteImage(dir.File("c.png"), 3, 4, rgb: true);
        var d = ImageFolder.Load(dir.Path).Data;
        Assert.Equal(new ImageShape(3, 3, 4), d.Image);
        var row = d.Row(0);
        // pixel (2, 3): v = 11 → R = 11, G = 244, B = 7, at offsets c·12 + 11
        Assert.Equal(11f / 255f, row[11], 6);
        Assert.Equal(244f / 255f, row[12 + 11], 6);
        Assert.Equal(7f / 255f, row[24 + 11], 6);
    }

    [Fact]
    public void ChannelsOne_ConvertsRgbWithScikitImageLumaWeights()
    {
        using var dir = new TempDir();
        WriteImage(dir.File("c.png"), 3, 4, rgb: true);
        var d = ImageFolder.Load(dir.Path, new ImageFolderOptions(Channels: 1)).Data;
        Assert.Equal(new ImageShape(1, 3, 4), d.Image);
        Assert.Equal((0.2125 * 11 + 0.7154 * 244 + 0.0721 * 7) / 255, d.Row(0)[11], 5);
    }

    [Fact]
    public void SubFolders_AreClasses_SortedByName_AsTorchvisionImageFolder()
    {
        using var dir = new TempDir();
        WriteImage(dir.File(Path.Combine("zebra", "1.png")), 4, 4);
        WriteImage(dir.File(Path.Combine("cat", "x.jpg")), 4, 4);
        WriteImage(dir.File(Path.Combine("cat", "deeper", "y.bmp")), 4, 4);
        WriteImage(dir.File(Path.Combine("zebra", "2.gif")), 4, 4);

        var d = ImageFolder.Load(dir.Path);

        Assert.Equal(["cat", "zebra"], d.Data.ClassNames!);
        Assert.Equal(["cat/deeper/y.bmp", "cat/x.jpg", "zebra/1.png", "zebra/2.gif"], d.Files.Select(f => f.RelativePath));
        Assert.Equal([0, 0, 1, 1], d.Data.Labels!);
    }

    [Fact]
    public void Patches_CoverEveryPixel_AndAssembleRestoresTheImage()
    {
        using var dir = new TempDir();
        WriteImage(dir.File("a.png"), 7, 10, rgb: true);
        var opts = new ImageFolderOptions(Patch: 4, Stride: 3);
        var d = ImageFolder.Load(dir.Path, opts);

        // origins along 7: 0, 3, then 3 = 7 − 4 already there → {0, 3}; along 10: 0, 3, 6 (= 10 − 4) → 2 × 3 patches
        Assert.Equal([0, 3], ImageFolder.Origins(7, 4, 3));
        Assert.Equal([0, 3, 6], ImageFolder.Origins(10, 4, 3));
        Assert.Equal([0, 4, 6], ImageFolder.Origins(10, 4, 4));
        Assert.Equal(6, d.Data.Rows);
        Assert.Equal(new ImageShape(3, 4, 4), d.Data.Image);
        Assert.Equal(new ImagePatch(0, 3, 6), d.Patches![5]);

        var whole = ImageFolder.Load(dir.Path).Data.Row(0).ToArray();
        var back = d.Assemble(d.Data.Features);
        Assert.Single(back);
        Assert.Equal(whole, back[0]);
        // the patch at (3, 6), channel 1, pixel (0, 0) is the image's G at (3, 6): v = 36 → 219
        Assert.Equal(219f / 255f, d.Data.Row(5)[16], 6);
    }

    [Fact]
    public void Size_ResizesEveryImage()
    {
        using var dir = new TempDir();
        WriteImage(dir.File("a.png"), 8, 12);
        WriteImage(dir.File("b.png"), 5, 5);
        var d = ImageFolder.Load(dir.Path, new ImageFolderOptions(6, 6)).Data;
        Assert.Equal(new ImageShape(1, 6, 6), d.Image);
        Assert.Equal(2, d.Rows);
        Assert.All(d.Features, v => Assert.InRange(v, 0f, 1f));
    }

    [SkippableFact]
    public void SharedPhotographs_LoadAsPatches()
    {
        var dir = SharedData.Find("images");
        Skip.If(dir == null, "shared/data/images not present");
        var d = ImageFolder.Load(dir!, new ImageFolderOptions(Channels: 1, Patch: 32, Stride: 32));
        Assert.Equal(9, d.Files.Count);
        var chelsea = d.Files.Single(f => f.RelativePath == "chelsea.png");
        Assert.Equal((1, 300, 451), (chelsea.Channels, chelsea.Height, chelsea.Width));
        int expected = d.Files.Sum(f => ImageFolder.Origins(f.Height, 32, 32).Count() * ImageFolder.Origins(f.Width, 32, 32).Count());
        Assert.Equal(expected, d.Data.Rows);
        var colour = ImageFolder.Load(dir!, new ImageFolderOptions(Channels: 3, Patch: 64));
        Assert.Equal(new ImageShape(3, 64, 64), colour.Data.Image);
    }

    [Fact]
    public void MixedChannelCounts_AreAnErrorNamingTheFile_UnlessConverted()
    {
        using var dir = new TempDir();
        WriteImage(dir.File("a.png"), 4, 4);
        WriteImage(dir.File("b.png"), 4, 4, rgb: true);
        var e = Assert.Throws<DataException>(() => ImageFolder.Load(dir.Path));
        Assert.Contains("b.png", e.Message);
        Assert.Contains("channels=", e.Message);
        Assert.Equal(3, ImageFolder.Load(dir.Path, new ImageFolderOptions(Channels: 3)).Data.Image!.Channels);
    }

    [Fact]
    public void DifferentSizes_WithoutSizeOrPatch_AreAnErrorNamingTheFile()
    {
        using var dir = new TempDir();
        WriteImage(dir.File("a.png"), 4, 4);
        WriteImage(dir.File("b.png"), 5, 4);
        var e = Assert.Throws<DataException>(() => ImageFolder.Load(dir.Path));
        Assert.Contains("b.png: is 5x4 pixels", e.Message);
    }

    [Fact]
    public void ImageSmallerThanThePatch_IsAnErrorNamingTheFile()
    {
        using var dir = new TempDir();
        WriteImage(dir.File("big.png"), 16, 16);
        WriteImage(dir.File("small.png"), 6, 16);
        var e = Assert.Throws<DataException>(() => ImageFolder.Load(dir.Path, new ImageFolderOptions(Patch: 8)));
        Assert.Contains("small.png: is 6x16 pixels, smaller than the 8x8 patch", e.Message);
    }

    [Fact]
    public void EmptyOrMissingFolder_IsAnError()
    {
        using var dir = new TempDir();
        dir.Write("notes.txt", "x");
        Assert.Contains("no images found", Assert.Throws<DataException>(() => ImageFolder.Load(dir.Path)).Message);
        Assert.Contains("not found", Assert.Throws<DataException>(() => ImageFolder.Load(dir.File("nope"))).Message);
    }

    [Fact]
    public void UnsupportedFormat_IsAnErrorNamingTheFile()
    {
        using var dir = new TempDir();
        WriteImage(dir.File("a.png"), 4, 4);
        using (var im = new Image<L8>(4, 4)) im.SaveAsTga(dir.File("b.tga"));
        var e = Assert.Throws<DataException>(() => ImageFolder.Load(dir.Path));
        Assert.Contains("b.tga: unsupported image format", e.Message);

        File.Delete(dir.File("b.tga"));
        using (var im = new Image<L8>(4, 4)) im.SaveAsTiff(dir.File("c.png"));   // a TIFF named .png
        e = Assert.Throws<DataException>(() => ImageFolder.Load(dir.Path));
        Assert.Contains("c.png: not a PNG, JPEG, BMP or GIF image", e.Message);
    }

    [Theory]
    [InlineData("png")]
    [InlineData("jpg")]
    [InlineData("bmp")]
    [InlineData("gif")]
    public void TruncatedOrCorruptFile_IsAnErrorNamingTheFile(string ext)
    {
        using var dir = new TempDir();
        string path = dir.File("photo." + ext);
        WriteImage(path, 64, 64, rgb: ext != "gif", step: 5);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 3)]);
        var e = Assert.Throws<DataException>(() => ImageFolder.Load(dir.Path));
        Assert.Contains("photo." + ext, e.Message);

        var garbage = bytes.ToArray();
        for (int i = 0; i < 8; i++) garbage[i] ^= 0x5A;       // header destroyed
        File.WriteAllBytes(path, garbage);
        e = Assert.Throws<DataException>(() => ImageFolder.Load(dir.Path));
        Assert.Contains("photo." + ext, e.Message);

        File.WriteAllBytes(path, []);
        Assert.Contains("empty file", Assert.Throws<DataException>(() => ImageFolder.Load(dir.Path)).Message);
    }

    [Theory]
    [InlineData("images:photos", "photos", null, null, null, null, null)]
    [InlineData("images:photos:size=32x48", "photos", 32, 48, null, null, null)]
    [InlineData("images:/a/b:channels=1:patch=16,stride=8", "/a/b", null, null, 1, 16, 8)]
    [InlineData("images:C:\\pics:patch=8:channels=3", "C:\\pics", null, null, 3, 8, null)]
    public void Spec_ParsesImageOptions(string spec, string path, int? h, int? w, int? c, int? p, int? s)
    {
        var d = DataSpec.Parse(spec);
        Assert.Equal(DataKind.Images, d.Kind);
        Assert.Equal(path, d.Path);
        Assert.Equal(new ImageFolderOptions(h, w, c, p, s), d.Images);
        Assert.Equal(d, DataSpec.Parse(d.ToString()));
    }

    [Theory]
    [InlineData("images:")]
    [InlineData("images:x:size=32")]
    [InlineData("images:x:channels=2")]
    [InlineData("images:x:patch=0")]
    [InlineData("images:x:patch=8,step=4")]
    [InlineData("images:x:colour=rgb")]
    public void Spec_RejectsBadImageOptions(string spec)
    {
        var e = Assert.Throws<DataException>(() => DataSpec.Parse(spec));
        Assert.Contains("images:DIR", e.Message);
    }
}

public class ImageFolderSkipBadTests
{
    [Fact]
    public void SkipBad_LeavesOutAndCountsUnusableFiles_KeepingLabelsAligned()
    {
        using var dir = new TempDir();
        ImageFolderTests.WriteImage(dir.File(Path.Combine("a", "good.png")), 16, 16);
        dir.Write(Path.Combine("a", "broken.png"), [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        ImageFolderTests.WriteImage(dir.File(Path.Combine("b", "tiny.png")), 4, 4);
        ImageFolderTests.WriteImage(dir.File(Path.Combine("b", "fine.jpg")), 12, 20, step: 2);
        using (var im = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.L8>(8, 8)) im.SaveAsTiff(dir.File(Path.Combine("b", "scan.tif")));

        var opts = new ImageFolderOptions(Patch: 8, SkipBad: true);
        var d = ImageFolder.Load(dir.Path, opts);

        Assert.Equal(["a/good.png", "b/fine.jpg"], d.Files.Select(f => f.RelativePath));
        Assert.Equal(["broken.png", "scan.tif", "tiny.png"], d.Skipped.Select(k => Path.GetFileName(k.Path)).Order(StringComparer.Ordinal));
        Assert.Contains(d.Skipped, k => k.Reason.Contains("smaller than the 8x8 patch"));
        Assert.Contains(d.Skipped, k => k.Reason.Contains("unsupported image format \".tif\""));
        Assert.Equal(4 + 2 * 3, d.Data.Rows);                                  // 2x2 patches of good, 2x3 of fine (origins 0,4 / 0,8,12)
        Assert.Equal(Enumerable.Repeat(0, 4).Concat(Enumerable.Repeat(1, 6)), d.Data.Labels!);
        Assert.Contains("3 files skipped", d.Data.Source);
        Assert.Equal(opts, DataSpec.Parse($"images:{dir.Path}:patch=8:skip-bad").Images);

        // without the option the first bad file is the error
        Assert.Contains("broken.png", Assert.Throws<DataException>(() => ImageFolder.Load(dir.Path, opts with { SkipBad = false })).Message);
    }

    [Fact]
    public void SkipBad_WithNothingUsable_IsStillAnError()
    {
        using var dir = new TempDir();
        dir.Write("x.png", [1, 2, 3]);
        var e = Assert.Throws<DataException>(() => ImageFolder.Load(dir.Path, new ImageFolderOptions(SkipBad: true)));
        Assert.Contains("none of its 1 image files can be used", e.Message);
    }
}

public class ImageFolderMutationTests
{
    /// <summary>
    /// Seeded byte mutations of small valid files of each format: every one either loads as an image with values in [0, 1] or
    /// fails with a <see cref="DataException"/> naming the file, never another exception from the codec.
    /// </summary>
    [Theory]
    [InlineData("png")]
    [InlineData("jpg")]
    [InlineData("bmp")]
    [InlineData("gif")]
    public void MutatedFiles_LoadOrFailWithADataException(string ext)
    {
        using var dir = new TempDir();
        string path = dir.File("m." + ext);
        ImageFolderTests.WriteImage(path, 24, 20, rgb: ext != "gif", step: 3);
        var original = File.ReadAllBytes(path);
        var rng = new Random(12);
        int loaded = 0, refused = 0;
        for (int trial = 0; trial < 150; trial++)
        {
            var bytes = original.ToArray();
            int edits = 1 + rng.Next(4);
            for (int k = 0; k < edits; k++)
            {
                int at = rng.Next(Math.Min(bytes.Length, trial % 2 == 0 ? 64 : bytes.Length));   // half the trials hit the header
                bytes[at] = (byte)rng.Next(256);
            }
            if (trial % 5 == 0) bytes = bytes[..rng.Next(1, bytes.Length)];
            File.WriteAllBytes(path, bytes);
            try
            {
                var (values, _) = ImageFolder.LoadFile(path);
                Assert.All(values, v => Assert.InRange(v, 0f, 1f));
                loaded++;
            }
            catch (DataException e)
            {
                Assert.Contains("m." + ext, e.Message);
                refused++;
            }
        }
        Assert.True(refused > 0, $"no mutation of the {ext} file was refused");
        Assert.Equal(150, loaded + refused);
    }
}
