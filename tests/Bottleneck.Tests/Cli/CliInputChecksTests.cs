using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Bottleneck.Cli;
using Bottleneck.IO;
using Bottleneck.ModelFiles;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Cli;

/// <summary>
/// Issue 10, promises 4, 5, 6, 8 and 9 through the command line: each refusal is exit code 2 with one error line that names the
/// file, row, column, option or tensor involved.
/// </summary>
public class CliInputChecksTests : IClassFixture<TrainedModelFixture>
{
    private readonly TrainedModelFixture _demo;

    public CliInputChecksTests(TrainedModelFixture demo) => _demo = demo;

    /// <summary>A headed numeric CSV of <paramref name="rows"/> rows and columns a, b, c, d (or reversed).</summary>
    private static string NumericCsv(TempDir dir, string name, int rows = 120, bool reversed = false)
    {
        var rng = new Random(3);
        var sb = new StringBuilder(reversed ? "d,c,b,a\n" : "a,b,c,d\n");
        for (int i = 0; i < rows; i++)
        {
            var v = Enumerable.Range(0, 4).Select(k => (rng.NextDouble() + k).ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            if (reversed) Array.Reverse(v);
            sb.Append(string.Join(',', v)).Append('\n');
        }
        return dir.Write(name, sb.ToString());
    }

    private static async Task<string> TrainNumeric(TempDir dir, string csv, string folder = "model", params string[] extra)
    {
        var h = new CliHarness();
        var model = dir.File(folder);
        int code = await h.Run(["train", "--data", "csv:" + csv, "--hidden", "4", "--latent", "2", "--epochs", "1", "--batch-size", "32",
                                "--out", model, .. extra]);
        Assert.True(code == 0, h.Stderr);
        return model;
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }

    private static void EditConfig(string folder, Action<JsonObject> edit)
    {
        var p = Path.Combine(folder, ModelStore.ConfigFile);
        var root = JsonNode.Parse(File.ReadAllText(p))!.AsObject();
        edit(root);
        File.WriteAllText(p, root.ToJsonString());
    }

    /// <summary>Replaces the model's weights file and updates the checksum, so that the check under test is what fails.</summary>
    private static void ForgeWeights(string folder, byte[] bytes)
    {
        File.WriteAllBytes(Path.Combine(folder, ModelStore.WeightsFile), bytes);
        EditConfig(folder, r => r["weights"]!["sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    // ---------------------------------------------------------------- promise 5: data never silently misread

    [Fact]
    public async Task DecimalCommaTsvIsAnErrorUnlessAskedFor()
    {
        using var dir = new TempDir();
        var tsv = dir.Write("d.tsv", "a\tb\n0,345584\t1\n1,5\t2\n2\t3\n");
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--data", "csv:" + tsv, "--epochs", "1", "--out", dir.File("m")), tsv, "row 2", "column \"a\"", "--decimal comma");
        Assert.False(Directory.Exists(dir.File("m")));
        var ok = new CliHarness();
        Assert.Equal(0, await ok.Run("train", "--data", "csv:" + tsv, "--decimal", "comma", "--hidden", "2", "--latent", "1", "--epochs", "1", "--out", dir.File("m")));
    }

    [Fact]
    public async Task DuplicateColumnNamesAreRefused()
    {
        using var dir = new TempDir();
        var csv = dir.Write("d.csv", "a,b,a\n1,2,3\n4,5,6\n");
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--data", "csv:" + csv, "--epochs", "1", "--out", dir.File("m")), csv, "duplicate column name \"a\"");
    }

    [Fact]
    public async Task TruncatedGzipIsAnError()
    {
        using var dir = new TempDir();
        var csv = NumericCsv(dir, "d.csv", 400);
        var ms = new MemoryStream();
        using (var g = new System.IO.Compression.GZipStream(ms, System.IO.Compression.CompressionLevel.Optimal, true)) g.Write(File.ReadAllBytes(csv));
        var gz = ms.ToArray();
        var cut = dir.Write("cut.csv.gz", gz[..(gz.Length * 2 / 3)]);
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--data", "csv:" + cut, "--epochs", "1", "--out", dir.File("m")), cut, "truncated");
    }

    [Fact]
    public async Task NonFiniteTrainingDataIsADataErrorBeforeTraining()
    {
        using var dir = new TempDir();
        var csv = dir.Write("d.csv", "a,b\n1,2\n3,NaN\n5,6\n");
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--data", "csv:" + csv, "--epochs", "1", "--out", dir.File("m")), csv, "row 3", "column \"b\"");
        Assert.DoesNotContain("diverged", h.Stderr);
    }

    [Fact]
    public async Task AReorderedHeaderIsRefusedByEveryCommand()
    {
        // Given a model trained on columns a, b, c, d
        using var dir = new TempDir();
        var model = await TrainNumeric(dir, NumericCsv(dir, "d.csv"));
        var reversed = NumericCsv(dir, "rev.csv", reversed: true);
        // When data with the columns reversed is scored, encoded or evaluated, Then each refuses, naming the first difference
        foreach (var args in new[]
        {
            new[] { "detect", "--model", model, "--data", "csv:" + reversed, "--threshold", "1" },
            ["encode", "--model", model, "--data", "csv:" + reversed, "--out", dir.File("codes.csv")],
            ["evaluate", "--model", model, "--data", "csv:" + reversed],
        })
        {
            var h = new CliHarness();
            h.AssertUsageError(await h.Run(args), reversed, "is \"d\", the model expects \"a\"", "another order");
        }
        Assert.False(File.Exists(dir.File("codes.csv")));
    }

    // ---------------------------------------------------------------- promise 4: paths

    [Fact]
    public async Task TheTrainingDataIsRecordedAbsoluteWithItsSizeAndHash()
    {
        using var dir = new TempDir();
        var csv = NumericCsv(dir, "d.csv");
        var model = await TrainNumeric(dir, csv);
        var saved = ModelStore.Load(model);
        Assert.Equal("csv:" + Path.GetFullPath(csv), saved.DataSource);
        var file = Assert.Single(saved.DataFiles!);
        Assert.Equal(Path.GetFullPath(csv), file.Path);
        Assert.Equal(new FileInfo(csv).Length, file.Bytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(csv))), file.Sha256);
        Assert.Equal(["a", "b", "c", "d"], saved.FeatureNames);
    }

    [Fact]
    public async Task RefittingOnAChangedOrMissingTrainingFileIsRefused()
    {
        using var dir = new TempDir();
        var csv = NumericCsv(dir, "d.csv");
        var model = await TrainNumeric(dir, csv);
        var data = NumericCsv(dir, "score.csv", 30);
        File.AppendAllText(csv, "9,9,9,9\n");
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("detect", "--model", model, "--data", "csv:" + data, "--threshold", "p99"), Path.GetFullPath(csv), "has changed");
        File.Delete(csv);
        var g = new CliHarness();
        g.AssertUsageError(await g.Run("detect", "--model", model, "--data", "csv:" + data, "--threshold", "p99"), Path.GetFullPath(csv), "is missing");
    }

    [Fact]
    public async Task DetectFromAnotherFolderRefitsOnTheSameFileNotOneWithTheSameName()
    {
        // Given a model trained on d.csv with a relative path, and another folder holding a different d.csv
        using var dir = new TempDir();
        var work = Directory.CreateDirectory(dir.File("work")).FullName;
        var elsewhere = Directory.CreateDirectory(dir.File("elsewhere")).FullName;
        NumericCsv(dir, Path.Combine("work", "d.csv"));
        File.WriteAllText(Path.Combine(elsewhere, "d.csv"), "a,b,c,d\n" + string.Concat(Enumerable.Repeat("900,900,900,900\n", 50)));
        var (trainCode, _, trainErr) = await RunChild(work, [], "train", "--data", "csv:d.csv", "--hidden", "4", "--latent", "2", "--epochs", "1", "--out", "m");
        Assert.True(trainCode == 0, trainErr);
        // When detect refits p99 from the other folder, Then it reads work/d.csv (the threshold is the training one), never elsewhere/d.csv
        var (code, stdout, stderr) = await RunChild(elsewhere, [], "detect", "--model", Path.Combine(work, "m"), "--data", "csv:d.csv", "--threshold", "p99");
        Assert.True(code == 0, stderr);
        Assert.Contains("training data (" + "csv:" + Path.Combine(work, "d.csv"), stdout.ReplaceLineEndings(" "));
    }

    [Fact]
    public async Task AnOutputEqualToTheInputIsRefusedAndTheInputKept()
    {
        using var dir = new TempDir();
        var csv = NumericCsv(dir, "d.csv");
        var model = await TrainNumeric(dir, csv);
        var before = File.ReadAllBytes(csv);
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("detect", "--model", model, "--data", "csv:" + csv, "--out", Path.Combine(dir.Path, ".", "d.csv")), "--out", "is the input data file", csv);
        var e = new CliHarness();
        e.AssertUsageError(await e.Run("encode", "--model", model, "--data", "csv:" + csv, "--out", csv), "is the input data file");
        Assert.Equal(before, File.ReadAllBytes(csv));
    }

    [Fact]
    public async Task AnOutputInsideTheModelFolderIsRefused()
    {
        using var dir = new TempDir();
        var model = dir.File("model");
        CopyFolder(_demo.ModelDir, model);
        var config = Path.Combine(model, ModelStore.ConfigFile);
        var before = File.ReadAllText(config);
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("evaluate", "--model", model, "--data", "demo:50", "--png", config), "--png", "inside the model folder", model);
        var r = new CliHarness();
        r.AssertUsageError(await r.Run("reconstruct", "--model", model, "--data", "demo:50", "--out", Path.Combine(model, "rec.csv")), "inside the model folder");
        Assert.Equal(before, File.ReadAllText(config));
        ModelStore.Load(model);
    }

    [Fact]
    public async Task TrainingIntoAFolderHoldingTheDataIsRefused()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("runs"));
        var csv = NumericCsv(dir, Path.Combine("runs", "d.csv"));
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--data", "csv:" + csv, "--out", dir.File("runs"), "--epochs", "1"), "contains the input data file", csv);
    }

    // ---------------------------------------------------------------- promise 6: resume

    [Fact]
    public async Task ResumeWithAnotherActivationAndKindIsRefusedNamingThem()
    {
        using var dir = new TempDir();
        var model = dir.File("m");
        string[] common = ["train", "--data", "demo:200", "--hidden", "16", "--latent", "4", "--batch-size", "64", "--out", model];
        var first = new CliHarness();
        Assert.Equal(0, await first.Run([.. common, "--epochs", "1"]));
        var h = new CliHarness();
        h.AssertUsageError(await h.Run([.. common, "--epochs", "2", "--resume", "--activation", "tanh", "--kind", "denoising"]),
            "--kind: dense → denoising", "hiddenActivation: \"relu\" → \"tanh\"", "corruption");
        var d = new CliHarness();
        d.AssertUsageError(await d.Run([.. common.Select(a => a == "demo:200" ? "demo:300" : a), "--epochs", "2", "--resume"]), "--data: demo:200 → demo:300");
        var same = new CliHarness();
        Assert.Equal(0, await same.Run([.. common, "--epochs", "2", "--resume"]));
    }

    // ---------------------------------------------------------------- promise 8: sizes, devices, environment

    [Fact]
    public async Task HugeDemoCountIsAClearSpecError()
    {
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--data", "demo:3000000", "--epochs", "1", "--out", Path.Combine(Path.GetTempPath(), "never")), "demo:3000000", "too large");
        Assert.DoesNotContain("unexpected", h.Stderr);
    }

    [SkippableFact]
    public async Task WeightsLinkedToDevZeroAreRefusedWithoutReadingThem()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "needs /dev/zero");
        using var dir = new TempDir();
        var model = dir.File("model");
        CopyFolder(_demo.ModelDir, model);
        var weights = Path.Combine(model, ModelStore.WeightsFile);
        File.Delete(weights);
        File.CreateSymbolicLink(weights, "/dev/zero");
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("info", "--model", model), weights, "character device");
    }

    [Fact]
    public async Task ANonUtf8SafetensorsHeaderNamesTheFile()
    {
        using var dir = new TempDir();
        var model = dir.File("model");
        CopyFolder(_demo.ModelDir, model);
        var header = Encoding.UTF8.GetBytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}   ");
        header[2] = 0xFF;
        var bytes = new byte[8 + header.Length + 4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        ForgeWeights(model, bytes);
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("info", "--model", model), "UTF-8", ModelStore.WeightsFile);
        Assert.DoesNotContain("unexpected", h.Stderr);
    }

    [Theory]
    [InlineData("BOTTLENECK_THREADS", "0", "from 1 to 1024")]
    [InlineData("BOTTLENECK_THREADS", "100000", "from 1 to 1024")]
    [InlineData("BOTTLENECK_THREADS", "many", "BOTTLENECK_THREADS='many'")]
    [InlineData("BOTTLENECK_BACKEND", "cuda", "BOTTLENECK_BACKEND='cuda' is not a known GEMM backend")]
    [InlineData("BOTTLENECK_MEMORY_BUDGET", "8GB", "BOTTLENECK_MEMORY_BUDGET='8GB' is not a memory budget")]
    public async Task BadEnvironmentSettingsAreUsageErrors(string variable, string value, string expected)
    {
        var (code, _, stderr) = await RunChild(Path.GetTempPath(), [(variable, value)], "info", "--model", _demo.ModelDir);
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.StartsWith("error: ", stderr);
        Assert.Contains(expected, stderr);
        Assert.DoesNotContain("unexpected", stderr);
    }

    // ---------------------------------------------------------------- promise 9: model files checked on load

    [Fact]
    public async Task NonFiniteWeightsAreRefusedNamingTheTensor()
    {
        using var dir = new TempDir();
        var model = dir.File("model");
        CopyFolder(_demo.ModelDir, model);
        var file = SafeTensors.Read(Path.Combine(model, ModelStore.WeightsFile));
        var tensors = file.Tensors.Select(t => (t.Name, t.Shape, t.Data.ToArray())).ToList();
        tensors[1].Item3[0] = float.NaN;
        ForgeWeights(model, SafeTensors.Encode(tensors, new Dictionary<string, string>(file.Metadata)));
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("info", "--model", model), $"tensor \"{tensors[1].Name}\"", "NaN");
    }

    [Fact]
    public async Task ANaNThresholdIsRefusedNamingTheField()
    {
        using var dir = new TempDir();
        var model = await TrainNumeric(dir, NumericCsv(dir, "d.csv"), "model", "--threshold", "p99");
        EditConfig(model, r => r["threshold"]!["value"] = "NaN");
        var data = NumericCsv(dir, "score.csv", 20);
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("detect", "--model", model, "--data", "csv:" + data), ModelStore.ConfigFile, "threshold");
        var i = new CliHarness();
        i.AssertUsageError(await i.Run("info", "--model", model), ModelStore.ConfigFile, "threshold");
    }

    /// <summary>Runs the CLI as a child process (its own environment and working folder).</summary>
    private static async Task<(int Code, string Stdout, string Stderr)> RunChild(string workingDirectory, (string, string)[] environment, params string[] args)
    {
        string exe = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "Bottleneck.Cli.exe" : "Bottleneck.Cli");
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        using var proc = Process.Start(psi)!;
        var stdout = proc.StandardOutput.ReadToEndAsync();
        var stderr = proc.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await proc.WaitForExitAsync(timeout.Token);
        return (proc.ExitCode, await stdout, await stderr);
    }
}
