using Bottleneck.Autograd;
using Bottleneck.Kernels;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Models;

/// <summary>
/// The dense kind's fused inference path (packed weights, bias and activation fused into the GEMM's tiles, rows split over
/// threads): equal to the autograd path, bit-identical across thread counts, allocation-free after warm-up, a snapshot of the
/// weights until refreshed, and used by <see cref="AutoencoderModel.Encode(Tensor)"/> under no-grad with the live weights.
/// </summary>
[Collection(Bottleneck.Tests.Autograd.GemmProviderCollection.Name)]
public sealed class DenseInferenceTests
{
    /// <summary>Odd widths and every supported activation, so edge tiles, several k passes and each epilogue run.</summary>
    public static TheoryData<Activation, Activation, int> Configs() => new()
    {
        { Activation.Relu, Activation.Identity, 1 },
        { Activation.Relu, Activation.Identity, 33 },
        { Activation.Tanh, Activation.Sigmoid, 257 },
        { Activation.LeakyRelu, Activation.Identity, 7 },
        { Activation.Elu, Activation.Tanh, 40 },
        { Activation.Softplus, Activation.Identity, 13 },
        { Activation.Sigmoid, Activation.Relu, 100 },
    };

    private static DenseAutoencoder Model(Activation hidden, Activation latent) =>
        new(new DenseConfig(300, [67, 33], 7, hidden, latent), new Rng(5));

    private static float[] Rows(int n, int d, ulong seed = 9)
    {
        var x = new float[n * d];
        new Rng(seed).FillUniform(x, 0f, 1f);
        return x;
    }

    /// <summary>The autograd path: the layers with recording on, in eval mode.</summary>
    private static (float[] Codes, float[] Logits) Autograd(DenseAutoencoder m, float[] x, int n)
    {
        m.Eval();
        var t = Tensor.FromArray(x, n, m.InputDim);
        Assert.True(GradMode.IsEnabled);
        var z = m.Encode(t);
        return (z.ToArray(), m.DecodeLogits(z).ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(100)]
    [InlineData(800)]
    public void ColumnSplit_WithABarrierPerLayer_IsIdenticalToTheRowSplitForOneTwoAndThreeThreads(int n)
    {
        // Given a model and some rows (800: several chunks), with every layer that has two or more column slivers split over the
        // threads
        var m = new DenseAutoencoder(new DenseConfig(300, [130, 70], 7), new Rng(5));
        var x = Rows(n, 300);
        var fast = m.CreateFastInference()!;
        int saved = Gemm.Threads;
        long savedMacs = DenseInference.ColumnSplitMacs, savedPass = DenseInference.ColumnPassMacs;
        try
        {
            DenseInference.ColumnSplitMacs = 0;
            DenseInference.ColumnPassMacs = 0;
            var results = new List<float[]>();
            foreach (var split in new InferenceSplit?[] { InferenceSplit.Columns, InferenceSplit.Rows, null })
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    // When the pass runs with 1, 2 and 3 threads, columns or rows split, or the split timed at run time (12 calls:
                    // both splits, then the chosen one)
                    Gemm.Threads = threads;
                    DenseInference.ForcedSplit = split;
                    for (int call = 0; call < (split is null ? 12 : 1); call++)
                    {
                        var l = new float[n * 300];
                        fast.Logits(x, n, l);
                        results.Add(l);
                    }
                }
            // Then the logits agree bit for bit, and equal the autograd path's to float tolerance
            foreach (var r in results.Skip(1))
                Assert.Equal(results[0], r);
            AssertClose(Autograd(m, x, n).Logits, results[0]);
        }
        finally
        {
            Gemm.Threads = saved;
            DenseInference.ForcedSplit = null;
            DenseInference.ColumnSplitMacs = savedMacs;
            DenseInference.ColumnPassMacs = savedPass;
        }
    }

