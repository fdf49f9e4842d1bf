using Bottleneck.Data;
using Bottleneck.Kernels;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Kernels;

/// <summary><see cref="Dataset.CopyRows"/> through <see cref="RowGather"/>: a large batch split over the threads is the plain gather.</summary>
[Collection(Bottleneck.Tests.Autograd.GemmProviderCollection.Name)]
public sealed class RowGatherTests
{
    [Theory]
    [InlineData(256, 784)]   // 200,704 floats: split over the threads
    [InlineData(5, 784)]     // small: one thread
    [InlineData(1000, 70)]
    public void CopyRows_AtOneAndTwoThreads_IsTheRowByRowGather(int batch, int width)
    {
        // Given a table and random row indices (with repeats)
        int rows = 3000;
        var table = new float[rows * width];
        new Rng(2).FillUniform(table, -1f, 1f);
        var data = new Dataset(table, rows, width);
        var rng = new Rng(3);
        var idx = new int[batch];
        for (int i = 0; i < batch; i++) idx[i] = (int)(rng.NextDouble() * rows);
        var expected = new float[batch * width];
        for (int i = 0; i < batch; i++) Array.Copy(table, idx[i] * width, expected, i * width, width);
        int saved = Gemm.Threads;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                Gemm.Threads = threads;
                // When the rows are gathered
                var got = new float[batch * width];
                data.CopyRows(idx, got);
                // Then each row is the table's row
                Assert.Equal(expected, got);
            }
        }
        finally
        {
            Gemm.Threads = saved;
        }
    }

    [Fact]
    public void CopyRows_RejectsAnIndexOutsideTheTable_NamingItsPosition()
    {
        var data = new Dataset(new float[10 * 4], 10, 4);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => data.CopyRows([1, 10], new float[8]));
        Assert.Contains("position 1", e.Message);
    }
}
