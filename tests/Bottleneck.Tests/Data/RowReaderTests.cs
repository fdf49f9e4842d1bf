using Bottleneck.Data;

namespace Bottleneck.Tests.Data;

public sealed class RowReaderTests
{
    [Theory]
    [InlineData("1/1", 1, 1)]
    [InlineData("1/4", 1, 4)]
    [InlineData(" 4 / 4 ", 4, 4)]
    public void RowShard_Parse_AcceptsOneBasedShards(string text, int i, int n) => Assert.Equal(new RowShard(i, n), RowShard.Parse(text));

    [Theory]
    [InlineData("0/2", "must be in 1..2")]
    [InlineData("3/2", "must be in 1..2")]
    [InlineData("1/0", "N must be ≥ 1")]
    [InlineData("x", "is not a shard")]
    [InlineData("1/2/3", "is not a shard")]
    [InlineData("", "is not a shard")]
    public void RowShard_Parse_RefusesBadValues(string text, string fragment) =>
        Assert.Contains(fragment, Assert.Throws<FormatException>(() => RowShard.Parse(text)).Message);

    [Theory]
    [InlineData(1, 7)]
    [InlineData(3, 1)]
    [InlineData(4, 5)]
    [InlineData(7, 64)]
    public void ShardedReaders_TogetherReturnEveryRowOnce_WithTheOriginalRowNumbers(int shards, int chunk)
    {
        // Given 103 rows of 3 features with labels
        int rows = 103, d = 3;
        var data = new Dataset(Enumerable.Range(0, rows * d).Select(i => (float)i).ToArray(), rows, d, Enumerable.Range(0, rows).Select(i => i % 5).ToArray());
        var seen = new Dictionary<long, (float[] X, string Label)>();
        for (int s = 1; s <= shards; s++)
        {
            // When each shard is read in chunks
            using var r = new ShardedRowReader(new DatasetRowReader(data), new RowShard(s, shards));
            var buf = new float[chunk * d]; var labels = new List<string>(); var numbers = new List<long>();
            int n;
            while ((n = r.Read(buf, chunk, labels, numbers)) > 0)
            {
                Assert.True(n <= chunk);
                for (int i = 0; i < n; i++)
                {
                    Assert.Equal(s - 1, (numbers[i] - 1) % shards);   // rows s, s+N, … (1-based)
                    seen.Add(numbers[i], (buf.AsSpan(i * d, d).ToArray(), labels[i]));
                }
            }
        }
        // Then the union is every row, each with its own values and label
        Assert.Equal(rows, seen.Count);
        foreach (var (row, (x, label)) in seen)
        {
            Assert.Equal(data.Row((int)row - 1).ToArray(), x);
            Assert.Equal(data.LabelText((int)row - 1), label);
        }
    }

    [Fact]
    public void NpyRowReader_MemoryMapped_MatchesTheLoaderForEveryDtypeAndChunk()
    {
        using var dir = new TempDir();
        // float64 big-endian and int16 little-endian arrays of shape (37, 2, 3), written by hand
        foreach (var (descr, size, write) in new (string, int, Action<byte[], int, double>)[]
                 {
                     ("'>f8'", 8, (b, o, v) => System.Buffers.Binary.BinaryPrimitives.WriteDoubleBigEndian(b.AsSpan(o), v)),
                     ("'<i2'", 2, (b, o, v) => System.Buffers.Binary.BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(o), (short)v)),
                     ("'<f4'", 4, (b, o, v) => System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(o), (float)v)),
                 })
        {
            int count = 37 * 6;
            string header = $"{{'descr': {descr}, 'fortran_order': False, 'shape': (37, 2, 3), }}";
            header = header.PadRight(118 - 1) + "\n";
            var bytes = new byte[10 + header.Length + count * size];
            bytes[0] = 0x93; "NUMPY"u8.CopyTo(bytes.AsSpan(1)); bytes[6] = 1;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
            System.Text.Encoding.ASCII.GetBytes(header).CopyTo(bytes, 10);
            for (int i = 0; i < count; i++) write(bytes, 10 + header.Length + i * size, i * 3 - 100);
            var path = dir.Write($"a{size}.npy", bytes);
            var expected = NpyLoader.Load(path);
            using var r = new NpyRowReader(path);
            Assert.Equal(37, r.Rows);
            Assert.Equal(6, r.FeatureCount);
            Assert.Equal(new ImageShape(1, 2, 3), r.Image);
            var got = new List<float>(); var numbers = new List<long>();
            var buf = new float[5 * 6]; var rn = new List<long>();
            int n;
            while ((n = r.Read(buf, 5, null, rn)) > 0) { got.AddRange(buf.Take(n * 6)); numbers.AddRange(rn); }
            Assert.Equal(expected.Features, got);
            Assert.Equal(Enumerable.Range(0, count).Select(i => (float)(i * 3 - 100)), got);
            Assert.Equal(Enumerable.Range(1, 37).Select(i => (long)i), numbers);
        }
    }
}

public sealed class ShuffledRowReaderTests
{
    private static Dataset Rows(int n, int d = 2) =>
        new(Enumerable.Range(0, n * d).Select(i => (float)i).ToArray(), n, d, Enumerable.Range(0, n).Select(i => i % 3).ToArray());

    private static List<long> Order(Dataset data, int capacity, ulong seed, int chunk = 7)
    {
        using var r = new ShuffledRowReader(new DatasetRowReader(data), capacity, seed);
        var order = new List<long>(); var numbers = new List<long>(); var labels = new List<string>();
        var buf = new float[chunk * data.FeatureCount];
        int n;
        while ((n = r.Read(buf, chunk, labels, numbers)) > 0)
            for (int i = 0; i < n; i++)
            {
                int row = (int)numbers[i] - 1;
                Assert.Equal(data.Row(row).ToArray(), buf.AsSpan(i * data.FeatureCount, data.FeatureCount).ToArray());   // values travel with the row
                Assert.Equal(data.LabelText(row), labels[i]);
                order.Add(numbers[i]);
            }
        return order;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(1000)]
    public void EveryRowOnce_SameSeedSameOrder(int capacity)
    {
        var data = Rows(500);
        var a = Order(data, capacity, 42);
        Assert.Equal(Enumerable.Range(1, 500).Select(i => (long)i), a.Order());
        Assert.Equal(a, Order(data, capacity, 42, chunk: 64));   // the order does not depend on the read size
        if (capacity == 1) Assert.Equal(Enumerable.Range(1, 500).Select(i => (long)i), a);
        else Assert.NotEqual(a, Order(data, capacity, 43));
    }

    [Fact]
    public void NotAFullShuffle_ARowMovesForwardByLessThanTheCapacity()
    {
        var data = Rows(2000);
        int k = 50;
        var order = Order(data, k, 7);
        for (int pos = 0; pos < order.Count; pos++)
            Assert.True(order[pos] - 1 - pos <= k - 1, $"row {order[pos]} emitted at position {pos}, more than K-1 = {k - 1} places early");
        // and with a buffer of the whole file the first rows out come from all over it
        var full = Order(data, 2000, 7);
        Assert.True(full.Take(20).Max() > 1000);
    }
}