    /// <summary>Runs one trial of <paramref name="tuner"/>, each call costing <paramref name="ticks"/>(split, first call of its
    /// block) and recorded when the tuner times it; returns the calls made (split, timed).</summary>
    private static List<(InferenceSplit Split, bool Timed)> RunTrial(InferenceSplitTuner tuner, Func<InferenceSplit, bool, long> ticks)
    {
        var seen = new List<(InferenceSplit Split, bool Timed)>();
        do
        {
            var split = tuner.Next();
            bool first = seen.Count == 0 || seen[^1].Split != split;
            long cost = ticks(split, first);
            seen.Add((split, tuner.Timing));
            if (tuner.Timing) tuner.Record(split, cost);
            Assert.True(seen.Count <= InferenceSplitTuner.Blocks * InferenceSplitTuner.MaxBlockCalls, "a trial has at most Blocks × MaxBlockCalls calls");
        }
        while (tuner.InTrial);
        return seen;
    }

    private static List<List<(InferenceSplit Split, bool Timed)>> BlocksOf(List<(InferenceSplit Split, bool Timed)> calls)
    {
        var blocks = new List<List<(InferenceSplit Split, bool Timed)>>();
        foreach (var c in calls)
        {
            if (!c.Timed) blocks.Add([]);
            blocks[^1].Add(c);
        }
        return blocks;
    }

    [Fact]
    public void SplitTuner_TimesBothSplitsInSteadyBlocksOfShortCalls_ThenUsesTheFasterUntilTheNextTrial()
    {
        // Given a tuner, and calls far shorter than a block's time budget (a single row: microseconds)
        var tuner = new InferenceSplitTuner();
        long rowsTicks = Math.Max(2, InferenceSplitTuner.BlockBudgetTicks / 50);
        // When a trial runs, columns taking half the time of rows in every timed call
        var seen = RunTrial(tuner, (split, _) => split == InferenceSplit.Columns ? rowsTicks / 2 : rowsTicks);
        // Then it is Blocks blocks of MaxBlockCalls consecutive calls of one split, rows first, the first call of each untimed
        var blocks = BlocksOf(seen);
        Assert.Equal(InferenceSplitTuner.Blocks, blocks.Count);
        for (int b = 0; b < blocks.Count; b++)
        {
            Assert.Equal(InferenceSplitTuner.MaxBlockCalls, blocks[b].Count);
            Assert.All(blocks[b], c => Assert.Equal(b % 2 == 0 ? InferenceSplit.Rows : InferenceSplit.Columns, c.Split));
            Assert.All(blocks[b].Skip(1), c => Assert.True(c.Timed));
        }
        // And the next calls use columns without timing, until the next trial starts with rows again
        Assert.Equal(InferenceSplit.Columns, tuner.Choice);
        for (int i = 0; i < InferenceSplitTuner.Period; i++)
        {
            Assert.Equal(InferenceSplit.Columns, tuner.Next());
            Assert.False(tuner.Timing);
        }
        Assert.Equal(InferenceSplit.Rows, tuner.Next());
        Assert.False(tuner.Timing);
    }

