using System.Diagnostics;
using Bottleneck.IO;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Cli;

/// <summary>
/// <c>mpirun -np 2 bottleneck train --distributed mpi</c> on this machine, through the system's MPI (Open MPI over shared memory and
/// over TCP loopback, and MPICH when installed beside it): two ranks with a global batch of 64 reach the weights of one process with
/// batch 64 to 1e-5 after an epoch; a rank that fails ends the job. Skipped when the launcher is not installed (.ci/run installs
/// openmpi-bin and mpich).
/// </summary>
public class MpiTrainTests(MpiTrainTests.SingleProcess single) : IClassFixture<MpiTrainTests.SingleProcess>
{
    internal static readonly string[] Train = ["train", "--data", "demo:512", "--epochs", "1", "--batch-size", "64", "--seed", "3",
        "--val-split", "0.25", "--hidden", "64", "--latent", "8"];

    /// <summary>The same training in one process (in-process CLI), trained when first asked for, its folder deleted afterwards.</summary>
    public sealed class SingleProcess : IDisposable
    {
        private readonly TempDir _dir = new();
        private readonly Lazy<float[]> _weights;

        public SingleProcess() => _weights = new(() =>
        {
            var h = new CliHarness();
            int exit = h.Run([.. Train, "--out", _dir.File("m")]).GetAwaiter().GetResult();
            Assert.True(exit == 0, h.Stderr);
            return MpiTrainTests.Weights(_dir.File("m"));
        });

        public float[] Weights => _weights.Value;

        public void Dispose() => _dir.Dispose();
    }

    /// <summary>The launcher of an MPI (Debian installs both side by side as mpirun.openmpi and mpirun.mpich), or null.</summary>
    private static string? Launcher(string mpi) =>
        new[] { $"/usr/bin/mpirun.{mpi}", $"/usr/local/bin/mpirun.{mpi}" }.FirstOrDefault(File.Exists);

    private static float[] Weights(string model) =>
        SafeTensors.Read(Path.Combine(model, "model.safetensors")).Tensors.SelectMany(t => t.Data).ToArray();

