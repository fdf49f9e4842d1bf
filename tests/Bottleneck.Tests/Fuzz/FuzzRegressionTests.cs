using System.Text;
using System.Text.Json.Nodes;
using Bottleneck.Bench;
using Bottleneck.IO;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Fuzz;

/// <summary>Every crash the parser fuzzing found (<see cref="ParserFuzz"/>), kept as a regression test: each input now gives the
/// parser's documented exception with a message.</summary>
public class FuzzRegressionTests
{
    private static ParserFuzz.Target Target(string name) => ParserFuzz.Targets.Single(t => t.Name == name);

    /// <summary>Runs the fuzz property on one input in a fresh scratch folder.</summary>
    private static void Holds(string target, byte[] input)
    {
        using var dir = new TempDir();
        ParserFuzz.Check(Target(target), input, dir.Path);
    }

    private static readonly Lazy<Bottleneck.ModelFiles.SavedModel> SampleFolder = new(() =>
    {
        var model = new Bottleneck.Models.Dense.DenseAutoencoder(new Bottleneck.Models.Dense.DenseConfig(4, [3], 2), new Bottleneck.Tensors.Rng(1));
        model.Eval();
        return new Bottleneck.ModelFiles.SavedModel(model, new Bottleneck.Data.PreprocessorState(Bottleneck.Data.ScalingKind.None, [], []), null, [], null, "demo");
    });

