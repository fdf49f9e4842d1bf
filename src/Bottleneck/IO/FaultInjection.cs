using System.Diagnostics;
using System.Globalization;

namespace Bottleneck.IO;

/// <summary>
/// A seam for tests that stop the process at a named point of a write (kill tests): the environment variable
/// <c>BOTTLENECK_TEST_FAULT</c> = <c>after:NAME</c> kills the process (SIGKILL, as <c>kill -9</c> would) the first time the code
/// passes point NAME; <c>after:NAME#N</c> the N-th time; <c>stall:NAME[#N]</c> prints <c>fault: stalled at NAME</c> on standard
/// error and waits there until the command is cancelled (Ctrl+C, SIGTERM; see <see cref="CancellationScope"/>), so a test can
/// signal a command at a known moment. Unset (always, outside tests) every point is a no-op costing one comparison.
/// </summary>
/// <remarks>Points: <c>weights-written</c> and <c>config-written</c> (a model folder's files, in its temporary folder);
/// <c>checkpoint-weights-written</c>, <c>checkpoint-optimizer-written</c>, <c>checkpoint-trainer-written</c>; for every folder swap
/// (<c>model</c>, <c>checkpoint</c>, <c>images</c>) <c>{label}-staged</c>, <c>{label}-old-aside</c> (between the two renames) and
/// <c>{label}-swapped</c>; <c>file-staged</c> (an output file complete in its temporary file, before the rename); <c>scoring-block</c>
/// and <c>batch</c> (each block of rows scored, each batch run by an evaluator).</remarks>
public static class FaultInjection
{
    /// <summary>The environment variable read (once, at first use).</summary>
    public const string Variable = "BOTTLENECK_TEST_FAULT";

    private static readonly (string Mode, string Name, int Nth)? Fault = Parse(Environment.GetEnvironmentVariable(Variable));
    private static int _hits;

    /// <summary>Marks point <paramref name="name"/>: kills or stalls the process there when the environment asks for it.</summary>
    /// <param name="name">The point's name (see the remarks).</param>
    public static void Point(string name)
    {
        if (Fault is not { } f || f.Name != name) return;
        if (Interlocked.Increment(ref _hits) != f.Nth) return;
        if (f.Mode == "after")
        {
            Console.Error.WriteLine($"fault: killed after {name}");
            Console.Error.Flush();
            using var self = Process.GetCurrentProcess();
            self.Kill();   // SIGKILL: no finally blocks, no flushing, as a crash or kill -9
            Thread.Sleep(Timeout.Infinite);
        }
        Console.Error.WriteLine($"fault: stalled at {name}");
        Console.Error.Flush();
        CancellationScope.Current.WaitHandle.WaitOne();
    }

    private static (string, string, int)? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        int colon = value.IndexOf(':');
        if (colon < 0) return null;
        string mode = value[..colon], name = value[(colon + 1)..];
        int nth = 1;
        int hash = name.IndexOf('#');
        if (hash >= 0)
        {
            if (!int.TryParse(name[(hash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out nth) || nth < 1) return null;
            name = name[..hash];
        }
        return mode is "after" or "stall" ? (mode, name, nth) : null;
    }
}
