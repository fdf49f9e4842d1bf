using Bottleneck.Data;

namespace Bottleneck.Tests.Data;

/// <summary>The ratings: data SPEC, the ratings reader and its errors, id indices, the rating matrix and the strong-generalization split.</summary>
public class RatingsTests
{
    private static string Toy => Path.Combine(AppContext.BaseDirectory, "Fixtures", "ratings", "toy.tsv");

    [Fact]
    public void TheSpecParsesItsOptionsInAnyOrderAndPrintsBack()
    {
        var spec = DataSpec.Parse("ratings:data/u.data:implicit=4:sep=COMMA:scale=1..5");
        Assert.Equal(DataKind.Ratings, spec.Kind);
        Assert.Equal("data/u.data", spec.Path);
        Assert.Equal(new RatingsOptions(RatingsSeparator.Comma, 4f, 1f, 5f), spec.Ratings);
        Assert.Equal("ratings:data/u.data:sep=COMMA:implicit=4:scale=1..5", spec.ToString());
        Assert.Equal(RatingsSeparator.Pipe, DataSpec.Parse("ratings:x.txt:sep=PIPE").Ratings!.Separator);
        Assert.Equal(new RatingsOptions(), DataSpec.Parse("ratings:x.txt").Ratings);
        Assert.Contains("sep= takes TAB, COMMA or PIPE, got \"SEMICOLON\"", Assert.Throws<DataException>(() => DataSpec.Parse("ratings:x:sep=SEMICOLON")).Message);
        Assert.Contains("implicit= needs a number", Assert.Throws<DataException>(() => DataSpec.Parse("ratings:x:implicit=high")).Message);
        Assert.Contains("scale= needs MIN < MAX", Assert.Throws<DataException>(() => DataSpec.Parse("ratings:x:scale=5..1")).Message);
        Assert.Contains("ratings needs a file path", Assert.Throws<DataException>(() => DataSpec.Parse("ratings::implicit=4")).Message);
    }

    [Fact]
    public void TestDataInheritsTheTrainingOptionsItDoesNotGive()
    {
        var training = new RatingsOptions(RatingsSeparator.Comma, 4f, 1f, 5f);
        Assert.Equal(training, new RatingsOptions().Inherit(training));
        Assert.Equal(new RatingsOptions(RatingsSeparator.Pipe, 4f, 1f, 5f), new RatingsOptions(RatingsSeparator.Pipe).Inherit(training));
        Assert.Equal(new RatingsOptions(RatingsSeparator.Tab, 3f, 1f, 5f), new RatingsOptions(ImplicitThreshold: 3f).Inherit(training));
    }

    [Fact]
    public void TheToyFileLoadsWithNumericIdsInNumericOrder()
    {
        var table = RatingsTable.Load(Toy);
        Assert.Equal(813, table.Rows.Count);
        Assert.Equal((1f, 5f), (table.ScaleMin, table.ScaleMax));
        Assert.Equal(880169571L, table.Rows[0].Timestamp);
        var m = RatingMatrix.From(table);
        Assert.Equal(60, m.Users.Count);
        Assert.Equal("1", m.Users.Ids[0]);
        Assert.Equal("10", m.Users.Ids[9]);          // numeric order, not "1", "10", "11", …
        Assert.Equal("101", m.Items.Ids[0]);
        var (values, mask) = m.Dense(byItem: true);  // items × users
        int u = m.Users.IndexOf("1"), i = m.Items.IndexOf("125");
        Assert.Equal(1f, values[i * m.Users.Count + u]);
        Assert.Equal(813f, mask.Sum());
        Assert.Equal(m.Count, m.ItemsByUser().Sum(items => items.Length));
    }

    [Fact]
    public void LoadingTheSpecAsADatasetGivesTheUsersByItemsMatrix()
    {
        var data = DataSpec.Parse($"ratings:{Toy}").Load();
        Assert.Equal((60, 40), (data.Rows, data.FeatureCount));
        Assert.Equal("101", data.FeatureNames![0]);
        Assert.Equal(813, data.Features.Count(v => v != 0));
        Assert.Equal([Toy], DataSpec.Parse($"ratings:{Toy}").Files());
    }

    [Fact]
    public void ImplicitFeedbackKeepsRatingsAtOrAboveTheThresholdAsOnes()
    {
        var table = RatingsTable.Load(Toy, new RatingsOptions(ImplicitThreshold: 4));
        var all = RatingsTable.Load(Toy);
        Assert.Equal(all.Rows.Count(r => r.Value >= 4), table.Rows.Count);
        Assert.Equal(all.Rows.Count(r => r.Value < 4), table.Dropped);
        Assert.All(table.Rows, r => Assert.Equal(1f, r.Value));
    }

