using Bottleneck.Data;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Data;

public class DatasetTests
{
    private static Dataset Make(int rows, int f)
    {
        var x = new float[rows * f];
        for (int i = 0; i < x.Length; i++) x[i] = i;
        return new Dataset(x, rows, f, Enumerable.Range(0, rows).Select(r => r % 3).ToArray(), source: "unit");
    }

    [Fact]
    public void Constructor_ValidatesLengths()
    {
        Assert.Throws<ArgumentException>(() => new Dataset(new float[5], 2, 3));
        Assert.Throws<ArgumentException>(() => new Dataset(new float[6], 2, 3, labels: [1]));
        Assert.Throws<ArgumentException>(() => new Dataset(new float[6], 2, 3, image: new ImageShape(1, 2, 2)));
        var ok = new Dataset(new float[8], 2, 4, image: new ImageShape(1, 2, 2));
        Assert.Equal(4, ok.Image!.Size);
    }

    [Fact]
    public void SubsetAndCopyRows_GatherRowsInOrder()
    {
        var d = Make(5, 3);
        var s = d.Subset([4, 0, 4]);
        Assert.Equal(3, s.Rows);
        Assert.Equal(new float[] { 12, 13, 14, 0, 1, 2, 12, 13, 14 }, s.Features);
        Assert.Equal(new[] { 1, 0, 1 }, s.Labels);

        var buf = new float[6];
        d.CopyRows([2, 1], buf);
        Assert.Equal(new float[] { 6, 7, 8, 3, 4, 5 }, buf);
        Assert.Throws<ArgumentException>(() => d.CopyRows([1, 2, 3], new float[6]));
        Assert.Throws<ArgumentOutOfRangeException>(() => d.CopyRows([5], new float[3]));
    }

    [Fact]
    public void CopyRows_DoesNotAllocate()
    {
        var d = Make(100, 8);
        var buf = new float[32 * 8];
        var idx = Enumerable.Range(10, 32).ToArray();
        d.CopyRows(idx, buf); // warm up
        long least = long.MaxValue;   // least of three rounds: see OptimizerBehaviourTests.SteadyStateStepAllocatesNothing
        for (int round = 0; round < 3 && least > 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++) d.CopyRows(idx, buf);
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.Equal(0, least);
    }

    [Fact]
    public void Split_IsDeterministicDisjointAndComplete()
    {
        var d = Make(100, 2);
        var (t1, v1) = d.Split(0.2, new Rng(7));
        var (t2, v2) = d.Split(0.2, new Rng(7));
        Assert.Equal(80, t1.Rows);
        Assert.Equal(20, v1.Rows);
        Assert.Equal(t1.Features, t2.Features);
        Assert.Equal(v1.Features, v2.Features);
        var ids = t1.Features.Where((_, i) => i % 2 == 0).Concat(v1.Features.Where((_, i) => i % 2 == 0)).Select(v => (int)v / 2).OrderBy(x => x);
        Assert.Equal(Enumerable.Range(0, 100), ids);
        var (t3, _) = d.Split(0.2, new Rng(8));
        Assert.NotEqual(t1.Features, t3.Features);
    }

    [Fact]
    public void Split_EdgeCasesAndErrors()
    {
        var d = Make(10, 1);
        var (t, v) = d.Split(0.01, new Rng(1));
        Assert.Equal((9, 1), (t.Rows, v.Rows));
        var (t0, v0) = d.Split(0, new Rng(1));
        Assert.Equal((10, 0), (t0.Rows, v0.Rows));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => d.Split(1.0, new Rng(1)));
        Assert.Contains("[0, 1)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Split(-0.1, new Rng(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Split(double.NaN, new Rng(1)));
        var one = Make(1, 1);
        var de = Assert.Throws<DataException>(() => one.Split(0.5, new Rng(1)));
        Assert.Contains("at least 2 rows", de.Message);
    }

    [Fact]
    public void WhereLabel_Filters()
    {
        var d = Make(9, 1);
        var z = d.WhereLabel(l => l == 0);
        Assert.Equal(new float[] { 0, 3, 6 }, z.Features);
        Assert.Throws<DataException>(() => new Dataset(new float[2], 2, 1).WhereLabel(_ => true));
    }
}

public class BatchIteratorTests
{
    [Fact]
    public void EachEpochVisitsEveryRowOnce_AndReshuffles()
    {
        var it = new BatchIterator(10, 4, shuffle: true, new Rng(3));
        Assert.Equal(3, it.BatchCount);
        var epochs = new List<int[]>();
        for (int e = 0; e < 3; e++)
        {
            var seen = new List<int>();
            var sizes = new List<int>();
            foreach (ReadOnlySpan<int> idx in it.NextEpoch()) { seen.AddRange(idx.ToArray()); sizes.Add(idx.Length); }
            Assert.Equal(new[] { 4, 4, 2 }, sizes);
            Assert.Equal(Enumerable.Range(0, 10), seen.OrderBy(x => x));
            epochs.Add(seen.ToArray());
        }
        Assert.NotEqual(epochs[0], epochs[1]);

        var again = new BatchIterator(10, 4, shuffle: true, new Rng(3));
        var first = new List<int>();
        foreach (ReadOnlySpan<int> idx in again.NextEpoch()) first.AddRange(idx.ToArray());
        Assert.Equal(epochs[0], first);
    }

    [Fact]
    public void NoShuffle_DropLast_AndRanges()
    {
        var it = new BatchIterator(10, 4, shuffle: false, dropLast: true);
        Assert.Equal(2, it.BatchCount);
        var all = new List<int>();
        foreach (ReadOnlySpan<int> idx in it.NextEpoch()) all.AddRange(idx.ToArray());
        Assert.Equal(Enumerable.Range(0, 8), all);
        Assert.Equal((4, 4), it.BatchRange(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => it.BatchRange(2));
        Assert.Throws<ArgumentNullException>(() => new BatchIterator(3, 1, shuffle: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchIterator(3, 0, shuffle: false));
    }

    [Fact]
    public void Iteration_DoesNotAllocate()
    {
        var it = new BatchIterator(1000, 32, shuffle: true, new Rng(1));
        int total = 0;
        foreach (ReadOnlySpan<int> idx in it.NextEpoch()) total += idx.Length;
        long least = long.MaxValue;   // least of three rounds: see OptimizerBehaviourTests.SteadyStateStepAllocatesNothing
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int e = 0; e < 5; e++)
                foreach (ReadOnlySpan<int> idx in it.NextEpoch()) total += idx[0] >= 0 ? idx.Length : 0;
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.Equal(0, least);
        Assert.Equal(16000, total);
    }
}
