using Bottleneck.Data;

namespace Bottleneck.Tests.Data;

/// <summary>A temporary folder deleted on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "bottleneck-tests-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, string text) { var p = File(name); System.IO.File.WriteAllText(p, text); return p; }

    public string Write(string name, byte[] bytes) { var p = File(name); System.IO.File.WriteAllBytes(p, bytes); return p; }

    public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
}

public static class SharedData
{
    /// <summary>Path inside ../shared/data, or null (tests then skip).</summary>
    public static string? Find(string relative) => DataDirectory.Find(relative);

    public static string Fixture(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "Fixtures", .. parts]);
}