    [Fact]
    public void SplitTuner_LongCalls_TrialInBlocksOfTwoCalls_SoATrialIsSixteenCalls()
    {
        // Given a tuner, and calls each longer than a block's time budget (a few hundred rows: a fraction of a millisecond)
        var tuner = new InferenceSplitTuner();
        long rowsTicks = InferenceSplitTuner.BlockBudgetTicks * 2;
        // When a trial runs, rows faster
        var seen = RunTrial(tuner, (split, _) => split == InferenceSplit.Rows ? rowsTicks : rowsTicks * 3 / 2);
        // Then each block is one untimed call and one timed call: 16 calls in all, 4 timed per split (the trial of 8-call
        // blocks took 64, all the calls of encoding 16,000 rows in batches of 256)
        var blocks = BlocksOf(seen);
        Assert.Equal(InferenceSplitTuner.Blocks, blocks.Count);
        Assert.All(blocks, b => Assert.Equal([false, true], b.Select(c => c.Timed)));
        Assert.Equal(2 * InferenceSplitTuner.Blocks, seen.Count);
        Assert.Equal(InferenceSplit.Rows, tuner.Choice);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SplitTuner_IgnoresTheSwitchCostOfEachBlocksFirstCall(bool longCalls)
    {
        // Given a tuner whose columns are faster when run steadily but whose first call after a switch is very slow, for short
        // calls (8 a block) and long ones (2 a block: were the first timed, it alone would fill the block's budget)
        var tuner = new InferenceSplitTuner();
        long unit = longCalls ? InferenceSplitTuner.BlockBudgetTicks * 2 : Math.Max(2, InferenceSplitTuner.BlockBudgetTicks / 100);
        var seen = RunTrial(tuner, (split, first) => split == InferenceSplit.Columns ? (first ? 100 * unit : unit) : unit * 3 / 2);
        // Then exactly the first call of each block went untimed, and the steady-state times decide: columns
        Assert.Equal(InferenceSplitTuner.Blocks, seen.Count(c => !c.Timed));
        Assert.All(BlocksOf(seen), b => Assert.True(b.Skip(1).All(c => c.Timed) && b.Select(c => c.Split).Distinct().Count() == 1));
        Assert.Equal(InferenceSplit.Columns, tuner.Choice);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(true, false)]
    public void SplitTuner_UnderTheDelaysOfASharedMachine_PicksTheFasterSplitInNineteenTrialsOfTwenty(bool longCalls, bool columnsFaster)
    {
        var faster = columnsFaster ? InferenceSplit.Columns : InferenceSplit.Rows;
        // Given calls where one split is 15 % faster, and a shared machine: about a fifth of the calls (in spells of 1–4 calls)
        // delayed by 0–200 % of their time (delays only ever lengthen a call), the first call of each block 3× slower
        var rng = new Rng(42);
        long baseTicks = longCalls ? InferenceSplitTuner.BlockBudgetTicks * 2 : Math.Max(100, InferenceSplitTuner.BlockBudgetTicks / 40);
        int correct = 0;
        const int trials = 200;
        for (int t = 0; t < trials; t++)
        {
            var tuner = new InferenceSplitTuner();
            int busyLeft = 0;
            RunTrial(tuner, (split, first) =>
            {
                double cost = split == faster ? baseTicks : baseTicks * 1.15;
                if (busyLeft == 0 && rng.Bernoulli(0.1)) busyLeft = 1 + rng.NextInt(4);
                if (busyLeft > 0) { busyLeft--; cost *= 1 + 2 * rng.NextDouble(); }
                return (long)(first ? 3 * cost : cost);
            });
            // When its trial ends
            if (tuner.Choice == faster) correct++;
        }
        // Then it chose the faster split in at least 95 % of the trials
        Assert.True(correct >= trials * 95 / 100, $"chose {faster} in {correct} of {trials} trials");
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void FusedPath_EqualsTheAutogradPath_AndIsIdenticalForOneAndTwoThreads(Activation hidden, Activation latent, int n)
    {
        // Given a model and n rows
        var m = Model(hidden, latent);
        var x = Rows(n, 300);
        var (codes, logits) = Autograd(m, x, n);
        var fast = m.CreateFastInference()!;
        int saved = Gemm.Threads;
        try
        {
            var byThreads = new List<(float[] Codes, float[] Logits)>();
            foreach (int threads in new[] { 1, 2 })
            {
                // When the fused path runs with 1 and 2 threads
                Gemm.Threads = threads;
                var c = new float[n * 7];
                var l = new float[n * 300];
                fast.Codes(x, n, c);
                fast.Logits(x, n, l);
                byThreads.Add((c, l));
            }
            // Then it equals the autograd path to float tolerance, and the two thread counts agree bit for bit
            AssertClose(codes, byThreads[0].Codes);
            AssertClose(logits, byThreads[0].Logits);
            Assert.Equal(byThreads[0].Codes, byThreads[1].Codes);
            Assert.Equal(byThreads[0].Logits, byThreads[1].Logits);
        }
        finally { Gemm.Threads = saved; }
    }

    [Fact]
    public void FusedPath_ChunkSizeDoesNotChangeTheResult()
    {
        var m = Model(Activation.Relu, Activation.Identity);
        var x = Rows(150, 300);
        var fast = (DenseInference)m.CreateFastInference()!;
        var a = new float[150 * 300];
        var b = new float[150 * 300];
        fast.Logits(x, 150, a);
        fast.ChunkRows = 12;
        fast.Logits(x, 150, b);
        Assert.Equal(a, b);
    }

    [Fact]
    public void FusedPath_IsASnapshotOfTheWeightsUntilRefreshed()
    {
        // Given a fast path created before the weights change
        var m = Model(Activation.Relu, Activation.Identity);
        var x = Rows(5, 300);
        var fast = m.CreateFastInference()!;
        var before = new float[5 * 300];
        fast.Logits(x, 5, before);
        // When every weight of the last layer changes
        var w = m.DecoderLinears[^1].Weight.Span;
        for (int i = 0; i < w.Length; i++) w[i] += 0.5f;
        var stale = new float[5 * 300];
        fast.Logits(x, 5, stale);
        fast.Refresh();
        var refreshed = new float[5 * 300];
        fast.Logits(x, 5, refreshed);
        // Then the snapshot gives the old logits until Refresh, and the new ones (equal to the autograd path) after it
        Assert.Equal(before, stale);
        Assert.NotEqual(before, refreshed);
        AssertClose(Autograd(m, x, 5).Logits, refreshed);
    }

    [Fact]
    public void FusedPath_SteadyState_AllocatesNothing()
    {
        var m = Model(Activation.Relu, Activation.Identity);
        var x = Rows(300, 300);
        var fast = m.CreateFastInference()!;
        var l = new float[300 * 300];
        int saved = Gemm.Threads;
        try
        {
            Gemm.Threads = 2;
            for (int i = 0; i < 5; i++) { fast.Logits(x, 300, l); fast.Logits(x, 1, l); }
            long allocated = long.MaxValue;
            for (int round = 0; round < 3 && allocated > 0; round++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 10; i++) { fast.Logits(x, 300, l); fast.Logits(x, 1, l); fast.Codes(x, 32, l); fast.Refresh(); }
                allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
            }
            Assert.Equal(0, allocated);
        }
        finally { Gemm.Threads = saved; }
    }

    [Fact]
    public void TensorApi_UnderNoGrad_UsesTheLiveWeights_AndEqualsTheAutogradPath()
    {
        // Given a model used under no-grad once
        var m = Model(Activation.Relu, Activation.Sigmoid);
        var x = Rows(20, 300);
        var t = Tensor.FromArray(x, 20, 300);
        m.Eval();
        using (GradMode.NoGrad()) _ = m.Reconstruct(t);
        // When its weights change and it runs again under no-grad
        foreach (var p in m.Parameters()) p.Span[0] += 0.25f;
        float[] codes, recon;
        using (GradMode.NoGrad())
        {
            codes = m.Encode(t).ToArray();
            recon = m.Reconstruct(t).ToArray();
        }
        // Then it sees the new weights: equal to the autograd path
        var (refCodes, refLogits) = Autograd(m, x, 20);
        AssertClose(refCodes, codes);
        AssertClose(refLogits.Select(v => 1f / (1f + MathF.Exp(-v))).ToArray(), recon);
        // And bad shapes are still refused with the shapes in the message
        using (GradMode.NoGrad())
        {
            var e = Assert.Throws<ShapeException>(() => m.Encode(Tensor.Zeros(2, 5)));
            Assert.Contains("300", e.Message);
        }
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * (1 + Math.Abs(expected[i])), $"[{i}]: {actual[i]} vs {expected[i]}");
    }
}
