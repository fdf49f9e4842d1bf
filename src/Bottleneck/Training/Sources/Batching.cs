using Bottleneck.Autograd;
using Bottleneck.Data;
using Bottleneck.IO;
using Bottleneck.Models;
using Bottleneck.Tensors;

namespace Bottleneck.Training;

/// <summary>
/// Runs a model over a whole source in consecutive batches, in eval mode and without autograd: the loop every evaluator,
/// encoder and scorer of a dataset shares. Each batch runs inside a <see cref="TensorScope"/> over one pool, so after the first
/// batch no tensor memory is allocated.
/// </summary>
public static class Batching
{
    /// <summary>The seed of the generator evaluation steps draw latent samples from (so a validation loss is reproducible).</summary>
    public const ulong EvaluationSeed = 0x5EED_E7A1;

    /// <summary>
    /// Calls <paramref name="body"/> with each batch of <paramref name="batchSize"/> consecutive samples (the last may be smaller)
    /// and the index of its first sample, with <paramref name="model"/> in eval mode (restored afterwards) and autograd off.
    /// Tensors created in <paramref name="body"/> are released when it returns: copy what must outlive the batch. Before each batch it
    /// checks the current <see cref="CancellationScope"/> (a cancelled command throws <see cref="OperationCanceledException"/> there).
    /// </summary>
    /// <param name="model">The model, put in eval mode for the duration.</param>
    /// <param name="source">The samples.</param>
    /// <param name="batchSize">Samples per batch, ≥ 1.</param>
    /// <param name="body">Receives (batch, index of its first sample).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> &lt; 1.</exception>
    public static void InOrder(AutoencoderModel model, IBatchSource source, int batchSize, Action<Batch, int> body)
    {
        ArgumentNullException.ThrowIfNull(model);
        bool wasTraining = model.Training;
        model.Eval();
        try { InOrder(source, batchSize, body); }
        finally { model.Train(wasTraining); }
    }

    /// <summary>As <see cref="InOrder(AutoencoderModel, IBatchSource, int, Action{Batch, int})"/> without a model (autograd off, pooled scope per batch).</summary>
    /// <param name="source">The samples.</param>
    /// <param name="batchSize">Samples per batch, ≥ 1.</param>
    /// <param name="body">Receives (batch, index of its first sample).</param>
    public static void InOrder(IBatchSource source, int batchSize, Action<Batch, int> body)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        int bs = Math.Max(1, Math.Min(batchSize, source.Count));
        var pool = new BufferPool();
        if (source is IStreamedBatchSource streamed)
        {
            InOrder(streamed, bs, pool, body);
            return;
        }
        var indices = new int[bs];
        using (GradMode.NoGrad())
            for (int start = 0; start < source.Count; start += bs)
            {
                CancellationScope.ThrowIfCancellationRequested();   // per batch: a cancelled command stops here
                FaultInjection.Point("batch");
                int n = Math.Min(bs, source.Count - start);
                for (int i = 0; i < n; i++) indices[i] = start + i;
                using var scope = new TensorScope(pool);
                var batch = source.Load(indices.AsSpan(0, n));
                body(batch, start);
            }
    }

    /// <summary>The streamed form of <see cref="InOrder(IBatchSource, int, Action{Batch, int})"/>: the source's batches in stored order.</summary>
    private static void InOrder(IStreamedBatchSource source, int bs, BufferPool pool, Action<Batch, int> body)
    {
        using var stream = source.OpenInOrder();
        using (GradMode.NoGrad())
            for (int start = 0; start < source.Count; start += bs)
            {
                CancellationScope.ThrowIfCancellationRequested();
                FaultInjection.Point("batch");
                using var scope = new TensorScope(pool);
                var batch = stream.Next(Math.Min(bs, source.Count - start)) ?? throw new DataException($"{source.Name}: the data ended early, after {start} of {source.Count} samples", source.Name);
                body(batch, start);
            }
    }

    /// <summary>The latent codes of every row of <paramref name="data"/>, row-major (Rows × latentDim).</summary>
    /// <param name="model">The model.</param>
    /// <param name="data">Rows (N, D) in the model's input space.</param>
    /// <param name="batchSize">Rows per batch (default 512).</param>
    /// <exception cref="ShapeException">The data width differs from the model's.</exception>
    public static float[] Encode(AutoencoderModel model, Dataset data, int batchSize = 512) =>
        Apply(model, data, model.LatentDim, model.Encode, batchSize);

    /// <summary>The reconstructions of every row of <paramref name="data"/> in the model's input space, row-major (Rows × D).</summary>
    /// <param name="model">The model.</param>
    /// <param name="data">Rows (N, D) in the model's input space.</param>
    /// <param name="batchSize">Rows per batch (default 512).</param>
    /// <exception cref="ShapeException">The data width differs from the model's.</exception>
    public static float[] Reconstruct(AutoencoderModel model, Dataset data, int batchSize = 512) =>
        Apply(model, data, model.InputDim, model.Reconstruct, batchSize);

    /// <summary>
    /// The mean loss per sample of <paramref name="model"/> over <paramref name="source"/>: evaluation steps
    /// (<see cref="StepContext.ForEvaluation"/> with a generator seeded by <see cref="EvaluationSeed"/>: no corruption, no
    /// dropout; a stochastic latent layer draws one sample per input, the same ones on every call), eval mode, no autograd.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="source">The samples (not empty).</param>
    /// <param name="batchSize">Samples per batch (default 256).</param>
    /// <exception cref="ArgumentException">The source is empty.</exception>
    public static double MeanLoss(AutoencoderModel model, IBatchSource source, int batchSize = 256)
    {
        if (source.Count == 0) throw new ArgumentException($"{source.Name} has no samples to evaluate", nameof(source));
        double sum = 0;
        var context = StepContext.ForEvaluation(new Rng(EvaluationSeed));
        InOrder(model, source, batchSize, (batch, _) => sum += model.Step(batch, context).Loss.Item() * batch.Count);
        return sum / source.Count;
    }

    private static float[] Apply(AutoencoderModel model, Dataset data, int width, Func<RowBatch, Tensor> f, int batchSize)
    {
        var source = RowSource.For(model, data);
        var result = new float[(long)data.Rows * width];
        InOrder(model, source, batchSize, (batch, start) =>
            f((RowBatch)batch).Span.CopyTo(result.AsSpan(start * width, batch.Count * width)));
        return result;
    }
}
