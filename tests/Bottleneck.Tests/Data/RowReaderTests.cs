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
