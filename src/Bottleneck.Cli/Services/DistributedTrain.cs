using System.Text;
using Bottleneck.Cli.Commands;
using Bottleneck.Mpi;
using Spectre.Console;

namespace Bottleneck.Cli.Services;

/// <summary>
/// <c>bottleneck train --distributed mpi</c>: initializes MPI, runs <see cref="TrainService"/> as one rank of the job (rank 0 prints
/// and writes the model folder and checkpoints; the other ranks print only their errors, prefixed with their rank), and ends the
/// job cleanly (docs/scale.md, "Distributed training").
/// </summary>
/// <remarks>
/// How a rank ends: when every rank got through the fit (finished, or stopped after the same step because some rank was
/// interrupted: the ranks agree on that in each step's all-reduce), each calls MPI_Finalize and exits with its code (0, or 130). Any
/// other failure (a data or option error on one rank, an I/O error of rank 0 while saving, a crash) could leave the other ranks
/// waiting in a collective, so that rank prints its error and calls MPI_Abort, which ends every rank of the job; mpirun then
/// exits non-zero. A rank killed outright (SIGKILL) is noticed by mpirun, which ends the others.
/// </remarks>
internal static class DistributedTrain
{
    /// <summary>Runs one MPI rank of a training run.</summary>
    /// <returns>The exit code (see <see cref="ExitCodes"/>).</returns>
    public static int RunMpi(CliEnvironment env, TrainSettings settings, bool verbose, CancellationToken cancellation)
    {
        MpiCommunicator comm;
        try { comm = MpiCommunicator.Initialize(); }
        catch (MpiUnavailableException e)
        {
            env.Error.WriteLine("error: --distributed mpi: " + e.Message);
            return ExitCodes.UsageError;
        }
        bool root = comm.Rank == 0;
        var error = root ? env.Error : new RankErrors(env.Error, comm.Rank);
        var console = root ? env.Console : AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(TextWriter.Null), Ansi = AnsiSupport.No, Interactive = InteractionSupport.No,
        });
        var service = new TrainService(console, error, verbose);
        int code = service.Run(settings with { Communicator = comm }, cancellation);
        error.Flush();
        if (code == ExitCodes.Success || (code == ExitCodes.Cancelled && service.FitEndedTogether) || comm.Size == 1)
        {
            comm.Dispose();   // MPI_Finalize
            return code;
        }
        comm.Abort(code);   // ends every rank; does not return
        return code;
    }

    /// <summary>Passes on only the error lines of a rank other than 0, prefixed with its rank (rank 0 prints the warnings, which
    /// every rank would repeat).</summary>
    private sealed class RankErrors(TextWriter inner, int rank) : TextWriter
    {
        private readonly StringBuilder _line = new();
        public override Encoding Encoding => inner.Encoding;

        public override void Write(char value)
        {
            if (value == '\n') { Emit(); return; }
            if (value != '\r') _line.Append(value);
        }

        public override void Flush()
        {
            if (_line.Length > 0) Emit();
            inner.Flush();
        }

        private void Emit()
        {
            var text = _line.ToString();
            _line.Clear();
            if (text.StartsWith("error:", StringComparison.Ordinal) || text.StartsWith("   at ", StringComparison.Ordinal))
            {
                inner.WriteLine($"rank {rank}: {text}");
                inner.Flush();
            }
        }
    }
}
