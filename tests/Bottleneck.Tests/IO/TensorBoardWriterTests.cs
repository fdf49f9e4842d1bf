using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Bottleneck.IO;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.IO;

/// <summary>TensorBoard event files: CRC-32C, TFRecord framing, Event/Summary protobufs, read back by our reader and by Python's protobuf.</summary>
public class TensorBoardWriterTests
{
    [Fact]
    public void Crc32C_HasTheCastagnoliCheckValue_AndTfRecordsMask()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        Assert.Equal(0u, Crc32C.Compute([]));
        uint crc = 0xE3069283u;
        Assert.Equal(((crc >> 15) | (crc << 17)) + 0xA282EAD8u, Crc32C.Masked("123456789"u8));
    }

    [Fact]
    public void Writer_WritesFramedEvents_ThatParseBack()
    {
        // Given a writer with a fixed clock and two steps of scalars
        using var dir = new TempDir();
        string path;
        using (var w = new TensorBoardWriter(dir.File("run"), () => 1700000000.25))
        {
            w.AddScalars(1, [("loss/train", 0.5), ("learning_rate", 1e-3)]);
            w.AddScalars(2, [("loss/train", 0.25)]);
            path = w.Path;
        }
        // Then the file is named as TensorFlow names it and holds three CRC-checked records
        Assert.StartsWith("events.out.tfevents.1700000000.", Path.GetFileName(path));
        var events = Read(path);
        Assert.Equal(3, events.Count);
        Assert.Equal(TensorBoardWriter.FileVersion, events[0].FileVersion);
        Assert.Equal(1700000000.25, events[0].WallTime);
        Assert.Equal(1, events[1].Step);
        Assert.Equal(["loss/train", "learning_rate"], events[1].Summary.Value.Select(v => v.Tag));
        Assert.Equal([0.5f, 1e-3f], events[1].Summary.Value.Select(v => v.SimpleValue));
        Assert.Equal(2, events[2].Step);
        Assert.Equal(0.25f, events[2].Summary.Value.Single().SimpleValue);
    }

    [Fact]
    public void Writer_TwoRunsInOneSecond_GetTwoFiles()
    {
        using var dir = new TempDir();
        using var a = new TensorBoardWriter(dir.Path, () => 5);
        using var b = new TensorBoardWriter(dir.Path, () => 5);
        Assert.NotEqual(a.Path, b.Path);
    }

    [SkippableFact]
    public void PythonProtobuf_ReadsOurFile()
    {
        string python = "/usr/bin/python3";
        Skip.IfNot(File.Exists(python) && Run(python, "-c \"import google.protobuf\"").Exit == 0, "python3 with protobuf not available");
        string? protoc = FindProtoc();
        Skip.If(protoc == null, "protoc (NuGet package grpc.tools) not found");
        string? proto = FindUp(Path.Combine("src", "Bottleneck", "IO", "TensorBoard", "events.proto"));
        Skip.If(proto == null, "events.proto not found above the test folder");
        using var dir = new TempDir();
        var (exit, _, err) = Run(protoc!, $"--proto_path=\"{Path.GetDirectoryName(proto)}\" --descriptor_set_out=\"{dir.File("events.pb")}\" events.proto");
        Assert.True(exit == 0, err);
        string path;
        using (var w = new TensorBoardWriter(dir.File("logs"), () => 12.5))
        {
            w.AddScalars(3, [("loss/train", 0.125), ("loss/kl", 2.0)]);
            path = w.Path;
        }
        (exit, var stdout, err) = Run(python, $"\"{SharedData.Fixture("tensorboard", "read_events.py")}\" \"{path}\" \"{dir.File("events.pb")}\"");
        Assert.True(exit == 0, err);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal("brain.Event:2", lines[0].GetProperty("file_version").GetString());
        Assert.Equal(12.5, lines[0].GetProperty("wall_time").GetDouble());
        Assert.Equal(3, lines[1].GetProperty("step").GetInt64());
        Assert.Equal(0.125, lines[1].GetProperty("scalars").GetProperty("loss/train").GetDouble());
        Assert.Equal(2.0, lines[1].GetProperty("scalars").GetProperty("loss/kl").GetDouble());
    }

    /// <summary>Reads every record of an event file, checking the framing and both CRCs.</summary>
    internal static List<Event> Read(string path)
    {
        var raw = File.ReadAllBytes(path);
        var events = new List<Event>();
        for (int at = 0; at < raw.Length;)
        {
            var header = raw.AsSpan(at, 8);
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(header);
            Assert.Equal(Crc32C.Masked(header), BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(at + 8, 4)));
            var data = raw.AsSpan(at + 12, (int)length);
            Assert.Equal(Crc32C.Masked(data), BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(at + 12 + (int)length, 4)));
            events.Add(Event.Parser.ParseFrom(data));
            at += 16 + (int)length;
        }
        return events;
    }

    private static string? FindProtoc()
    {
        var roots = new[] { Environment.GetEnvironmentVariable("NUGET_PACKAGES"), Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages") };
        foreach (var root in roots.Where(r => !string.IsNullOrEmpty(r)))
        {
            var tools = Path.Combine(root!, "grpc.tools");
            if (!Directory.Exists(tools)) continue;
            foreach (var version in Directory.GetDirectories(tools).OrderDescending())
            {
                var p = Path.Combine(version, "tools", "linux_x64", "protoc");
                if (File.Exists(p)) return p;
            }
        }
        return null;
    }

    private static string? FindUp(string relative)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            var p = Path.Combine(d.FullName, relative);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    private static (int Exit, string Out, string Err) Run(string exe, string args)
    {
        var psi = new ProcessStartInfo(exe, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, StandardOutputEncoding = Encoding.UTF8 };
        using var proc = Process.Start(psi)!;
        var o = proc.StandardOutput.ReadToEndAsync();
        var e = proc.StandardError.ReadToEnd();
        proc.WaitForExit();
        return (proc.ExitCode, o.Result, e);
    }
}
