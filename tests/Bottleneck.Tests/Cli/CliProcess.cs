using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Bottleneck.Tests.Cli;

/// <summary>
/// Runs the real <c>bottleneck</c> CLI (Bottleneck.Cli.dll beside the test assembly) as a child process, for what an in-process run
/// cannot show: a kill at a chosen point (<c>BOTTLENECK_TEST_FAULT</c>, see <see cref="Bottleneck.IO.FaultInjection"/>), a signal,
/// and two processes writing one output.
/// </summary>
public sealed class CliProcess : IDisposable
{
    /// <summary>Exit code of a process killed with SIGKILL (128 + 9), as the fault seam's "after:" does.</summary>
    public const int Killed = 137;

    private readonly Process _process;
    private readonly StringBuilder _stdout = new(), _stderr = new();
    private readonly object _gate = new();

    private CliProcess(Process process) => _process = process;

    /// <summary>The child's process id.</summary>
    public int Pid => _process.Id;

    /// <summary>Starts <c>bottleneck ARGS</c> with <paramref name="fault"/> as BOTTLENECK_TEST_FAULT (null: none).</summary>
    public static CliProcess Start(string? fault, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Bottleneck.Cli.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove(Bottleneck.IO.FaultInjection.Variable);
        if (fault != null) psi.Environment[Bottleneck.IO.FaultInjection.Variable] = fault;
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var p = new CliProcess(new Process { StartInfo = psi });
        p._process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (p._gate) p._stdout.AppendLine(e.Data); };
        p._process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (p._gate) p._stderr.AppendLine(e.Data); };
        p._process.Start();
        p._process.BeginOutputReadLine();
        p._process.BeginErrorReadLine();
        return p;
    }

    /// <summary>Runs <c>bottleneck ARGS</c> to the end (at most 120 s) and returns the exit code and both outputs.</summary>
    public static (int Exit, string Out, string Err) Run(string? fault, params string[] args)
    {
        using var p = Start(fault, args);
        int exit = p.WaitForExit();
        return (exit, p.Stdout, p.Stderr);
    }

    public string Stdout { get { lock (_gate) return _stdout.ToString(); } }
    public string Stderr { get { lock (_gate) return _stderr.ToString(); } }

    /// <summary>Waits until standard error contains <paramref name="text"/> (fails after <paramref name="seconds"/> or if the process exits first).</summary>
    public void WaitForStderr(string text, int seconds = 60)
    {
        var sw = Stopwatch.StartNew();
        while (!Stderr.Contains(text))
        {
            if (_process.HasExited && !Stderr.Contains(text))
            {
                _process.WaitForExit();
                if (Stderr.Contains(text)) return;
                Assert.Fail($"the process exited ({_process.ExitCode}) before writing '{text}'; stderr: {Stderr}; stdout: {Stdout}");
            }
            if (sw.Elapsed.TotalSeconds > seconds) Assert.Fail($"no '{text}' after {seconds} s; stderr: {Stderr}");
            Thread.Sleep(20);
        }
    }

    /// <summary>Whether this process ignores <paramref name="signal"/> (the SigIgn mask of /proc/self/status; children inherit it,
    /// as a background job started by a non-interactive shell inherits an ignored SIGINT). False where /proc is absent.</summary>
    public static bool Ignores(int signal)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return false;
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line != null && ulong.TryParse(line["SigIgn:".Length..].Trim(), System.Globalization.NumberStyles.HexNumber, null, out ulong mask)
            && (mask & (1UL << (signal - 1))) != 0;
    }

    /// <summary>Sends SIGTERM (as <c>kill PID</c> does).</summary>
    public void Terminate() => Signal(15);

    /// <summary>Sends signal <paramref name="signal"/> (2 = SIGINT, as Ctrl+C; 15 = SIGTERM).</summary>
    public void Signal(int signal) => Assert.Equal(0, kill(_process.Id, signal));

    /// <summary>Waits for the exit (at most <paramref name="seconds"/>) and returns the exit code.</summary>
    public int WaitForExit(int seconds = 120)
    {
        if (!_process.WaitForExit(seconds * 1000))
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"the process did not exit within {seconds} s; stderr: {Stderr}");
        }
        _process.WaitForExit();   // drains the output readers
        return _process.ExitCode;
    }

    public void Dispose()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.Dispose();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
