using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text.Json;
using Bottleneck.Models;
using Bottleneck.Optim;
using Bottleneck.Tensors;

namespace Bottleneck.Training;

/// <summary>
/// The trainer's side of data-parallel training over an <see cref="ICommunicator"/> of N ranks (Horovod's pattern; Sergeev &amp;
/// Del Balso 2018): every rank holds the whole model, computes the gradient of its share of each batch, the gradients are summed
/// over the ranks, and every rank takes the same optimizer step.
/// </summary>
/// <remarks>
/// <para><b>Sharding.</b> Every rank draws the same shuffled order from (seed, epoch) and so the same global batches; rank r takes
/// the contiguous part [⌊n·r/N⌋, ⌊n·(r+1)/N⌋) of a batch of n samples. Its gradient, of the mean loss over its n_r samples, is
/// weighted by n_r / n before the sum, so the reduced gradient is that of the mean loss over the whole batch: the gradient one
/// process with the same batch size computes, up to the order of floating-point additions.</para>
/// <para><b>Tensor fusion.</b> All gradients of a step go into one buffer (with one has-gradient count per parameter and two
/// flags), reduced by one all-reduce call per step and training phase.</para>
/// <para><b>Agreement.</b> The flags carry "stop" (cancellation) and "diverged" (a non-finite loss) from every rank, so all ranks
/// stop after the same step or report the divergence together; the epoch's loss sums are reduced so every rank makes the same
/// early-stopping and schedule decisions; after every epoch a hash of the weights is compared with rank 0's.</para>
/// </remarks>
internal sealed class DataParallel
{
    private readonly ICommunicator _comm;
    private readonly Tensor[] _buffers;
    private float[] _fused = [];

    public DataParallel(ICommunicator communicator, AutoencoderModel model, IReadOnlyList<Tensor> parameters)
    {
        _comm = communicator;
        var isParameter = new HashSet<Tensor>(parameters, ReferenceEqualityComparer.Instance);
        // State that is not a parameter (running statistics of batch norm, EMA codebooks) is averaged after each step.
        _buffers = model.StateDict().Select(e => e.Value).Where(t => !isParameter.Contains(t)).ToArray();
    }

    public int Rank => _comm.Rank;
    public int Size => _comm.Size;
    public bool IsRoot => _comm.Rank == 0;

    /// <summary>This rank's part [Start, Start + Count) of a batch of <paramref name="n"/> samples.</summary>
    public (int Start, int Count) Shard(int n)
    {
        int start = (int)((long)n * Rank / Size), end = (int)((long)n * (Rank + 1) / Size);
        return (start, end - start);
    }

