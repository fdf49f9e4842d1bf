using System.Text.Json;
using Bottleneck.Anomaly;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Anomaly;

/// <summary>ErrorGaussian (Malhotra et al. 2016's Gaussian of reconstruction errors with a Ledoit–Wolf covariance): a hand-computed
/// case, scikit-learn's LedoitWolf (Fixtures/sklearn/make_error_gaussian_fixtures.py), and bad input.</summary>
public class ErrorGaussianTests
{
    [Fact]
    public void Full_TwoDimensionalErrors_MatchHandComputation()
    {
        // Given 8 error vectors around μ = (1, 2): centred rows (2,2)×3, (−2,−2)×3, (1,−1), (−1,1)
        float[] rows = [3, 4, -1, 0, 2, 1, 0, 3, 3, 4, -1, 0, 3, 4, -1, 0];
        // When the Gaussian is fitted
        var g = ErrorGaussian.Fit(rows, 2);
        // Then, by hand: S = (1/8)·[[26, 22], [22, 26]] = [[3.25, 2.75], [2.75, 3.25]], m = tr S / 2 = 3.25, ‖S‖²_F = 36.25,
        // Σᵢ‖xᵢ‖⁴/N = (6·64 + 2·4)/8 = 49, β = (49 − 36.25)/(2·8) = 0.796875, δ = ‖S − 3.25·I‖²_F / 2 = 7.5625, α = β/δ
        double alpha = 0.796875 / 7.5625;
        Assert.Equal(alpha, g.Shrinkage, 12);
        Assert.Equal(1.0, g.Mean[0], 12);
        Assert.Equal(2.0, g.Mean[1], 12);
        // Σ = (1 − α)·S + α·m·I (+ the floor 1e-6·m on the diagonal): diagonal a = 3.25, off-diagonal b = 2.75·(1 − α)
        double a = 3.25 * (1 + ErrorGaussian.VarianceFloor), b = 2.75 * (1 - alpha);
        Assert.Equal(a, g.Covariance[0], 10);
        Assert.Equal(b, g.Covariance[1], 10);
        Assert.Equal(b, g.Covariance[2], 10);
        // e = (4, 3): δ = (3, 1); Σ⁻¹ = [[a, −b], [−b, a]] / (a² − b²); d² = (9a − 6b + a)/(a² − b²) ≈ 3.93337 (sklearn: 3.93336913)
        double det = a * a - b * b;
        double v0 = (3 * a - b) / det, v1 = (a - 3 * b) / det;
        var shares = new float[2];
        double d2 = g.Score([4f, 3f], shares);
        Assert.Equal((10 * a - 6 * b) / det, d2, 9);
        Assert.Equal(3.93336913, d2, 4);
        // each element's share (eⱼ − μⱼ)·[Σ⁻¹(e − μ)]ⱼ, summing to d²; the second is negative: its error is explained by the first's
        Assert.Equal(3 * v0, shares[0], 5);
        Assert.Equal(1 * v1, shares[1], 5);
        Assert.True(shares[1] < 0);
        Assert.Equal(d2, shares[0] + shares[1], 5);
        // the mean itself is at distance 0
        Assert.Equal(0, g.Score([1f, 2f]), 12);
    }

    [Fact]
    public void Diagonal_NormalisesEachElementByItsOwnTrainingSpread()
    {
        // Given errors whose first element varies by ±1 around 2 and whose second varies by ±10 around 1
        float[] rows = [1, -9, 3, -9, 1, 11, 3, 11];
        var g = ErrorGaussian.Fit(rows, 2, ErrorCovariance.Diagonal);
        Assert.Equal(0, g.Shrinkage);
        Assert.Equal(1 + 50.5e-6, g.Covariance[0], 12);      // variance 1 + the floor 1e-6·(1 + 100)/2
        Assert.Equal(100 + 50.5e-6, g.Covariance[1], 10);
        // When e = (4, 21): z = (2/1, 20/10)
        var shares = new float[2];
        double d2 = g.Score([4f, 21f], shares);
        // Then d² = 2² + 2² = 8 and each element's share is its own z² (both large errors count the same)
        Assert.Equal(8, d2, 3);
        Assert.Equal(4, shares[0], 3);
        Assert.Equal(4, shares[1], 3);
    }

