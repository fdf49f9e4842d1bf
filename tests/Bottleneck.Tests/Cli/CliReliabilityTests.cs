using System.Globalization;
using System.Text;
using Bottleneck.Cli;
using Bottleneck.IO;
using Bottleneck.ModelFiles;
using Bottleneck.Tests.Data;
using Bottleneck.Tests.IO;

namespace Bottleneck.Tests.Cli;

/// <summary>
/// Issue 10, promises 1, 2, 3, 7 and 10 through the real CLI: outputs replaced whole or not at all, model folders swapped as a unit
/// by one writer, checkpoints that survive a kill during their save, Ctrl+C/SIGTERM leaving nothing, failures leaving nothing.
/// Kills and signals run the CLI as a child process (<see cref="CliProcess"/>) stopped at a named point by BOTTLENECK_TEST_FAULT.
/// </summary>
public class CliReliabilityTests
{
    private static readonly string[] Tiny = ["--data", "demo:200", "--hidden", "8", "--latent", "2", "--batch-size", "100"];

    private static string[] Train(string outDir, int epochs, int seed = 1, params string[] more) =>
        ["train", .. Tiny, "--epochs", epochs.ToString(CultureInfo.InvariantCulture), "--seed", seed.ToString(CultureInfo.InvariantCulture), "--out", outDir, .. more];

    private static async Task<int> InProcess(params string[] args)
    {
        var h = new CliHarness();
        int code = await h.Run(args);
        Assert.True(code == 0, $"exit {code}: {h.Stderr}");
        return code;
    }

    private static byte[] Weights(string modelDir) => File.ReadAllBytes(Path.Combine(modelDir, ModelStore.WeightsFile));

    private static string[] Entries(string dir) =>
        Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    /// <summary>A 3-column CSV of <paramref name="rows"/> rows of uniform values; row <paramref name="badRow"/> (1-based data row) holds "abc".</summary>
    private static string Csv(TempDir dir, string name, int rows, int badRow = -1, int seed = 0)
    {
        var rng = new Random(seed);
        var sb = new StringBuilder("a,b,c\n");
        for (int i = 1; i <= rows; i++)
            sb.Append(i == badRow ? "abc,1,2\n" : string.Create(CultureInfo.InvariantCulture, $"{rng.NextDouble():0.####},{rng.NextDouble():0.####},{rng.NextDouble():0.####}\n"));
        return dir.Write(name, sb.ToString());
    }

    // ---- 2. A model folder is replaced as a unit ----

    [SkippableTheory]
    [InlineData("weights-written", false)]
    [InlineData("config-written", false)]
    [InlineData("model-staged", false)]
    [InlineData("model-old-aside", true)]
    [InlineData("model-swapped", true)]
    public async Task KillWhileSavingAModel_LeavesTheOldOrTheNewCompleteModel(string point, bool newExpected)
    {
        Skip.If(OperatingSystem.IsWindows(), "SIGKILL fault injection is POSIX");
        // Given a trained model in m, and the model a second training (seed 2) makes when it is not interrupted
        using var dir = new TempDir();
        string m = dir.File("m");
        await InProcess(Train(m, 1, seed: 1));
        var oldWeights = Weights(m);
        await InProcess(Train(dir.File("reference"), 1, seed: 2));
        var newWeights = Weights(dir.File("reference"));
        Assert.NotEqual(oldWeights, newWeights);

        // When the second training into m is killed at the point
        var (exit, _, err) = CliProcess.Run($"after:{point}", Train(m, 1, seed: 2));
        Assert.True(exit == CliProcess.Killed, $"exit {exit}: {err}");

        // Then m loads, complete (checksum checked), as the old or the new model, and info and encode work on it
        var loaded = ModelStore.Load(m);
        Assert.Equal(newExpected ? newWeights : oldWeights, SafeTensors.Encode(loaded.Model.StateDict().Select(e => (e.Name, e.Value.ShapeToArray(), e.Value.ToArray())).ToList(),
            new Dictionary<string, string> { ["format"] = "pt", ["bottleneck.kind"] = "dense" }));
        var h = new CliHarness();
        Assert.True(await h.Run("encode", "--model", m, "--data", "demo:5", "--out", dir.File("z.csv")) == 0, h.Stderr);
        h = new CliHarness();
        Assert.True(await h.Run("info", "--model", m) == 0, h.Stderr);
        Assert.Contains("model.safetensors", h.Stdout);

        // And the next training into m finishes the swap if needed, cleans the leftovers and writes a complete model
        await InProcess(Train(m, 1, seed: 3));
        Assert.Equal(["m", "reference", "z.csv"], Entries(dir.Path));
        ModelStore.Load(m);
    }