    [Fact]
    public void SafetensorsOffsetWithAnUnpairedSurrogateEscape()
    {
        // Found: data_offsets ["\uD800"] made the error message read the string, which threw InvalidOperationException.
        var header = Encoding.UTF8.GetBytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,\"\\uD800\"]}}");
        var bytes = new byte[8 + header.Length + 4];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), (ulong)header.Length);
        header.CopyTo(bytes, 8);
        var e = Assert.Throws<ModelFileException>(() => SafeTensors.Parse(bytes, "w.safetensors"));
        Assert.Contains("w.safetensors", e.Message);
        Holds("safetensors", bytes);
    }

    private static string SavedConfig(TempDir dir)
    {
        var folder = Path.Combine(dir.Path, "m");
        Bottleneck.ModelFiles.ModelStore.Save(folder, SampleFolder.Value);
        return folder;
    }

    [Fact]
    public void ConfigJsonWithInvalidUtf8InsideAString()
    {
        // Found: a byte 0xFF inside "libraryVersion" passed JsonDocument.Parse and threw InvalidOperationException when read.
        using var dir = new TempDir();
        var folder = SavedConfig(dir);
        var path = Path.Combine(folder, "config.json");
        var text = File.ReadAllBytes(path);
        int at = Encoding.UTF8.GetString(text).IndexOf("\"kind\": \"", StringComparison.Ordinal) + 9;
        text[at] = 0xFF;
        File.WriteAllBytes(path, text);
        var e = Assert.Throws<ModelFileException>(() => Bottleneck.ModelFiles.ModelStore.Load(folder));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void ConfigJsonWithAnEntryTwice()
    {
        // Found: a second "threshold" entry threw ArgumentException (duplicate dictionary key) from the sections.
        using var dir = new TempDir();
        var folder = SavedConfig(dir);
        var path = Path.Combine(folder, "config.json");
        var text = File.ReadAllText(path).TrimEnd().TrimEnd('}') + ",\"threshold\":{\"rule\":\"p99\"},\"threshold\":{\"rule\":\"p95\"}}";
        File.WriteAllText(path, text);
        var e = Assert.Throws<ModelFileException>(() => Bottleneck.ModelFiles.ModelStore.Load(folder));
        Assert.Contains("'threshold' twice", e.Message);
    }

    private static string Checkpoint(TempDir dir)
    {
        var data = new Bottleneck.Data.Dataset(Enumerable.Range(0, 64).Select(i => (i * 7 % 11) / 11f).ToArray(), 16, 4);
        var model = new Bottleneck.Models.Dense.DenseAutoencoder(new Bottleneck.Models.Dense.DenseConfig(4, [3], 2), new Bottleneck.Tensors.Rng(1));
        new Bottleneck.Training.Trainer(new Bottleneck.Training.TrainingOptions(epochs: 2, batchSize: 8, schedule: "cosine")) { CheckpointDirectory = dir.Path }.Fit(model, data);
        return Path.Combine(dir.Path, "trainer.json");
    }

    private static void Resume(TempDir dir)
    {
        var data = new Bottleneck.Data.Dataset(Enumerable.Range(0, 64).Select(i => (i * 7 % 11) / 11f).ToArray(), 16, 4);
        var model = new Bottleneck.Models.Dense.DenseAutoencoder(new Bottleneck.Models.Dense.DenseConfig(4, [3], 2), new Bottleneck.Tensors.Rng(1));
        new Bottleneck.Training.Trainer(new Bottleneck.Training.TrainingOptions(epochs: 2, batchSize: 8, schedule: "cosine")) { CheckpointDirectory = dir.Path, Resume = true }.Fit(model, data);
    }

    [Fact]
    public void TrainerJsonWithAStringWhereANumberBelongs()
    {
        // Found: "reconstruction": "sgd" in a history entry threw FormatException (named float literals are allowed in trainer.json).
        using var dir = new TempDir();
        var path = Checkpoint(dir);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        json["history"]![0]!["terms"]!["reconstruction"] = "sgd";
        File.WriteAllText(path, json.ToJsonString());
        var e = Assert.Throws<ModelFileException>(() => Resume(dir));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void TrainerJsonWithAnotherScheduleName()
    {
        // Found: a schedule state named 'cmsine' threw ArgumentException from the scheduler.
        using var dir = new TempDir();
        var path = Checkpoint(dir);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        var schedule = json["optimizers"]![0]!["schedule"]!.AsObject();
        var nameKey = schedule.First(p => p.Value is JsonValue v && v.TryGetValue<string>(out var s) && s == "cosine").Key;
        schedule[nameKey] = "cmsine";
        File.WriteAllText(path, json.ToJsonString());
        var e = Assert.Throws<ModelFileException>(() => Resume(dir));
        Assert.True(e.Message.Contains(path), e.Message);
        Assert.True(e.Message.Contains("schedule", StringComparison.OrdinalIgnoreCase), e.Message);
    }

    [Fact]
    public void TabularColumnWithValuesBeyondFloat32()
    {
        // Found: 0.11e309 (1.1e308, a finite double) made the column's sd overflow to Infinity, and the encoder's own state check
        // threw ArgumentException. Values must be finite float32 numbers, as in the numeric loader.
        var text = "x,y,label\n0.11e309,0.2,normal\n0.3,0.4,attack\n0.5,0.6,normal\n";
        var e = Assert.Throws<Bottleneck.Data.DataException>(() => Bottleneck.Data.TabularEncoder.Fit(new StringReader(text), "t.csv"));
        Assert.Contains("row 2", e.Message);
        Assert.Contains("column \"x\"", e.Message);
        ParserFuzz.Check(Target("csv-rows"), Encoding.UTF8.GetBytes(text), Path.GetTempPath());
    }

    [Fact]
    public void ConfigJsonDescribingAModelTooLargeToBuild()
    {
        // Found: "hidden": [2147483647] made building the model throw ArgumentException (a weight of more than 2^31 elements).
        using var dir = new TempDir();
        var folder = SavedConfig(dir);
        var path = Path.Combine(folder, "config.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        json["config"]!["hidden"] = new JsonArray(2147483647);
        File.WriteAllText(path, json.ToJsonString());
        var e = Assert.Throws<ModelFileException>(() => Bottleneck.ModelFiles.ModelStore.Load(folder));
        Assert.Contains(path, e.Message);
        Assert.Contains("cannot be built", e.Message);
    }

    [Fact]
    public void ParquetFooterOnWhichParquetNetLoops_IsCutByTheWatchdog()
    {
        // Found by the parquet target: a footer with mutated Thrift on which ParquetReader.CreateAsync never returns (no allocation,
        // one core busy). The reader's watchdog turns it into a DataException naming the file; the looping thread is abandoned.
        var bytes = Convert.FromBase64String(
            "UEFSMRUAFeADFYACLBU8FQAVBhUGHBgIAAAAAAAALUAYCAAAAAAAAAAAFgAoCAAAAAAAAC1AGAgAAAAAAAAAAAAAAPABAAAyAQAE4D8JDwDwDQgA+A0IBABA" +
            "CRgABA0IAAgNCAAMDQgAEA0IABINCAAUDQgAFg0IABgNCAAaDQgAHA0IAB4NCAAgDQgAIQ0IACINCAAjDQgAJA0IACUNCAAmDQgAJw0IACgNCAApDQgAKg0I" +
            "ACsNCCQsQAAAAAAAAC1AFQAV8AEV9gEsFTwVABUGFQYcGAQdAJYAGAQAAAAAFgAoBB0AAAAYBAAAAAAAAAB48HcAAAAAAQAAAAIAAAADAAAABAAAAAUAAAAG" +
            "AAAABwAAAAgAAAAJAAAACgAAAAsAAAAMAAAADQAAAA4AAAAPAAAAEAAAABEAAAASAAAAEwAAABQAAAAVAAAAFgAAABcAAAAYAAAAGQAAABoAAAAbAAAAHAAA" +
            "AB0AAAAVABXMAxX6ASwVPBUAFQYVBhwYCAAAAAAAAD1AGAgAAAAAAAAAABYIKAgAAAAAAAA9QBgIAAAAAAAAAAAAAADmASASAAAABgECAAwdBAgKAQAyAQAE" +
            "8D8NDwBACQgAEA0IABQNCAAYDQgAHA0IACANCAAiDQgAJg0IACgNCAAqDQgALA0IAC4NCAAwDQgAMg0IADMNCAA0DQgANQ0IADYNCAA3DQgAOQ0IADoNCAA7" +
            "DQgkPEAAAAAAAAA9QBUAFeQEFVYsFTwVABUGFQYcGAZub3JtYWwYBmF0dGFjaxYAKAZub3JtYWwYBmF0dGFjawAAALICPAIAAAA8AQYAAABhdHRhY2sBChRu" +
            "b3JtYWyGCgD+MgD+MgD+MgDWMgAVAhlcSARyb290FQgAFQolABgBYQAVAiUAGAFiJSJMrBMgEQAAABUKJQIYAW4AFQwlAhgFbGFiZWwlAEwcAAAAFjwZHBlM" +
            "JggcFQoZJQAGGRgBYRUCFjwW3gQW/gImCDwYCAAAAAAAAC1AGAgAAAAAAAAAABYAKAgAAAAAAAAtQBgIAAAAAAAAAAAAAAAmhgMcFQIZJQAGGRgBYhUCFjwW" +
            "zgIW1AImhgM8GAQdAAAAGAQAAAAAFgAoBB0AAAAYBAAAAAAAAAAm2gUcFQoZJQAGGRgBbhUCFjwWygQW+AIm2gU8GAgAAAAAAAA9QBgIAAAAAAAAAAAWCCgI" +
            "AAAAAAAAPUAYCAAAAAAAAAAAAAAAJtIIHBUMGSUABhkYBWxhYmVsFQIWPBbQBRbCASbSCDwYBm5vcm1hbBgGYXR0YWNrFgAoBm5vcm1hbBgGYXR0YWNrAAAA" +
            "FsYRFjw2jAoAKEpQYXJxdWV0Lk5ldCB2ZXJzaW9uIDYuMS4wIChidWlsZCBjMTc5ZDk3YmQyNTQ5YjVmNDRhOTI0MWU3MjlmODY5ZDQ5NDdlZTU5KbSqAQAA" +
            "UEFSMQ==");
        using var dir = new TempDir();
        var path = dir.Write("loop.parquet", bytes);
        // The footer check refuses it before Parquet.Net sees it, so no thread is left looping (the watchdog is the backstop).
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<Bottleneck.Data.DataException>(() => new Bottleneck.Data.ParquetRowReader(path, "label", watchdogSeconds: 1));
        Assert.Contains(path, e.Message);
        Assert.Contains("footer is not well-formed Thrift", e.Message);
        Assert.True(watch.Elapsed.TotalSeconds < 0.5, $"took {watch.Elapsed.TotalSeconds:0.00} s: the watchdog, not the footer check, stopped it");
    }
}
