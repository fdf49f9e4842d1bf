using Bottleneck.IO;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.IO;

public class AtomicFileTests
{
    [Fact]
    public void WritesOverwritesAndCreatesFolders()
    {
        using var tmp = new TempDir();
        var p = Path.Combine(tmp.Path, "sub", "a.txt");
        AtomicFile.WriteAllText(p, "one");
        AtomicFile.WriteAllText(p, "two");
        Assert.Equal("two", File.ReadAllText(p));
        AtomicFile.WriteAllBytes(p, [1, 2, 3]);
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(p));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(p)!)); // no temp files left
    }

    [Fact]
    public void FailureKeepsOldContentAndRemovesTemp()
    {
        using var tmp = new TempDir();
        var p = tmp.File("keep.bin");
        AtomicFile.WriteAllText(p, "old");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(p, s => { s.WriteByte(1); throw new InvalidOperationException("boom"); }));
        Assert.Equal("old", File.ReadAllText(p));
        Assert.Single(Directory.GetFiles(tmp.Path));
    }
}