    [Fact]
    public void AHeaderLineIsSkippedAndOtherSeparatorsWork()
    {
        using var dir = new TempDir();
        var t = RatingsTable.Load(dir.Write("r.csv", "userId,movieId,rating,timestamp\nu1,m1,3.5,1\nu2,m1,4,2\n"), new RatingsOptions(RatingsSeparator.Comma));
        Assert.Equal(2, t.Rows.Count);
        Assert.Equal(new RatingEntry("u1", "m1", 3.5f, 1), t.Rows[0]);
        var p = RatingsTable.Load(dir.Write("r.psv", "a|x|1\nb|y|2\n"), new RatingsOptions(RatingsSeparator.Pipe));
        Assert.Null(p.Rows[1].Timestamp);
    }

    [Theory]
    [InlineData("1\t2\t3\n1\t3\n", "line 2: expected user<TAB>item<TAB>rating[<TAB>timestamp] (3 or 4 fields), got 2")]
    [InlineData("1,2,3\n", "got 1 field(s); is the separator right?")]
    [InlineData("1\t2\t3\n1\t3\tgood\n", "line 2, column 3 (rating): \"good\" is not a finite number")]
    [InlineData("1\t2\t3\n1\t3\tNaN\n", "line 2, column 3 (rating): \"NaN\" is not a finite number")]
    [InlineData("1\t2\t3\t10\n1\t3\t4\tlater\n", "line 2, column 4 (timestamp): \"later\" is not an integer")]
    [InlineData("1\t2\t3\n\t3\t4\n", "line 2, column 1 (user): empty id")]
    [InlineData("1\t2\t3\n1\t2\t4\n", "line 2: user 1 rated item 2 twice (first on line 1)")]
    [InlineData("1\t2\t3\n1\t3\t6\n", "line 2, column 3 (rating): 6 is outside the declared scale 1..5")]
    [InlineData("\n\n", "the file has no ratings")]
    public void BadFilesAreRefusedNamingTheFileLineAndColumn(string text, string message)
    {
        using var dir = new TempDir();
        string path = dir.Write("bad.tsv", text);
        var e = Assert.Throws<DataException>(() => RatingsTable.Load(path, new RatingsOptions(ScaleMin: 1, ScaleMax: 5)));
        Assert.Contains(path, e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void PairsOutsideTheModelsIdsAreLeftOutAndCounted()
    {
        var train = RatingMatrix.From(RatingsTable.FromRows([new("a", "x", 1), new("b", "y", 2)]));
        var other = RatingsTable.FromRows([new("a", "y", 3), new("c", "x", 4), new("a", "z", 5)]);
        var m = RatingMatrix.From(other, train.Users, train.Items);
        Assert.Equal(1, m.Count);
        Assert.Equal(2, m.UnknownPairs);
        Assert.Equal(-1, train.Users.IndexOf("c"));
    }

    [Fact]
    public void StrongGeneralizationHoldsOutWholeUsersAndFoldsIn80Percent()
    {
        var table = RatingsTable.Load(Toy, new RatingsOptions(ImplicitThreshold: 4));
        var (train, validation, test, _) = StrongGeneralization.Split(table, 5, 10, seed: 3);
        var trainUsers = train.Users.Ids.ToHashSet();
        Assert.Equal(45, trainUsers.Count);
        Assert.DoesNotContain(test.FoldIn.Users.Ids, trainUsers.Contains);
        Assert.DoesNotContain(validation.FoldIn.Users.Ids, trainUsers.Contains);
        Assert.Empty(test.FoldIn.Users.Ids.Intersect(validation.FoldIn.Users.Ids));
        var shown = test.FoldIn.ItemsByUser();
        var scored = test.Scored.ItemsByUser();
        for (int u = 0; u < shown.Length; u++)
        {
            int n = shown[u].Length + scored[u].Length;
            Assert.Empty(shown[u].Intersect(scored[u]));
            if (n < StrongGeneralization.MinItemsToScore) Assert.Empty(scored[u]);
            else Assert.Equal(Math.Min(n - 1, (int)Math.Floor(0.8 * n)), shown[u].Length);
        }
        Assert.Same(train.Items, test.FoldIn.Items);
    }
}
