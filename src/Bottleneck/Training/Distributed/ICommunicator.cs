namespace Bottleneck.Training;

/// <summary>
/// The collectives data-parallel training needs from a group of <see cref="Size"/> processes (ranks): a sum all-reduce and a
/// broadcast, as in MPI (MPI_Allreduce with MPI_SUM, MPI_Bcast) and Horovod. The gradient-descent trainer
/// (<see cref="Trainer"/>) calls it through <see cref="FitContext.Communicator"/>; the library carries no native MPI dependency:
/// the MPI implementation is the separate assembly <c>Bottleneck.Mpi</c>, and <see cref="InProcessGroup"/> runs N ranks as
/// threads of one process (tests).
/// </summary>
/// <remarks>
/// <para>Every call is collective: every rank of the group makes the same calls, in the same order, with buffers of the same
/// length. A rank that stops calling (an exception, a crash) leaves the others waiting; an implementation ends the wait by
/// failing every rank (<see cref="Abort"/>: MPI_Abort ends the whole job; the in-process group throws
/// <see cref="CommunicatorAbortedException"/> on every rank).</para>
/// <para>Results must be identical on every rank (MPI reductions over the same communicator are), since every rank applies
/// the same update to its copy of the weights. The trainer checks this after every epoch.</para>
/// <para>Not thread-safe: one thread per rank makes the calls.</para>
/// </remarks>
public interface ICommunicator
{
    /// <summary>This process's rank, 0 ≤ Rank &lt; <see cref="Size"/>; rank 0 is the root (it prints and writes).</summary>
    int Rank { get; }

    /// <summary>Number of ranks in the group, ≥ 1.</summary>
    int Size { get; }

    /// <summary>One line naming the implementation, e.g. "MPI (Open MPI v4.1.4), 2 ranks".</summary>
    string Describe();

    /// <summary>In place: buffer ← Σ over ranks of each rank's buffer (element-wise; MPI_Allreduce, MPI_FLOAT, MPI_SUM).</summary>
    /// <param name="buffer">This rank's values; the same length on every rank.</param>
    /// <exception cref="CommunicatorAbortedException">The group was aborted (in-process implementation).</exception>
    void AllReduceSum(Span<float> buffer);

    /// <summary>In place: buffer ← Σ over ranks (element-wise, double precision; MPI_DOUBLE, MPI_SUM).</summary>
    /// <param name="buffer">This rank's values; the same length on every rank.</param>
    /// <exception cref="CommunicatorAbortedException">The group was aborted (in-process implementation).</exception>
    void AllReduceSum(Span<double> buffer);

    /// <summary>In place: every rank's buffer ← <paramref name="root"/>'s buffer (MPI_Bcast of MPI_BYTE).</summary>
    /// <param name="buffer">The root's bytes, or room for them on other ranks; the same length on every rank.</param>
    /// <param name="root">The rank that sends (default 0).</param>
    /// <exception cref="CommunicatorAbortedException">The group was aborted (in-process implementation).</exception>
    void Broadcast(Span<byte> buffer, int root = 0);

    /// <summary>Ends every rank of the group because this one failed (MPI_Abort: the job ends with <paramref name="errorCode"/>).
    /// Used on an error path where the other ranks would otherwise wait forever in a collective.</summary>
    /// <param name="errorCode">The exit code the launcher reports.</param>
    void Abort(int errorCode);
}

/// <summary>Thrown by a collective of a group that was aborted because one of its ranks failed.</summary>
/// <param name="message">Which rank failed and why, when known.</param>
public sealed class CommunicatorAbortedException(string message) : Exception(message);