    public static IEnumerable<object[]> SklearnCases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.Fixture("sklearn", "error_gaussian_fixtures.json")));
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray()) yield return [c.GetProperty("name").GetString()!];
    }

    [Theory]
    [MemberData(nameof(SklearnCases))]
    public void Full_MatchesScikitLearnsLedoitWolf(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.Fixture("sklearn", "error_gaussian_fixtures.json")));
        var c = doc.RootElement.GetProperty("cases").EnumerateArray().First(e => e.GetProperty("name").GetString() == name);
        static double[] D(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();
        int d = c.GetProperty("dimension").GetInt32();
        var errors = D(c.GetProperty("errors")).Select(v => (float)v).ToArray();
        var g = ErrorGaussian.Fit(errors, d);
        Assert.Equal(c.GetProperty("shrinkage").GetDouble(), g.Shrinkage, 9);
        var mean = D(c.GetProperty("mean"));
        for (int j = 0; j < d; j++) Assert.Equal(mean[j], g.Mean[j], 9);
        var cov = D(c.GetProperty("covariance"));
        double scale = cov.Max(Math.Abs);
        for (int k = 0; k < d * d; k++)
            Assert.True(Math.Abs(cov[k] - g.Covariance[k]) <= 2e-6 * scale, $"{name}: Σ[{k / d}, {k % d}] = {g.Covariance[k]}, sklearn {cov[k]}");
        var queries = D(c.GetProperty("queries")).Select(v => (float)v).ToArray();
        var expected = D(c.GetProperty("distances"));
        var scores = new float[expected.Length];
        var shares = new float[queries.Length];
        g.Score(queries, scores, shares);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - scores[i]) <= 1e-4 * expected[i], $"{name}: d² of query {i} = {scores[i]}, sklearn {expected[i]}");
            Assert.Equal(scores[i], shares.AsSpan(i * d, d).ToArray().Sum(), 2);
        }
    }

    [Fact]
    public void Fit_AnElementThatNeverVaries_StaysFinite()
    {
        // the second element is 0 in every training vector (a step that is always reconstructed exactly)
        float[] rows = [1, 0, 2, 0, 3, 0, 4, 0];
        // diagonal: only the floor 1e-6·(tr S / D) keeps its variance above 0, so any error there is far off
        var diagonal = ErrorGaussian.Fit(rows, 2, ErrorCovariance.Diagonal);
        double normal = diagonal.Score([2.5f, 0f]), odd = diagonal.Score([2.5f, 0.1f]);
        Assert.True(double.IsFinite(odd) && odd > 1000, $"diagonal: {normal} vs {odd}");
        // full: the Ledoit–Wolf shrinkage lends it part of the mean variance, so Σ is invertible and the same error counts, less
        var full = ErrorGaussian.Fit(rows, 2);
        Assert.InRange(full.Shrinkage, 0.01, 1);
        double fullNormal = full.Score([2.5f, 0f]), fullOdd = full.Score([2.5f, 0.1f]);
        Assert.True(double.IsFinite(fullOdd) && fullOdd > fullNormal, $"full: {fullNormal} vs {fullOdd}");
    }

    [Fact]
    public void Fit_BadInput_IsRefusedWithTheReason()
    {
        Assert.Contains("at least 2 samples", Assert.Throws<ArgumentException>(() => ErrorGaussian.Fit([1f, 2f], 2)).Message);
        Assert.Contains("not whole vectors of 2", Assert.Throws<ArgumentException>(() => ErrorGaussian.Fit([1f, 2f, 3f], 2)).Message);
        Assert.Contains("must be ≥ 1", Assert.Throws<ArgumentException>(() => ErrorGaussian.Fit([1f], 0)).Message);
        Assert.Contains("error 1 of sample 1 is NaN", Assert.Throws<ArgumentException>(() => ErrorGaussian.Fit([1f, 2f, 3f, float.NaN], 2)).Message);
        var g = ErrorGaussian.Fit([1f, 2f, 3f, 5f], 2);
        Assert.Contains("fitted on 2", Assert.Throws<ArgumentException>(() => g.Score([1f, 2f, 3f])).Message);
    }
}
