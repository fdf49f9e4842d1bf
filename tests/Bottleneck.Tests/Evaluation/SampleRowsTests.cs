using Bottleneck.Evaluation;

namespace Bottleneck.Tests.Evaluation;

/// <summary><see cref="VariationalEvaluator.SampleRows"/>: the rows whose codes are compared with the prior are a random sample of the whole data,
/// not its first rows nor every (n/m)-th (MNIST's files are ordered by writer population).</summary>
public class SampleRowsTests
{
    [Fact]
    public void TheRowsAreADistinctSortedSampleOfTheWholeData()
    {
        // Given MNIST's test set size and the evaluator's 2,000 rows
        var rows = VariationalEvaluator.SampleRows(10000, VariationalEvaluator.MmdRows, 7);
        // Then 2,000 distinct rows in increasing order, about half from each half of the set and half of them even
        Assert.Equal(2000, rows.Length);
        Assert.Equal(rows.Length, rows.Distinct().Count());
        Assert.Equal(rows.Order(), rows);
        Assert.InRange(rows.Count(r => r >= 5000), 900, 1100);
        Assert.InRange(rows.Count(r => r % 2 == 0), 900, 1100);   // an even stride would take one parity only
        // and the same seed draws the same rows, another seed others
        Assert.Equal(rows, VariationalEvaluator.SampleRows(10000, 2000, 7));
        Assert.NotEqual(rows, VariationalEvaluator.SampleRows(10000, 2000, 8));
    }

    [Theory]
    [InlineData(64, 2000)]
    [InlineData(7, 7)]
    [InlineData(0, 5)]
    public void WithNoMoreRowsThanWantedEveryRowIsTakenInOrder(int n, int m) =>
        Assert.Equal(Enumerable.Range(0, n), VariationalEvaluator.SampleRows(n, m, 1));

    [Fact]
    public void ANegativeCountIsRefused()
    {
        Assert.Equal("n", Assert.Throws<ArgumentOutOfRangeException>(() => VariationalEvaluator.SampleRows(-1, 3, 0)).ParamName);
        Assert.Equal("m", Assert.Throws<ArgumentOutOfRangeException>(() => VariationalEvaluator.SampleRows(3, -1, 0)).ParamName);
    }
}
