using System.Text;
using Bottleneck.IO;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.IO;

/// <summary>Temporary names, atomic files, folders replaced as a unit and the writer's lock (docs/reliability.md).</summary>
public class AtomicOutputTests
{
    /// <summary>A PID that no running process has (for leftovers of a "killed" writer).</summary>
    internal static int DeadPid()
    {
        for (int pid = 3_999_999; pid > 100_000; pid--)
            if (!Directory.Exists("/proc/" + pid)) return pid;
        throw new InvalidOperationException("no free PID found");
    }

    private static string[] Entries(string dir) =>
        Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Theory]
    [InlineData(1)]
    [InlineData(200)]
    [InlineData(251)]
    [InlineData(255)]
    public void TemporaryAndLockNames_FitTheNameLimit_ForNamesUpTo255Bytes(int bytes)
    {
        // Given a name of `bytes` bytes (ASCII) and one of multi-byte characters of about the same size
        foreach (var name in new[] { new string('a', bytes), string.Concat(Enumerable.Repeat("é", bytes / 2)) + (bytes % 2 == 1 ? "x" : "") })
        {
            if (name.Length == 0) continue;
            // When its sibling names are made, Then each fits 255 bytes, starts hidden, and the stem is stable and distinct per name
            foreach (var sibling in new[] { TempNames.Temporary(name), TempNames.Lock(name), TempNames.Temporary(name).Replace(".tmp-", ".old-") })
            {
                Assert.True(Encoding.UTF8.GetByteCount(sibling) <= TempNames.MaxNameBytes, $"{sibling.Length} chars: {sibling}");
                Assert.StartsWith(".", sibling);
                Assert.True(sibling.EnumerateRunes().All(r => r.Value != 0xFFFD), "a character was cut in half");
            }
            Assert.Equal(TempNames.Stem(name), TempNames.Stem(name));
            Assert.NotEqual(TempNames.Stem(name), TempNames.Stem(name[..^1] + "b"));
        }
    }

    [Fact]
    public void AtomicFile_WritesAFileWhoseNameIs255Bytes()
    {
        using var dir = new TempDir();
        var path = dir.File(new string('n', 251) + ".csv");
        AtomicFile.WriteAllText(path, "a,b\n1,2\n");
        Assert.Equal("a,b\n1,2\n", File.ReadAllText(path));
        Assert.Equal([Path.GetFileName(path)], Entries(dir.Path));
    }

    [Fact]
    public void AtomicFile_WhenTheWriterFails_KeepsTheOldFileAndLeavesNoTemporaryFile()
    {
        using var dir = new TempDir();
        var path = dir.Write("scores.csv", "previous complete content\n");
        var e = Assert.Throws<InvalidDataException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[100_000]);   // half written
            throw new InvalidDataException("bad row 25001");
        }));
        Assert.Equal("bad row 25001", e.Message);
        Assert.Equal("previous complete content\n", File.ReadAllText(path));
        Assert.Equal(["scores.csv"], Entries(dir.Path));
    }

    [Fact]
    public void AtomicFile_WhenCancelledInANewFolder_RemovesTheFoldersItCreated()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "new", "deeper", "codes.csv");
        Assert.Throws<OperationCanceledException>(() => AtomicFile.Write(path, _ => throw new OperationCanceledException()));
        Assert.Empty(Entries(dir.Path));
    }

    [Fact]
    public void AtomicFile_RemovesTemporaryFilesOfDeadWriters_AndKeepsThoseOfLiveOnes()
    {
        using var dir = new TempDir();
        var stem = TempNames.Stem("out.csv");
        var dead = dir.Write($"{stem}.tmp-{DeadPid()}-0123abcd", "partial");
        var live = dir.Write($"{stem}.tmp-{Environment.ProcessId}-89abcdef", "being written by this process");
        var other = dir.Write($"{TempNames.Stem("other.csv")}.tmp-{DeadPid()}-0123abcd", "another target's");
        AtomicFile.WriteAllText(dir.File("out.csv"), "x");
        Assert.False(File.Exists(dead));
        Assert.True(File.Exists(live));
        Assert.True(File.Exists(other));   // only the target's own leftovers are touched
    }

    [Fact]
    public void AtomicFile_ErrorsNameTheUsersPath_NotTheTemporaryOne()
    {
        // A file-system error quotes the name it failed on: the temporary one. The message shown names the target instead.
        var tmp = "/data/.scores.csv.tmp-1234-0123abcd";
        var original = new IOException($"No space left on device : '{tmp}'");
        var e = AtomicFile.Translate(original, tmp, "/data/scores.csv");
        Assert.NotNull(e);
        Assert.Contains("/data/scores.csv", e!.Message);
        Assert.DoesNotContain(".tmp-", e.Message);
        Assert.IsType<IOException>(e);

        // And a target that is a folder is refused naming it
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("out.csv"));
        var refused = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(dir.File("out.csv"), "x"));
        Assert.Contains(dir.File("out.csv"), refused.Message);
        Assert.DoesNotContain(".tmp-", refused.Message);
    }

    [SkippableFact]
    public void AtomicFile_WritesDevicesInPlace_AndReplacesTheFileALinkPointsTo()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "device nodes and links as on Linux");
        // /dev/null is written in place: renaming over it would turn the device into a regular file (as root)
        AtomicFile.WriteAllText("/dev/null", "scores\n");
        Assert.True(SpecialFiles.IsSpecial("/dev/null"));

        // A link to a file: the file it points to is replaced, the link stays a link
        using var dir = new TempDir();
        var real = dir.Write("real.csv", "old");
        var link = dir.File("link.csv");
        File.CreateSymbolicLink(link, real);
        AtomicFile.WriteAllText(link, "new");
        Assert.Equal("new", File.ReadAllText(real));
        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.False(SpecialFiles.IsSpecial(real));
    }

    [SkippableFact]
    public void AtomicDirectory_ThroughALinkToAFolder_ReplacesTheFolderAndKeepsTheLink()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "links as on Linux");
        using var dir = new TempDir();
        var real = Directory.CreateDirectory(dir.File("real")).FullName;
        File.WriteAllText(Path.Combine(real, "config.json"), "old");
        var link = dir.File("link");
        Directory.CreateSymbolicLink(link, real);
        using (var w = AtomicDirectory.Begin(link))
        {
            File.WriteAllText(Path.Combine(w.Staging, "config.json"), "new");
            w.Commit();
        }
        Assert.NotNull(new DirectoryInfo(link).LinkTarget);
        Assert.Equal("new", File.ReadAllText(Path.Combine(link, "config.json")));
        Assert.Equal(["link", "real"], Entries(dir.Path));
    }

    [Fact]
    public void AtomicDirectory_Commit_ReplacesTheWholeFolder_SoOldFilesDoNotLinger()
    {
        using var dir = new TempDir();
        var target = dir.File("model");
        Directory.CreateDirectory(Path.Combine(target, "checkpoint"));
        File.WriteAllText(Path.Combine(target, "config.json"), "old");
        File.WriteAllText(Path.Combine(target, "reconstructions.png"), "old grid");
        File.WriteAllText(Path.Combine(target, "checkpoint", "best.safetensors"), "old best");

        using (var w = AtomicDirectory.Begin(target))
        {
            File.WriteAllText(Path.Combine(w.Staging, "config.json"), "new");
            Assert.Equal("old", File.ReadAllText(Path.Combine(target, "config.json")));   // untouched until the commit
            w.Commit();
        }
        Assert.Equal(["config.json"], Entries(target));
        Assert.Equal("new", File.ReadAllText(Path.Combine(target, "config.json")));
        Assert.Equal(["model"], Entries(dir.Path));   // no temporary, set-aside or lock file left
    }

    [Fact]
    public void AtomicDirectory_NotCommitted_LeavesTheOldFolderAndNoTrace_AndRemovesParentsItCreated()
    {
        using var dir = new TempDir();
        var old = dir.File("model");
        Directory.CreateDirectory(old);
        File.WriteAllText(Path.Combine(old, "config.json"), "old");
        using (var w = AtomicDirectory.Begin(old)) File.WriteAllText(Path.Combine(w.Staging, "config.json"), "new");
        Assert.Equal("old", File.ReadAllText(Path.Combine(old, "config.json")));
        Assert.Equal(["model"], Entries(dir.Path));

        using (var w = AtomicDirectory.Begin(Path.Combine(dir.Path, "runs", "a", "model"))) File.WriteAllText(Path.Combine(w.Staging, "x"), "x");
        Assert.Equal(["model"], Entries(dir.Path));   // runs/a created for the lock, removed again
    }

    [Fact]
    public void AtomicDirectory_StoppedBetweenItsTwoRenames_IsReadFromTheNewFolder_AndFinishedByTheNextWriter()
    {
        // Given the state a writer killed between "old aside" and "new in" leaves: no folder, both complete folders beside it
        using var dir = new TempDir();
        var target = dir.File("model");
        var tmpName = $"{TempNames.Stem("model")}.tmp-{DeadPid()}-0123abcd";
        var fresh = dir.File(tmpName);
        var aside = dir.File(tmpName.Replace(".tmp-", ".old-"));
        Directory.CreateDirectory(fresh);
        Directory.CreateDirectory(aside);
        File.WriteAllText(Path.Combine(fresh, "config.json"), "new");
        File.WriteAllText(Path.Combine(aside, "config.json"), "old");

        // When a reader resolves the folder, Then it reads the complete new one, without changing anything
        Assert.Equal(fresh, AtomicDirectory.ResolveForReading(target));
        Assert.False(Directory.Exists(target));

        // When the next writer begins, Then it finishes the swap and removes the old folder
        using (AtomicDirectory.Begin(target)) { }
        Assert.Equal("new", File.ReadAllText(Path.Combine(target, "config.json")));
        Assert.Equal(["model"], Entries(dir.Path));
    }

    [Fact]
    public void AtomicDirectory_AnOldFolderLeftWithoutItsNewOne_IsNeverRead_AndTheNextWriterRemovesIt()
    {
        // Given what a swap killed after "new in" but before deleting the old folder leaves, after the user deleted the model
        using var dir = new TempDir();
        var target = dir.File("model");
        var aside = dir.File($"{TempNames.Stem("model")}.old-{DeadPid()}-0123abcd");
        Directory.CreateDirectory(aside);
        File.WriteAllText(Path.Combine(aside, "config.json"), "old");

        // Then the deleted model does not come back for readers or writers, and the leftover is removed
        Assert.Equal(target, AtomicDirectory.ResolveForReading(target));
        AtomicDirectory.Recover(target);
        Assert.False(Directory.Exists(target));
        using (AtomicDirectory.Begin(target)) { }
        Assert.Empty(Entries(dir.Path));
    }

    [Fact]
    public void AtomicDirectory_RefusesTheCurrentFolderAndAFile()
    {
        using var dir = new TempDir();
        var file = dir.Write("data.csv", "1,2\n");
        Assert.Contains("is a file", Assert.Throws<IOException>(() => AtomicDirectory.Begin(file)).Message);
        Assert.Contains("current folder", Assert.Throws<IOException>(() => AtomicDirectory.Begin(Environment.CurrentDirectory)).Message);
        Assert.Contains("current folder", Assert.Throws<IOException>(() => AtomicDirectory.Begin(Path.GetDirectoryName(Environment.CurrentDirectory)!)).Message);
    }

    [Fact]
    public void FolderLock_ASecondWriterIsRefused_NamingTheFolderAndThePid_UntilTheFirstReleases()
    {
        using var dir = new TempDir();
        var target = dir.File("model");
        using (var first = FolderLock.Acquire(target, "runs/model"))
        {
            var e = Assert.Throws<IOException>(() => FolderLock.Acquire(target, "runs/model"));
            Assert.StartsWith("runs/model is being written by process " + Environment.ProcessId, e.Message);
            Assert.True(File.Exists(first.LockPath));
            Assert.Throws<IOException>(() => AtomicDirectory.Begin(target));
        }
        Assert.Empty(Entries(dir.Path));   // released: the lock file is gone
        using (FolderLock.Acquire(target)) { }
    }

    [Fact]
    public void FolderLock_LeftByAKilledWriter_DoesNotBlockTheNextOne()
    {
        // A killed writer's lock file stays, but the OS released its lock: the next writer takes it.
        using var dir = new TempDir();
        var target = dir.File("model");
        dir.Write(TempNames.Lock("model"), DeadPid() + "\n");
        using (var l = FolderLock.Acquire(target)) Assert.True(File.Exists(l.LockPath));
        Assert.Empty(Entries(dir.Path));
    }
}