    /// <summary>
    /// Sums the gradients of <paramref name="parameters"/> over the ranks, each rank's weighted by local / global samples, in one
    /// fused all-reduce, and agrees on the flags. Afterwards every rank holds the same gradients.
    /// </summary>
    /// <returns>Whether any rank asked to stop and how many ranks saw a non-finite loss.</returns>
    public (bool Stop, int Diverged) ReduceGradients(IReadOnlyList<Tensor> parameters, int local, int global, bool stop, bool diverged)
    {
        int total = 2 + parameters.Count;
        for (int i = 0; i < parameters.Count; i++) total += parameters[i].Length;
        if (_fused.Length < total) _fused = new float[total];
        var fused = _fused.AsSpan(0, total);
        float weight = (float)((double)local / global);
        int at = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            var dst = fused.Slice(at, p.Length);
            if (p.Grad is { } g && local > 0) TensorPrimitives.Multiply(g.Span, weight, dst);
            else dst.Clear();
            fused[at + p.Length] = p.Grad is null || local == 0 ? 0f : 1f;   // this rank contributes a gradient
            at += p.Length + 1;
        }
        fused[at] = stop ? 1f : 0f;
        fused[at + 1] = diverged ? 1f : 0f;
        _comm.AllReduceSum(fused);
        at = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            if (fused[at + p.Length] > 0)
            {
                if (p.Grad is null) using (TensorScope.Untracked()) p.Grad = Tensor.Zeros(p.ShapeToArray());
                fused.Slice(at, p.Length).CopyTo(p.Grad.Span);
            }
            at += p.Length + 1;
        }
        return (fused[at] > 0, (int)MathF.Round(fused[at + 1]));
    }

    /// <summary>Replaces each non-parameter state tensor (running statistics) by its mean over the ranks, weighted by local / global samples.</summary>
    public void AverageBuffers(int local, int global)
    {
        if (_buffers.Length == 0) return;
        int total = _buffers.Sum(b => b.Length);
        if (_fused.Length < total) _fused = new float[total];
        var fused = _fused.AsSpan(0, total);
        // Σ n_r·x_r / n rather than Σ (n_r / n)·x_r: a counter equal on every rank (num_batches_tracked) stays exact.
        int at = 0;
        foreach (var b in _buffers) { TensorPrimitives.Multiply(b.Span, (float)local, fused.Slice(at, b.Length)); at += b.Length; }
        _comm.AllReduceSum(fused);
        for (int i = 0; i < fused.Length; i++) fused[i] /= global;   // a true division (TensorPrimitives.Divide multiplies by 1/n)
        at = 0;
        foreach (var b in _buffers) { fused.Slice(at, b.Length).CopyTo(b.Span); at += b.Length; }
    }

    /// <summary>Sums <paramref name="values"/> over the ranks (epoch loss sums, sample counts), after checking every rank gives
    /// the same number of values (a mismatch would make the all-reduce undefined).</summary>
    /// <exception cref="InvalidOperationException">The ranks give different numbers of values.</exception>
    public void SumOverRanks(Span<double> values, string what)
    {
        Span<double> count = [values.Length, (double)values.Length * values.Length];
        _comm.AllReduceSum(count);
        if (count[1] * Size != count[0] * count[0])
            throw new InvalidOperationException($"the ranks report different numbers of {what} (rank {Rank} has {values.Length}); they cannot be summed");
        _comm.AllReduceSum(values);
    }

    /// <summary>Mean loss per sample over <paramref name="validation"/>, each rank evaluating its contiguous part; the same value on every rank.</summary>
    public double ValidationLoss(AutoencoderModel model, IBatchSource validation, int batchSize)
    {
        var (start, count) = Shard(validation.Count);
        Span<double> sum = [0, count];
        if (count > 0)
        {
            // Not interruptible here: a rank leaving the loop alone would leave the others waiting in the next collective.
            using (IO.CancellationScope.Install(CancellationToken.None))
                sum[0] = Batching.MeanLoss(model, new ShardSource(validation, start, count), batchSize) * count;
        }
        _comm.AllReduceSum(sum);
        return sum[0] / sum[1];
    }

    /// <summary>Checks that every rank holds the same weights and state as rank 0 (a 64-bit hash of their bits).</summary>
    /// <exception cref="InvalidOperationException">Some rank differs.</exception>
    public void CheckSameWeights(AutoencoderModel model, int epoch)
    {
        ulong hash = 14695981039346656037UL;
        foreach (var (_, t) in model.StateDict())
            foreach (uint bits in MemoryMarshal.Cast<float, uint>(t.Span))
                hash = (hash ^ bits) * 1099511628211UL;
        var root = BitConverter.GetBytes(hash);
        _comm.Broadcast(root);
        Span<double> differ = [BitConverter.ToUInt64(root) == hash ? 0 : 1];
        _comm.AllReduceSum(differ);
        if (differ[0] > 0)
            throw new InvalidOperationException($"after epoch {epoch}, {differ[0]} of {Size} ranks hold weights that differ from rank 0's: " +
                                                "the all-reduce did not give every rank the same result");
    }

    /// <summary>
    /// Makes every rank start from rank 0's state: checks the ranks agree on the seed, sample count, batch size and epochs, then
    /// broadcasts rank 0's weights, each group's optimizer and schedule state and, when rank 0 resumed from a checkpoint, its
    /// trainer state (epoch, history, best weights). Rank 0 alone reads checkpoints; the others need no access to them.
    /// </summary>
    /// <returns>The trainer state of the resumed run (null: a fresh start), the same on every rank.</returns>
    /// <exception cref="ArgumentException">The ranks disagree on the settings (the message names them).</exception>
    public CheckpointState? Synchronize(AutoencoderModel model, IReadOnlyList<OptimizerGroup> optimizers, TrainingOptions options,
        int samples, CheckpointState? rootState)
    {
        // 1. The settings every rank must share: the same shuffles and batches follow from them.
        ulong[] mine = [options.Seed, (ulong)samples, (ulong)options.BatchSize, (ulong)options.Epochs];
        var fromRoot = MemoryMarshal.AsBytes(mine.AsSpan()).ToArray();
        _comm.Broadcast(fromRoot);
        var root = MemoryMarshal.Cast<byte, ulong>(fromRoot).ToArray();
        Span<double> differ = [root.AsSpan().SequenceEqual(mine) ? 0 : 1];
        _comm.AllReduceSum(differ);
        if (differ[0] > 0)
            throw new ArgumentException($"the ranks do not agree on the training setup: rank 0 has seed {root[0]}, {root[1]} samples, batch size {root[2]}, " +
                                        $"{root[3]} epochs; rank {Rank} has {mine[0]}, {mine[1]}, {mine[2]}, {mine[3]} ({differ[0]} rank(s) differ): " +
                                        "every rank must run the same command on the same data");

        // 2. Rank 0's state as one blob: its length, then its bytes.
        byte[] blob = IsRoot ? Pack(model, optimizers, rootState) : [];
        var length = BitConverter.GetBytes((long)blob.Length);
        _comm.Broadcast(length);
        if (!IsRoot) blob = new byte[BitConverter.ToInt64(length)];
        _comm.Broadcast(blob);
        return IsRoot ? rootState : Unpack(blob, model, optimizers);
    }

    private static byte[] Pack(AutoencoderModel model, IReadOnlyList<OptimizerGroup> optimizers, CheckpointState? state)
    {
        using var stream = new MemoryStream();
        using var w = new BinaryWriter(stream);
        foreach (var (_, t) in model.StateDict()) WriteFloats(w, t.Span);
        foreach (var g in optimizers)
        {
            var s = g.Optimizer.SaveState();
            w.Write(s.LearningRate);
            w.Write(s.StepCount);
            w.Write(s.Parameters.Count);
            foreach (var e in s.Parameters)
            {
                w.Write(e.Index);
                w.Write(e.Step);
                w.Write(e.Buffers.Count);
                foreach (var b in e.Buffers) { w.Write(b.Name); WriteFloats(w, b.Data); }
            }
            w.Write(g.Schedule is null ? "" : JsonSerializer.Serialize(g.Schedule.SaveState(), Checkpoint.JsonOptions));
        }
        w.Write(state is not null);
        if (state is not null)
        {
            w.Write(JsonSerializer.Serialize(new StateJson(state.Epoch, state.History.ToList(), state.BestValidationLoss, state.BestEpoch,
                state.BadEpochs, state.Finished, state.StoppedEarly, state.OptionsRecorded), Checkpoint.JsonOptions));
            w.Write(state.BestWeights is not null);
            if (state.BestWeights is not null) foreach (var b in state.BestWeights) WriteFloats(w, b);
        }
        w.Flush();
        return stream.ToArray();
    }

    private static CheckpointState? Unpack(byte[] blob, AutoencoderModel model, IReadOnlyList<OptimizerGroup> optimizers)
    {
        using var r = new BinaryReader(new MemoryStream(blob));
        var entries = model.StateDict();
        foreach (var (name, t) in entries) ReadFloats(r, name).CopyTo(t.Span);
        foreach (var g in optimizers)
        {
            float lr = r.ReadSingle();
            int stepCount = r.ReadInt32(), count = r.ReadInt32();
            var parameters = new List<ParameterStateEntry>(count);
            for (int i = 0; i < count; i++)
            {
                int index = r.ReadInt32(), step = r.ReadInt32(), buffers = r.ReadInt32();
                var p = g.Optimizer.Parameters[index];
                var list = new List<StateBuffer>(buffers);
                for (int k = 0; k < buffers; k++)
                {
                    string name = r.ReadString();
                    list.Add(new StateBuffer(name, ReadFloats(r, name), p.ShapeToArray()));
                }
                parameters.Add(new ParameterStateEntry(index, step, list));
            }
            g.Optimizer.LoadState(new OptimizerState(g.Optimizer.Name, lr, stepCount, parameters));
            string schedule = r.ReadString();
            if (schedule.Length > 0) g.Schedule?.LoadState(JsonSerializer.Deserialize<SchedulerState>(schedule, Checkpoint.JsonOptions)!);
        }
        if (!r.ReadBoolean()) return null;
        var s = JsonSerializer.Deserialize<StateJson>(r.ReadString(), Checkpoint.JsonOptions)!;
        float[][]? best = r.ReadBoolean() ? entries.Select(e => ReadFloats(r, e.Name)).ToArray() : null;
        return new CheckpointState(s.Epoch, s.History, s.BestValidationLoss, s.BestEpoch, s.BadEpochs, best, s.Finished, s.StoppedEarly, s.OptionsRecorded);
    }

    private static void WriteFloats(BinaryWriter w, ReadOnlySpan<float> values)
    {
        w.Write(values.Length);
        w.Write(MemoryMarshal.AsBytes(values));
    }

    private static float[] ReadFloats(BinaryReader r, string name)
    {
        int n = r.ReadInt32();
        var bytes = r.ReadBytes(n * sizeof(float));
        if (bytes.Length != n * sizeof(float)) throw new InvalidOperationException($"rank 0's state ended inside {name}");
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    private sealed record StateJson(int Epoch, List<EpochRecord> History, double BestValidationLoss, int BestEpoch, int BadEpochs,
        bool Finished, bool StoppedEarly, bool OptionsRecorded);

    /// <summary>Samples [start, start + count) of another source.</summary>
    private sealed class ShardSource(IBatchSource inner, int start, int count) : IBatchSource
    {
        public int Count => count;
        public string Name => inner.Name;

        public Batch Load(ReadOnlySpan<int> indices)
        {
            Span<int> shifted = indices.Length <= 1024 ? stackalloc int[indices.Length] : new int[indices.Length];
            for (int i = 0; i < indices.Length; i++) shifted[i] = indices[i] + start;
            return inner.Load(shifted);
        }
    }
}