    [Fact]
    public async Task Retraining_ReplacesTheFolder_SoFilesTheNewModelDoesNotWriteDoNotLinger()
    {
        // Given a model of image data trained with early stopping: a reconstruction grid and best weights in its checkpoint
        using var dir = new TempDir();
        string m = dir.File("m");
        await InProcess(Train(m, 2, 1, "--val-split", "0.2", "--patience", "5"));
        Assert.True(File.Exists(Path.Combine(m, "reconstructions.png")));
        Assert.True(File.Exists(Path.Combine(m, "checkpoint", "best.safetensors")));

        // When a model of CSV data without early stopping is trained into the same folder
        var csv = Csv(dir, "t.csv", 200);
        await InProcess("train", "--data", "csv:" + csv, "--hidden", "4", "--latent", "2", "--epochs", "1", "--out", m);

        // Then neither the grid nor the old best weights remain, and the folder holds exactly what the new run wrote
        Assert.Equal(["checkpoint", "config.json", "metrics.jsonl", "model.safetensors"], Entries(m));
        Assert.DoesNotContain("best.safetensors", Entries(Path.Combine(m, "checkpoint")));
        Assert.Equal(["m", "t.csv"], Entries(dir.Path));
    }

    [Fact]
    public async Task SecondWriter_InProcess_IsRefusedBeforeTraining_NamingTheFolderAndThePid()
    {
        using var dir = new TempDir();
        string m = dir.File("m");
        using (AtomicDirectory.Begin(m))
        {
            var h = new CliHarness();
            h.AssertUsageError(await h.Run(Train(m, 1)), m + " is being written by process " + Environment.ProcessId);
            Assert.DoesNotContain("epoch", h.Stdout);   // refused before training
        }
        await InProcess(Train(m, 1));
    }

    [SkippableFact]
    public async Task SecondWriter_AnotherProcess_IsRefusedNamingItsPid_AndSigtermStopsTheFirstWith130()
    {
        Skip.If(OperatingSystem.IsWindows(), "signals are POSIX");
        using var dir = new TempDir();
        string m = dir.File("m");
        // Given a training that holds m (stalled inside its first checkpoint save)
        using var first = CliProcess.Start("stall:checkpoint-weights-written", Train(m, 3));
        first.WaitForStderr("fault: stalled at checkpoint-weights-written");

        // When a second training into m starts, Then it is refused with one line naming m and the first one's PID
        var h = new CliHarness();
        h.AssertUsageError(await h.Run(Train(m, 1)), $"{m} is being written by process {first.Pid}");

        // When the first receives SIGTERM, Then it stops with 130 after its current step, keeping the epoch-1 checkpoint
        first.Terminate();
        Assert.Equal(ExitCodes.Cancelled, first.WaitForExit());
        Assert.Contains("--resume", first.Stderr);
        Assert.Equal(["checkpoint", "metrics.jsonl"], Entries(m));   // the live metrics log sits beside the checkpoint
        Assert.Equal(["m"], Entries(dir.Path));   // the lock is released and its file removed

        // And the run resumes to completion
        var resumed = new CliHarness();
        Assert.True(await resumed.Run(Train(m, 3, 1, "--resume")) == 0, resumed.Stderr);
        Assert.Contains("resuming", resumed.Stdout);
    }

    [Fact]
    public async Task TrainingIntoAFolderThatIsNotAModelFolder_IsRefusedBeforeTraining_AndTouchesNothing()
    {
        using var dir = new TempDir();
        var data = Directory.CreateDirectory(dir.File("data")).FullName;
        File.WriteAllText(Path.Combine(data, "precious.csv"), "1,2\n");
        var h = new CliHarness();
        h.AssertUsageError(await h.Run(Train(data, 1)), data, "precious.csv", "not a model folder");
        Assert.Equal(["precious.csv"], Entries(data));
        Assert.Equal(["data"], Entries(dir.Path));
    }