    /// <summary>Runs the CLI (beside the test assembly) under <paramref name="launcher"/> with 2 ranks.</summary>
    private static (int Exit, string Out, string Err) MpiRun(string launcher, string[] mpiArgs, params string[] args)
    {
        var psi = new ProcessStartInfo(launcher) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in (string[])["-np", "2", .. mpiArgs, "dotnet", Path.Combine(AppContext.BaseDirectory, "Bottleneck.Cli.dll"), .. args]) psi.ArgumentList.Add(a);
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";            // CI runs as root
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        psi.Environment["OMPI_MCA_rmaps_base_oversubscribe"] = "1"; // 2 ranks on a machine that may report 1 slot
        psi.Environment.Remove(FaultInjection.Variable);
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(entireProcessTree: true); Assert.Fail($"{launcher} did not finish in 120 s; stderr: {stderr.Result}"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    [SkippableTheory]
    [InlineData("openmpi", "self,vader")]   // shared memory
    [InlineData("openmpi", "self,tcp")]     // TCP over loopback
    [InlineData("mpich", null)]
    public void TwoRanksWithHalfTheBatchEachReachTheWeightsOfOneProcess(string mpi, string? btl)
    {
        var launcher = Launcher(mpi);
        Skip.If(launcher is null, $"mpirun.{mpi} is not installed (apt-get install {(mpi == "openmpi" ? "openmpi-bin" : "mpich")})");
        using var dir = new TempDir();
        string model = dir.File("m");

        // When two ranks train one epoch with a global batch of 64 (32 rows each)
        var (exit, stdout, stderr) = MpiRun(launcher!, btl is null ? [] : ["--mca", "btl", btl], [.. Train, "--distributed", "mpi", "--out", model]);

        // Then the run succeeded, rank 0 alone printed, and the weights equal one process's with batch 64 to 1e-5
        Assert.True(exit == 0, $"exit {exit}\nstderr: {stderr}\nstdout: {stdout}");
        Assert.Contains("distributed MPI (" + (mpi == "openmpi" ? "Open MPI" : "MPICH"), stdout);
        Assert.Contains("2 ranks", stdout);
        Assert.Equal(1, stdout.Split('\n').Count(l => l.StartsWith("model       written to", StringComparison.Ordinal)));
        var reference = single.Weights;
        var ranks = Weights(model);
        Assert.Equal(reference.Length, ranks.Length);
        double max = 0;
        for (int i = 0; i < reference.Length; i++) max = Math.Max(max, Math.Abs((double)reference[i] - ranks[i]));
        Assert.True(max < 1e-5, $"max |Δw| = {max:G3}");
        Assert.True(max > 0, "bit-identical to one process: the ranks did not split the batches");
    }

    [SkippableFact]
    public void ARankThatFailsEndsTheWholeJob()
    {
        var launcher = Launcher("openmpi");
        Skip.If(launcher is null, "mpirun.openmpi is not installed (apt-get install openmpi-bin)");
        using var dir = new TempDir();
        var (exit, _, stderr) = MpiRun(launcher!, [], "train", "--distributed", "mpi", "--data", "csv:" + dir.File("missing.csv"), "--out", dir.File("m"));
        Assert.Equal(2, exit);
        Assert.Contains("rank 1: error: ", stderr);
        Assert.Contains("missing.csv", stderr);
        Assert.False(Directory.Exists(dir.File("m")));
    }

    [SkippableFact]
    public void CtrlCToMpirunStopsEveryRankAfterTheSameStepAndResumeContinues()
    {
        var launcher = Launcher("openmpi");
        Skip.If(launcher is null, "mpirun.openmpi is not installed (apt-get install openmpi-bin)");
        using var dir = new TempDir();
        string model = dir.File("m");
        // Given a 2-rank run whose rank 0 stalls right after saving the checkpoint of epoch 1 (the fault seam waits for cancellation)
        var psi = new ProcessStartInfo(launcher!) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in (string[])["-np", "2", "dotnet", Path.Combine(AppContext.BaseDirectory, "Bottleneck.Cli.dll"), .. Train[..4], "3", .. Train[5..],
                     "--distributed", "mpi", "--out", model])
            psi.ArgumentList.Add(a);
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        psi.Environment[FaultInjection.Variable] = "stall:checkpoint-trainer-written";
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = new System.Text.StringBuilder();
        var stalled = new ManualResetEventSlim();
        p.ErrorDataReceived += (_, e) => { if (e.Data is null) return; lock (stderr) stderr.AppendLine(e.Data); if (e.Data.Contains("fault: stalled")) stalled.Set(); };
        p.BeginErrorReadLine();
        try
        {
            var sw = Stopwatch.StartNew();
            while (!stalled.Wait(100) && !p.HasExited && sw.Elapsed.TotalSeconds < 90) { }
            Assert.True(stalled.IsSet, "rank 0 never reached the stall point: " + stderr);

            // When mpirun gets Ctrl+C (SIGINT; it forwards SIGTERM to the ranks)
            Assert.Equal(0, Kill(p.Id, 2));
            Assert.True(p.WaitForExit(60_000), "mpirun did not end after SIGINT: " + stderr);
            p.WaitForExit();

            // Then the ranks stopped together in epoch 2 (no MPI_Abort), rank 0 says how to resume, and epoch 1's checkpoint is kept
            string err;
            lock (stderr) err = stderr.ToString();
            Assert.Contains("interrupted during epoch 2/3: the checkpoint of epoch 1", err);
            Assert.DoesNotContain("MPI_ABORT", err);
            Assert.DoesNotContain("rank 1: error", err);
            Assert.NotEqual(0, p.ExitCode);
            Assert.Contains("\"epoch\": 1", File.ReadAllText(Path.Combine(model, "checkpoint", "trainer.json")));
        }
        finally { if (!p.HasExited) p.Kill(entireProcessTree: true); }

        // And the same command with --resume (rank 0 reads the checkpoint and broadcasts it) trains epochs 2 and 3
        var (exit, resumedOut, resumedErr) = MpiRun(launcher!, [], [.. Train[..4], "3", .. Train[5..], "--distributed", "mpi", "--out", model, "--resume"]);
        Assert.True(exit == 0, $"exit {exit}\nstderr: {resumedErr}\nstdout: {resumedOut}");
        Assert.Contains("resuming    from", resumedOut);
        Assert.DoesNotContain("epoch 1/3", resumedOut);
        Assert.Contains("epoch 3/3", resumedOut);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(model, "metrics.jsonl")).Length);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    [Fact]
    public async Task WithoutMpiTheOptionIsAUsageError()
    {
        var prior = Environment.GetEnvironmentVariable("BOTTLENECK_MPI_LIBRARY");
        // In process: the variable names a library that does not exist, as on a machine without MPI.
        Environment.SetEnvironmentVariable("BOTTLENECK_MPI_LIBRARY", "libmpi-absent.so");
        try
        {
            var h = new CliHarness();
            int exit = await h.Run("train", "--distributed", "mpi", "--data", "demo:64", "--epochs", "1", "--out", Path.Combine(Path.GetTempPath(), "bn-never"));
            h.AssertUsageError(exit, "--distributed mpi: no MPI library found", "apt-get install openmpi-bin");
        }
        finally { Environment.SetEnvironmentVariable("BOTTLENECK_MPI_LIBRARY", prior); }
    }
}
