using Bottleneck.Evaluation;

namespace Bottleneck.Tests.Evaluation;

/// <summary><see cref="VariationalEvaluator.SpreadRows"/>: the rows whose codes are compared with the prior sample the whole data, not its first rows.</summary>
public class SpreadRowsTests
{
    [Fact]
    public void TheRowsAreSpreadEvenlyOverTheWholeData()
    {
        // Given MNIST's test set size and the evaluator's 2,000 rows
        var rows = VariationalEvaluator.SpreadRows(10000, VariationalEvaluator.MmdRows);
        // Then every fifth row is taken, half from each half of the set (its two writer populations)
        Assert.Equal(2000, rows.Length);
        Assert.Equal([0, 5, 10], rows[..3]);
        Assert.Equal(9995, rows[^1]);
        Assert.Equal(1000, rows.Count(r => r >= 5000));
        Assert.Equal(rows.Length, rows.Distinct().Count());
    }

    [Theory]
    [InlineData(64, 2000)]
    [InlineData(7, 7)]
    [InlineData(0, 5)]
    public void WithNoMoreRowsThanWantedEveryRowIsTakenInOrder(int n, int m) =>
        Assert.Equal(Enumerable.Range(0, n), VariationalEvaluator.SpreadRows(n, m));

    [Fact]
    public void AnUnevenRatioStillGivesDistinctIncreasingRows()
    {
        var rows = VariationalEvaluator.SpreadRows(10, 4);
        Assert.Equal([0, 2, 5, 7], rows);
        Assert.Throws<ArgumentOutOfRangeException>(() => VariationalEvaluator.SpreadRows(-1, 3));
    }
}
