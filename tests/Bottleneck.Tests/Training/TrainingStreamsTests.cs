using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Tests.Training;

/// <summary>
/// Statistical checks of the trainer's random streams (<see cref="TrainingStreams"/>): the ε of one epoch is unrelated to the
/// ε of the next, to the order, to the initial weights and to the streams of the neighbouring seed; every row gets a fresh ε
/// every epoch; Box–Muller's normals are N(0, 1) (moments, Kolmogorov–Smirnov, the cos/sin pair independent); the orders of
/// consecutive epochs are unrelated. Each statistic is a z-score (a correlation r over N pairs gives z = r·√N, N(0, 1) for
/// independent streams); the bound is 5, which an independent stream exceeds with probability 6e-7 per check, so with the
/// fixed seeds these tests are deterministic and fail only for a real dependence (a dependence of r = 0.01 over the 60,000
/// pairs checked would give z ≈ 2.4 and pass: the checks catch structural defects, not hair-splitting ones).
/// </summary>
public class TrainingStreamsTests
{
    private const double Bound = 5;

    private static float[] Normals(Rng rng, int n)
    {
        var x = new float[n];
        rng.FillNormal(x);
        return x;
    }

    /// <summary>z = r·√N for Pearson's r of two equally long samples.</summary>
    private static double CorrelationZ(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int n = a.Length;
        double ma = 0, mb = 0;
        for (int i = 0; i < n; i++) { ma += a[i]; mb += b[i]; }
        ma /= n; mb /= n;
        double sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < n; i++)
        {
            double da = a[i] - ma, db = b[i] - mb;
            sab += da * db; saa += da * da; sbb += db * db;
        }
        return sab / Math.Sqrt(saa * sbb) * Math.Sqrt(n);
    }

    [Fact]
    public void EpsilonOfEveryTwoEpochs_AndOfTheShuffleAndNoiseStreams_AreUncorrelated()
    {
        // Given the trainer's streams of seeds 0..3 over 30 epochs (the VAE benchmark's length)
        const int n = 20_000;
        double worst = 0;
        int pairs = 0;
        for (ulong seed = 0; seed < 4; seed++)
        {
            var eps = new float[30][];
            for (int epoch = 1; epoch <= 30; epoch++)
            {
                var (shuffle, noise) = TrainingStreams.ForEpoch(seed, epoch);
                eps[epoch - 1] = Normals(noise, n);
                // When the epoch's ε is set against normals from the epoch's shuffle stream, aligned and shifted by 1..3 draws
                var fromShuffle = Normals(shuffle, n + 3);
                for (int lag = 0; lag <= 3; lag++, pairs += 2)
                {
                    worst = Math.Max(worst, Math.Abs(CorrelationZ(fromShuffle.AsSpan(lag, n), eps[epoch - 1])));
                    worst = Math.Max(worst, Math.Abs(CorrelationZ(fromShuffle.AsSpan(0, n - lag), eps[epoch - 1].AsSpan(lag))));
                }
            }
            // and every epoch's ε against every other epoch's
            for (int a = 0; a < 30; a++)
                for (int b = a + 1; b < 30; b++, pairs++)
                    worst = Math.Max(worst, Math.Abs(CorrelationZ(eps[a], eps[b])));
        }
        // Then no pair of the 2,700 is correlated beyond chance (the largest of 2,700 independent |z| is about 3.9)
        Assert.Equal(2700, pairs);
        Assert.True(worst < Bound, $"largest |z| {worst:F2} over {pairs} stream pairs (bound {Bound})");
    }

    [Fact]
    public void StreamsOfNeighbouringSeeds_AndTheInitStream_AreUncorrelatedWithTheEpsilonStream()
    {
        // Given seeds S and S + 1 (the seeds a user sweeps), S = 0..9
        const int n = 20_000;
        double worst = 0;
        for (ulong seed = 0; seed < 10; seed++)
        {
            // When the initial-weight stream Rng(S) (what the model's constructor draws from) is set against the epochs' ε,
            // and each stream against the same stream of seed S + 1
            var init = Normals(new Rng(seed), n);
            worst = Math.Max(worst, Math.Abs(CorrelationZ(init, Normals(new Rng(seed + 1), n))));
            for (int epoch = 1; epoch <= 5; epoch++)
            {
                var eps = Normals(TrainingStreams.ForEpoch(seed, epoch).Noise, n);
                var order = Normals(TrainingStreams.ForEpoch(seed, epoch).Shuffle, n);
                worst = Math.Max(worst, Math.Abs(CorrelationZ(init, eps)));
                worst = Math.Max(worst, Math.Abs(CorrelationZ(eps, Normals(TrainingStreams.ForEpoch(seed + 1, epoch).Noise, n))));
                worst = Math.Max(worst, Math.Abs(CorrelationZ(order, Normals(TrainingStreams.ForEpoch(seed + 1, epoch).Shuffle, n))));
            }
        }
        // Then none is correlated beyond chance
        Assert.True(worst < Bound, $"largest |z| {worst:F2} over 160 stream pairs (bound {Bound})");
    }

    [Fact]
    public void EveryRowGetsAFreshEpsilonEveryEpoch()
    {
        // Given the trainer's order and ε for 6,000 rows, batches of 128, a 20-wide code, 10 epochs (ε drawn batch after
        // batch in the shuffled order, as GaussianLatent draws it from the step's noise)
        const int rows = 6000, dims = 20, epochs = 10;
        const ulong seed = 7;
        var perRow = new float[epochs][];
        for (int e = 0; e < epochs; e++)
        {
            var (shuffle, noise) = TrainingStreams.ForEpoch(seed, e + 1);
            var order = shuffle.Permutation(rows);
            var eps = Normals(noise, rows * dims);                  // the epoch's steps in order: batch b holds positions 128b..
            perRow[e] = new float[rows * dims];
            for (int p = 0; p < rows; p++)
                eps.AsSpan(p * dims, dims).CopyTo(perRow[e].AsSpan(order[p] * dims, dims));
        }

        // When a row's ε of one epoch is set against its ε of the next
        double worst = 0;
        for (int e = 1; e < epochs; e++) worst = Math.Max(worst, Math.Abs(CorrelationZ(perRow[e - 1], perRow[e])));
        // and each row's mean ε over the epochs is compared with N(0, 1/epochs): Σ (√E·mean)² ~ χ²(rows·dims)
        double chi = 0;
        for (int i = 0; i < rows * dims; i++)
        {
            double m = 0;
            for (int e = 0; e < epochs; e++) m += perRow[e][i];
            chi += m * m / epochs;
        }
        double k = rows * dims, chiZ = (chi - k) / Math.Sqrt(2 * k);

        // Then ε carries nothing over from epoch to epoch, and no row keeps drawing ε of one sign or size
        Assert.True(worst < Bound, $"largest |z| between consecutive epochs' ε of the same rows {worst:F2} (bound {Bound})");
        Assert.True(Math.Abs(chiZ) < Bound, $"χ² of the rows' mean ε: z = {chiZ:F2} (bound {Bound})");
    }

    [Fact]
    public void BoxMullerNormals_HaveTheMomentsAndDistributionOfNZeroOne_AndIndependentPairs()
    {
        // Given 400,000 draws of the noise stream (seed 3, epoch 1)
        const int n = 400_000;
        var x = Normals(TrainingStreams.ForEpoch(3, 1).Noise, n);
        double m1 = 0, m2 = 0, m3 = 0, m4 = 0;
        foreach (var v in x) { m1 += v; m2 += (double)v * v; m3 += (double)v * v * v; m4 += (double)v * v * v * v; }
        m1 /= n; m2 /= n; m3 /= n; m4 /= n;
        // When the moments are standardised by their sampling sd under N(0, 1): mean 1/√N, variance √(2/N), skewness
        // E x³ √(15/N), kurtosis E x⁴ √(96/N)
        double zMean = m1 * Math.Sqrt(n), zVar = (m2 - 1) / Math.Sqrt(2.0 / n), zSkew = m3 / Math.Sqrt(15.0 / n), zKurt = (m4 - 3) / Math.Sqrt(96.0 / n);
        // and the Kolmogorov–Smirnov distance to Φ is scaled by √N (P(√N·D > 1.95) ≈ 0.001)
        var sorted = x.Select(v => (double)v).Order().ToArray();
        double d = 0;
        for (int i = 0; i < n; i++)
        {
            double f = Phi(sorted[i]);
            d = Math.Max(d, Math.Max(Math.Abs(f - (double)i / n), Math.Abs((double)(i + 1) / n - f)));
        }
        // and the two values of one Box–Muller pair (cos, sin of the same radius) and of consecutive draws are set against
        // each other, also squared (a shared radius would correlate the squares)
        var even = new float[n / 2]; var odd = new float[n / 2]; var evenSq = new float[n / 2]; var oddSq = new float[n / 2];
        for (int i = 0; i < n / 2; i++)
        {
            even[i] = x[2 * i]; odd[i] = x[2 * i + 1];
            evenSq[i] = even[i] * even[i]; oddSq[i] = odd[i] * odd[i];
        }
        double zPair = CorrelationZ(even, odd), zPairSq = CorrelationZ(evenSq, oddSq);
        double zLag = CorrelationZ(x.AsSpan(1), x.AsSpan(0, n - 1)), zLagNextPair = CorrelationZ(odd.AsSpan(0, n / 2 - 1), even.AsSpan(1));

        // Then every statistic is within chance
        foreach (var (name, z) in new[] { ("mean", zMean), ("variance", zVar), ("skewness", zSkew), ("kurtosis", zKurt), ("pair", zPair),
                     ("pair squared", zPairSq), ("lag 1", zLag), ("across pairs", zLagNextPair) })
            Assert.True(Math.Abs(z) < Bound, $"{name}: z = {z:F2} (bound {Bound})");
        Assert.True(d * Math.Sqrt(n) < 1.95, $"Kolmogorov–Smirnov √N·D = {d * Math.Sqrt(n):F3} (bound 1.95, p ≈ 0.001)");
    }

    [Fact]
    public void TheOrdersOfConsecutiveEpochs_AreUnrelatedToEachOtherAndToTheRowIndex()
    {
        // Given the trainer's orders of 60,000 rows (MNIST) for 5 epochs of seed 1
        const int rows = 60_000;
        var index = Enumerable.Range(0, rows).Select(i => (float)i).ToArray();
        float[]? previous = null;
        double worst = 0;
        for (int epoch = 1; epoch <= 5; epoch++)
        {
            var order = TrainingStreams.ForEpoch(1, epoch).Shuffle.Permutation(rows);
            var position = new float[rows];                                  // the step position of each row this epoch
            for (int p = 0; p < rows; p++) position[order[p]] = p;
            // When each row's position is set against its index and against its position in the previous epoch (Spearman)
            worst = Math.Max(worst, Math.Abs(CorrelationZ(position, index)));
            if (previous != null) worst = Math.Max(worst, Math.Abs(CorrelationZ(position, previous)));
            previous = position;
        }
        // Then a row seen early in one epoch is not seen early in the next
        Assert.True(worst < Bound, $"largest |z| {worst:F2} (bound {Bound})");
    }

    [Fact]
    public void TheTrainerShufflesWithTheDocumentedStream()
    {
        // Given 300 rows in batches of 64 (the last one 44) and 2 epochs of seed 11
        var data = DemoDataset.Generate(300, 5);
        var model = new DenseAutoencoder(new DenseConfig(784, [8], 2), new Rng(1));
        var source = new RecordingSource(RowSource.For(model, data));

        // When the trainer fits
        new Trainer(new TrainingOptions(epochs: 2, batchSize: 64, seed: 11)).Fit(model, source, null, new FitContext());

        // Then each epoch's order is TrainingStreams.ForEpoch(11, e).Shuffle's permutation (what `bench vae streams
        // --own trainer-order` replays)
        var loaded = source.Batches.SelectMany(b => b).ToArray();
        Assert.Equal(600, loaded.Length);
        for (int e = 1; e <= 2; e++)
            Assert.Equal(TrainingStreams.ForEpoch(11, e).Shuffle.Permutation(300), loaded.Skip(300 * (e - 1)).Take(300));
    }

    /// <summary>Records the row indices of every batch the trainer loads.</summary>
    private sealed class RecordingSource(RowSource inner) : IBatchSource
    {
        public List<int[]> Batches { get; } = [];
        public int Count => inner.Count;
        public string Name => inner.Name;
        public Batch Load(ReadOnlySpan<int> indices)
        {
            Batches.Add(indices.ToArray());
            return inner.Load(indices);
        }
    }

    /// <summary>Φ(x), the standard normal CDF (relative error below 1.2e-7, far under the 1/N = 2.5e-6 steps of the KS distance).</summary>
    private static double Phi(double x) => Bottleneck.Kernels.SpecialFunctions.NormalCdf(x);
}