    [Fact]
    public async Task TrainingIntoAModelFolderThatAlsoHoldsUserFiles_IsRefused_SoTheSwapDeletesNothingOfTheirs()
    {
        using var dir = new TempDir();
        string m = dir.File("m");
        await InProcess(Train(m, 1));
        File.WriteAllText(Path.Combine(m, "notes.txt"), "mine");
        var h = new CliHarness();
        h.AssertUsageError(await h.Run(Train(m, 1, seed: 2)), m, "notes.txt", "not part of a model");
        Assert.Equal("mine", File.ReadAllText(Path.Combine(m, "notes.txt")));
    }

    // ---- 3. A checkpoint save can be interrupted ----

    [SkippableTheory]
    [InlineData("checkpoint-weights-written#3")]
    [InlineData("checkpoint-optimizer-written#3")]
    [InlineData("checkpoint-trainer-written#3")]
    [InlineData("checkpoint-staged#3")]
    [InlineData("checkpoint-old-aside#3")]
    [InlineData("checkpoint-swapped#2")]
    public async Task KillDuringACheckpointSave_ResumeEndsBitIdenticalToAnUninterruptedRun(string point)
    {
        Skip.If(OperatingSystem.IsWindows(), "SIGKILL fault injection is POSIX");
        using var dir = new TempDir();
        // Given the weights of an uninterrupted 4-epoch run
        await InProcess(Train(dir.File("reference"), 4));
        var reference = Weights(dir.File("reference"));

        // When the same run is killed during a checkpoint save, then resumed
        string m = dir.File("m");
        var (exit, _, err) = CliProcess.Run("after:" + point, Train(m, 4));
        Assert.True(exit == CliProcess.Killed, $"exit {exit}: {err}");
        var h = new CliHarness();
        Assert.True(await h.Run(Train(m, 4, 1, "--resume")) == 0, h.Stderr);

        // Then it resumed from a complete checkpoint and ends with the same weights, bit for bit, and no leftovers
        Assert.Contains("resuming", h.Stdout);
        Assert.Equal(reference, Weights(m));
        Assert.Equal(4, ModelStore.Load(m).History.Count);
        Assert.Equal(["checkpoint", "config.json", "metrics.jsonl", "model.safetensors", "reconstructions.png"], Entries(m));
        Assert.Equal(["m", "reference"], Entries(dir.Path));
    }

    // ---- 1. An output file is replaced whole or not at all ----

    [Fact]
    public async Task Detect_WithABadRowLateInTheFile_LeavesThePreviousScoresAndTheInputIntact()
    {
        using var dir = new TempDir();
        string m = dir.File("m");
        await InProcess("train", "--data", "csv:" + Csv(dir, "t.csv", 200), "--hidden", "4", "--latent", "2", "--epochs", "1", "--out", m);
        var input = Csv(dir, "d.csv", 20_000, badRow: 18_001, seed: 1);   // past the first blocks of 8192 rows
        var inputBytes = File.ReadAllBytes(input);
        var scores = dir.Write("scores.csv", "previous complete scores\n");

        // When detect fails at the bad row, Then the previous scores file is untouched
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("detect", "--model", m, "--data", "csv:" + input, "--threshold", "1.5", "--out", scores), "row 18002");
        Assert.Equal("previous complete scores\n", File.ReadAllText(scores));

