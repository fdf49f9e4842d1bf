using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Bottleneck.IO;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.IO;

public class SafeTensorsTests
{
    private static readonly (string, int[], float[])[] Sample =
    [
        ("encoder.0.weight", [2, 3], [1, -2, 3.5f, 0, 1e-7f, -0f]),
        ("encoder.0.bias", [3], [0.25f, 0.5f, 0.75f]),
        ("scalar", [], [42f]),
        ("empty", [0, 4], []),
    ];

    private static byte[] Build(string headerJson, int dataBytes)
    {
        var h = Encoding.UTF8.GetBytes(headerJson);
        var b = new byte[8 + h.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(b, (ulong)h.Length);
        h.CopyTo(b, 8);
        return b;
    }

    [Fact]
    public void RoundTrip_KeepsOrderShapesValuesAndMetadata()
    {
        using var tmp = new TempDir();
        var p = tmp.File("m.safetensors");
        SafeTensors.Write(p, Sample, new Dictionary<string, string> { ["format"] = "bottleneck", ["config"] = "{\"latent\":2}" });
        var bytes = File.ReadAllBytes(p);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, n % 8);
        Assert.Equal((byte)'{', bytes[8]);
        var f = SafeTensors.Read(p);
        Assert.Equal(Sample.Select(s => s.Item1), f.Tensors.Select(t => t.Name));
        for (int i = 0; i < Sample.Length; i++)
        {
            Assert.Equal(Sample[i].Item2, f.Tensors[i].Shape);
            Assert.Equal(Sample[i].Item3, f.Tensors[i].Data);
            Assert.Equal("F32", f.Tensors[i].DType);
        }
        Assert.Equal("{\"latent\":2}", f.Metadata["config"]);
        Assert.Equal(new float[] { 0.25f, 0.5f, 0.75f }, f.Get("encoder.0.bias", [3]).Data);
        var miss = Assert.Throws<ModelFileException>(() => f.Get("decoder.weight"));
        Assert.Contains("m.safetensors", miss.Message);
        Assert.Contains("\"decoder.weight\" is missing", miss.Message);
        Assert.Contains("shape [3]", Assert.Throws<ModelFileException>(() => f.Get("encoder.0.bias", [4])).Message);
    }

    [Fact]
    public void Writer_RejectsBadInput()
    {
        Assert.Throws<ArgumentException>(() => SafeTensors.Encode([("a", [2], [1f])]));
        Assert.Throws<ArgumentException>(() => SafeTensors.Encode([("a", [1], [1f]), ("a", [1], [1f])]));
        Assert.Throws<ArgumentException>(() => SafeTensors.Encode([("__metadata__", [1], [1f])]));
    }

    [Fact]
    public void ReadsFileWrittenByIndependentPythonWriter_AllDtypes()
    {
        var f = SafeTensors.Read(SharedData.Fixture("safetensors", "python_written.safetensors"));
        Assert.Equal("pt", f.Metadata["format"]);
        Assert.Equal(new float[] { 1f, -2.5f, 3.25f, 0f, 1e-3f, 7f }, f.Get("f32", [2, 3]).Data);
        Assert.Equal(new float[] { 0.5f, -0.125f, 1e10f }, f.Get("f64").Data);
        Assert.Equal(new float[] { 1f, -2f, 0.5f, 65504f }, f.Get("f16").Data);
        Assert.Equal(new float[] { 1f, -3f, 0.15625f }, f.Get("bf16").Data);
        Assert.Equal(new float[] { -3f, 4f }, f.Get("i64", [2, 1]).Data);
        Assert.Equal(new float[] { 7f }, f.Get("i32", []).Data);
        Assert.Equal("BF16", f.Get("bf16").DType);
    }

    [SkippableFact]
    public void PythonIndependentReader_ReadsOurFile()
    {
        string python = "/usr/bin/python3";
        Skip.IfNot(File.Exists(python) && Run(python, "-c \"import numpy\"").Exit == 0, "python3 with numpy not available");
        using var tmp = new TempDir();
        var p = tmp.File("ours.safetensors");
        SafeTensors.Write(p, Sample, new Dictionary<string, string> { ["k"] = "v" });
        var (exit, stdout, stderr) = Run(python, $"\"{SharedData.Fixture("safetensors", "safetensors_py.py")}\" read \"{p}\"");
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal("v", doc.RootElement.GetProperty("__metadata__").GetProperty("k").GetString());
        foreach (var (name, shape, data) in Sample)
        {
            var t = doc.RootElement.GetProperty(name);
            Assert.Equal(shape, t.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal(data, t.GetProperty("values").EnumerateArray().Select(e => (float)e.GetDouble()));
        }
    }

    private static (int Exit, string Out, string Err) Run(string exe, string args)
    {
        var psi = new ProcessStartInfo(exe, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var proc = Process.Start(psi)!;
        var o = proc.StandardOutput.ReadToEndAsync();
        var e = proc.StandardError.ReadToEnd();
        proc.WaitForExit();
        return (proc.ExitCode, o.Result, e);
    }

    [Fact]
    public void CorruptFiles_GiveModelFileException_NamingFileAndTensor()
    {
        using var tmp = new TempDir();
        var good = SafeTensors.Encode(Sample);

        void Expect(string name, byte[] bytes, params string[] parts)
        {
            var p = tmp.Write(name, bytes);
            var e = Assert.Throws<ModelFileException>(() => SafeTensors.Read(p));
            Assert.Contains(name, e.Message);
            Assert.Equal(p, e.FilePath);
            foreach (var part in parts) Assert.Contains(part, e.Message);
        }

        Expect("short.safetensors", [1, 2, 3], "shorter than the 8-byte");
        var huge = (byte[])good.Clone(); BinaryPrimitives.WriteUInt64LittleEndian(huge, 1UL << 40);
        Expect("huge.safetensors", huge, "limit");
        var past = (byte[])good.Clone(); BinaryPrimitives.WriteUInt64LittleEndian(past, (ulong)good.Length);
        Expect("past.safetensors", past, "runs past the end");
        Expect("trunc.safetensors", good[..^4], "tensor \"scalar\"", "run past the end of the data");
        Expect("json.safetensors", Build("{\"a\": {", 0), "not valid JSON");
        Expect("array.safetensors", Build("[1,2]   ", 0), "JSON object");
        Expect("overlap.safetensors", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "overlap", "\"b\"", "\"a\"");
        Expect("gap.safetensors", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "tensor \"a\"", "gap");
        Expect("size.safetensors", Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "tensor \"w\"", "needs 12 bytes", "span 8");
        Expect("dtype.safetensors", Build("{\"w\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8), "tensor \"w\"", "unsupported dtype \"C64\"");
        Expect("neg.safetensors", Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4), "tensor \"w\"", "shape entry");
        Expect("offs.safetensors", Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4), "tensor \"w\"", "data_offsets");
        Expect("extra.safetensors", [.. good, 0, 0, 0, 0], "extra or missing bytes");
        Expect("dup.safetensors", Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}", 0), "duplicate key \"w\"");
        Expect("meta.safetensors", Build("{\"__metadata__\":{\"a\":1}}", 0), "__metadata__");
        Assert.Contains("not found", Assert.Throws<ModelFileException>(() => SafeTensors.Read(tmp.File("none.safetensors"))).Message);
    }
}