        // When the output is the input itself, Then the input is read whole before anything replaces it: it is unharmed
        h = new CliHarness();
        Assert.Equal(ExitCodes.UsageError, await h.Run("detect", "--model", m, "--data", "csv:" + input, "--threshold", "1.5", "--out", input));
        Assert.Equal(inputBytes, File.ReadAllBytes(input));
        Assert.Equal(["d.csv", "m", "scores.csv", "t.csv"], Entries(dir.Path));
    }

    [SkippableTheory]
    [InlineData(true, 15)]
    [InlineData(false, 15)]
    [InlineData(true, 2)]
    public async Task SigtermOrCtrlCToARunningDetect_Exits130_AndWritesNoOutput(bool previousFile, int signal)
    {
        Skip.If(OperatingSystem.IsWindows(), "signals are POSIX");
        Skip.If(CliProcess.Ignores(signal), $"signal {signal} is ignored by this test process (e.g. a shell's background job ignores SIGINT), " +
                                            "and a child inherits that: the runtime never sees it");
        using var dir = new TempDir();
        string m = dir.File("m");
        await InProcess("train", "--data", "csv:" + Csv(dir, "t.csv", 200), "--hidden", "4", "--latent", "2", "--epochs", "1", "--out", m);
        var input = Csv(dir, "d.csv", 20_000, seed: 1);
        var scores = dir.File("scores.csv");
        if (previousFile) File.WriteAllText(scores, "previous\n");

        // Given detect stopped in its second block of rows, When it receives SIGTERM
        using var p = CliProcess.Start("stall:scoring-block#2", "detect", "--model", m, "--data", "csv:" + input, "--threshold", "1.5", "--out", scores);
        p.WaitForStderr("fault: stalled at scoring-block");
        p.Signal(signal);   // SIGTERM, or SIGINT as Ctrl+C sends

        // Then it exits 130 promptly, the scores file is as before (absent or the previous one), and no temporary file remains
        Assert.Equal(ExitCodes.Cancelled, p.WaitForExit(30));
        Assert.Contains("interrupted", p.Stderr);
        if (previousFile) Assert.Equal("previous\n", File.ReadAllText(scores));
        else Assert.False(File.Exists(scores));
        Assert.Equal(previousFile ? ["d.csv", "m", "scores.csv", "t.csv"] : ["d.csv", "m", "t.csv"], Entries(dir.Path));
    }

    [SkippableFact]
    public async Task DetectKilledJustBeforeItsRename_LeavesThePreviousScores_AndTheNextRunRemovesTheStaleTemporaryFile()
    {
        Skip.If(OperatingSystem.IsWindows(), "SIGKILL fault injection is POSIX");
        using var dir = new TempDir();
        string m = dir.File("m");
        await InProcess("train", "--data", "csv:" + Csv(dir, "t.csv", 200), "--hidden", "4", "--latent", "2", "--epochs", "1", "--out", m);
        var input = Csv(dir, "d.csv", 1000, seed: 1);
        var scores = dir.Write("scores.csv", "previous\n");

        // When detect is killed with its scores complete in the temporary file, before the rename
        var (exit, _, err) = CliProcess.Run("after:file-staged", "detect", "--model", m, "--data", "csv:" + input, "--threshold", "1.5", "--out", scores);
        Assert.True(exit == CliProcess.Killed, $"exit {exit}: {err}");

        // Then the previous scores are in place and the dead process's temporary file is beside them
        Assert.Equal("previous\n", File.ReadAllText(scores));
        Assert.Single(Entries(dir.Path), e => e.StartsWith(".scores.csv.tmp-", StringComparison.Ordinal));

        // When detect runs again, Then it writes the scores and removes the stale temporary file
        await InProcess("detect", "--model", m, "--data", "csv:" + input, "--threshold", "1.5", "--out", scores);
        Assert.Equal(1001, File.ReadAllLines(scores).Length);
        Assert.Equal(["d.csv", "m", "scores.csv", "t.csv"], Entries(dir.Path));
    }

    [SkippableFact]
    public async Task ReconstructToAnImageFolder_KilledBeforeItsSwap_LeavesNoFolder_AndTheNextRunCleansUp()
    {
        Skip.If(OperatingSystem.IsWindows(), "SIGKILL fault injection is POSIX");
        using var dir = new TempDir();
        string images = dir.File("images"), m = dir.File("m"), rec = dir.File("rec");
        ImageFolderTests.WriteImage(Path.Combine(images, "a.png"), 12, 16, step: 3);
        ImageFolderTests.WriteImage(Path.Combine(images, "b.png"), 16, 12, step: 5);
        string spec = $"images:{images}:patch=8,stride=4";
        await InProcess("train", "--data", spec, "--hidden", "16", "--latent", "4", "--epochs", "1", "--batch-size", "16", "--out", m);

        // When reconstruct is killed with every image written into its temporary folder, before the swap
        var (exit, _, err) = CliProcess.Run("after:images-staged", "reconstruct", "--model", m, "--data", spec, "--out", rec + "/");
        Assert.True(exit == CliProcess.Killed, $"exit {exit}: {err}");

        // Then there is no output folder (only the dead process's hidden leftovers), and the next run writes it and cleans up
        Assert.False(Directory.Exists(rec));
        await InProcess("reconstruct", "--model", m, "--data", spec, "--out", rec + "/");
        Assert.Equal(["a.png", "b.png"], Entries(rec));
        Assert.Equal(["images", "m", "rec"], Entries(dir.Path));
    }

    // ---- 7. Every long command can be stopped ----

    public static TheoryData<string[]> CancelledCommands => new()
    {
        { ["encode", "--data", "demo:50", "--out", "new/sub/codes.csv"] },
        { ["reconstruct", "--data", "demo:50", "--out", "new/sub/recon.npy"] },
        { ["denoise", "--data", "demo:50", "--out", "new/sub/clean.csv"] },
        { ["evaluate", "--data", "demo:50"] },
        { ["detect", "--data", "demo:50", "--threshold", "p99", "--out", "new-scores.csv"] },
        { ["train", "--data", "demo:50", "--epochs", "1", "--out", "new/sub/model"] },
        { ["sample", "-n", "4", "--out", "new/sub/samples.png"] },
        { ["interpolate", "--data", "demo:16", "--out", "new/sub/path.npy"] },
        { ["traverse", "--data", "demo:16", "--steps", "3", "--out", "new/sub/traverse.png"] },
    };

    [Theory]
    [MemberData(nameof(CancelledCommands))]
    public async Task CancelledCommand_Exits130_AndLeavesNoOutputOrFolder(string[] args)
    {
        using var dir = new TempDir();
        string m = dir.File("m");
        bool generative = args[0] is "sample" or "interpolate" or "traverse";
        await InProcess(generative
            ? ["train", "--kind", "vae", "--data", "demo:64", "--epochs", "1", "--latent", "2", "--hidden", "8", "--out", m]
            : Train(m, 1));
        var before = Entries(dir.Path);
        var modelBefore = Entries(m);
        var resolved = args.Select(a => a.StartsWith("new", StringComparison.Ordinal) ? dir.File(a) : a).ToList();
        if (args[0] != "train") resolved.InsertRange(1, ["--model", m]);

        using var cts = new CancellationTokenSource();
        cts.Cancel();   // Ctrl+C before the first batch
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await Bottleneck.Cli.Cli.RunAsync([.. resolved], CliEnvironment.CreateCaptured(output, error), cts.Token);

        Assert.True(code == ExitCodes.Cancelled, $"exit {code}: {error}");
        Assert.Contains("interrupted", error.ToString());
        Assert.Equal(before, Entries(dir.Path));   // no output file, no empty folder new/sub, no temporary or lock file
        Assert.Equal(modelBefore, Entries(m));   // the model folder read is untouched
    }

    // ---- 10. Fail early, leave nothing ----

    [Fact]
    public async Task FailedTraining_LeavesNoFolderBehind()
    {
        using var dir = new TempDir();
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--data", "csv:" + dir.File("missing.csv"), "--epochs", "1", "--out", dir.File("runs/a/model")), "missing.csv");
        Assert.Empty(Entries(dir.Path));
    }

    [Fact]
    public async Task OutputNamesOf255Bytes_Work_ForModelFoldersAndFiles()
    {
        using var dir = new TempDir();
        string m = dir.File(new string('m', 255));
        await InProcess(Train(m, 1));
        var h = new CliHarness();
        Assert.True(await h.Run("info", "--model", m) == 0, h.Stderr);
        string codes = dir.File(new string('c', 251) + ".csv");
        h = new CliHarness();
        Assert.True(await h.Run("encode", "--model", m, "--data", "demo:5", "--out", codes) == 0, h.Stderr);
        Assert.Equal(6, File.ReadAllLines(codes).Length);
        Assert.Equal([Path.GetFileName(codes), Path.GetFileName(m)], Entries(dir.Path));

        // Names above the limit are refused before anything is written, naming the option and the path: the model folder, and an
        // .npy output whose labels file (NAME.labels.npy) would exceed it although NAME.npy does not
        string tooLong = dir.File(new string('t', 256));
        h = new CliHarness();
        h.AssertUsageError(await h.Run(Train(tooLong, 1)), "--out", tooLong, "256 bytes");
        string npy = dir.File(new string('r', 251) + ".npy");
        h = new CliHarness();
        h.AssertUsageError(await h.Run("reconstruct", "--model", m, "--data", "demo:5", "--out", npy), "labels", "262 bytes");
        Assert.Equal([Path.GetFileName(codes), Path.GetFileName(m)], Entries(dir.Path));

        // and retraining into it (a swap with shortened temporary and set-aside names) works too
        await InProcess(Train(m, 1, seed: 2));
        Assert.Equal([Path.GetFileName(codes), Path.GetFileName(m)], Entries(dir.Path));
    }
}
