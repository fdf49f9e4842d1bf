using Bottleneck.Autograd;
using Bottleneck.Data;
using Bottleneck.Evaluation;
using Bottleneck.Models;
using Bottleneck.Models.Recommendation;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Tests.Models.Recommendation;

/// <summary>AutoRec, Mult-DAE and Mult-VAE: the AutoRec objective, the input normalisation, and learning the toy ratings' two taste groups.</summary>
public class RecommendationKindsTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "ratings", name);

    [Fact]
    public void AutoRecsLossIsThePapersObjectiveDividedByTheRows()
    {
        // Given I-AutoRec over 5 users with λ = 3 and 4 training rows, and a batch of 2 item rows with a mask
        var config = new AutoRecConfig(5, hidden: 3, lambda: 3f, rows: 4);
        var model = RecommendationModels.AutoRec(config, new Rng(1));
        var r = Tensor.FromArray([5f, 0f, 3f, 0f, 1f, 0f, 4f, 0f, 0f, 2f], 2, 5);
        var m = Tensor.FromArray([1f, 0f, 1f, 0f, 1f, 0f, 1f, 0f, 0f, 1f], 2, 5);
        // When computing the loss
        var output = model.Step(new RowBatch(r, null, m), StepContext.Evaluation);
        // Then it is (1/B)·Σ m(r − h(r))² + λ/(2·rows)·(‖V‖² + ‖W‖²), biases not penalised
        var h = model.DecodeLogits(model.Encode(r)).ToArray();
        double se = 0;
        for (int j = 0; j < 10; j++) se += m.Span[j] * Math.Pow(r.Span[j] - h[j], 2);
        var weights = model.NamedParameters().Where(p => p.Name.EndsWith("weight")).Select(p => p.Parameter).ToArray();
        Assert.Equal(2, weights.Length);
        double l2 = weights.Sum(w => w.ToArray().Sum(v => (double)v * v));
        Assert.Equal(se / 2 + 3.0 / (2 * 4) * l2, output.Loss.Item(), 4);
        Assert.Equal(["reconstruction", "weight-penalty"], output.Terms.Select(t => t.Name));
    }

    [Fact]
    public void TheInputIsScaledToUnitLengthPerRow()
    {
        var x = Tensor.FromArray([3f, 4f, 0f, 0f, 0f, 0f], 2, 3);
        var y = new RowNormalize().Forward(x).ToArray();
        Assert.Equal([0.6f, 0.8f, 0f, 0f, 0f, 0f], y);
    }

    [Fact]
    public void IAutoRecLearnsTheToyRatingsBetterThanTheirMean()
    {
        // Given the toy ratings (two taste groups) and I-AutoRec trained with Rprop on the full batch
        var train = RatingMatrix.From(RatingsTable.Load(Fixture("toy.tsv")));
        var test = RatingsTable.Load(Fixture("toy_test.tsv"));
        var model = RecommendationModels.AutoRec(new AutoRecConfig(train.Users.Count, 20, lambda: 1f, rows: train.Items.Count), new Rng(2));
        new Trainer(new TrainingOptions(epochs: 150, batchSize: 1000, optimizer: "rprop", learningRate: 0.01f))
            .Fit(model, RatingRows.For(model, train), null, new FitContext());
        // Then its test RMSE is well below the global mean's
        var report = RecommendationEvaluator.Rmse(model, train, test, 1, 5);
        double mean = train.Values.Average(v => (double)v);
        double meanRmse = Math.Sqrt(test.Rows.Average(x => Math.Pow(x.Value - mean, 2)));
        Assert.True(report.Rmse < 0.6 * meanRmse, $"I-AutoRec test RMSE {report.Rmse:F3}, global mean {meanRmse:F3}");
        Assert.Equal(test.Rows.Count, report.Pairs);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MultModelsRankTheHeldOutClicksOfNewUsersAboveTheirPopularity(bool variational)
    {
        // Given the toy clicks (ratings ≥ 4), 10 users held out and folded in 80/20
        var table = RatingsTable.Load(Fixture("toy.tsv"), new RatingsOptions(ImplicitThreshold: 4));
        var (train, _, test, _) = StrongGeneralization.Split(table, 0, 10, seed: 5);
        var config = new MultConfig(train.Items.Count, [16], 4, variational, dropout: 0.2f, beta: 0.2f,
            klSchedule: variational ? new KlSchedule(KlScheduleKind.Linear, Epochs: 20) : null);
        var model = RecommendationModels.Mult(config, new Rng(3));
        new Trainer(new TrainingOptions(epochs: 60, batchSize: 16, learningRate: 1e-2f, seed: 3)).Fit(model, RatingRows.For(model, train), null, new FitContext());
        var report = RecommendationEvaluator.Ranking(model, test);
        // Then they beat ranking by popularity, which ignores the user's taste group
        var popularity = new float[train.Items.Count];
        foreach (int i in train.ItemIndex) popularity[i]++;
        var shown = test.FoldIn.ItemsByUser();
        var scores = shown.SelectMany(_ => popularity).ToArray();
        var baseline = RankingMetrics.Evaluate(scores, train.Items.Count, shown, test.Scored.ItemsByUser());
        Assert.True(report.NdcgAt100 > baseline.NdcgAt100 + 0.05, $"{config.Kind} NDCG@100 {report.NdcgAt100:F3}, popularity {baseline.NdcgAt100:F3}");
    }

    [Fact]
    public void ConfigsRefuseBadValuesNamingThem()
    {
        Assert.Contains("lambda must be ≥ 0, got -1", Assert.Throws<ArgumentOutOfRangeException>(() => new AutoRecConfig(5, lambda: -1)).Message);
        Assert.Contains("dropout must be in [0, 1), got 1", Assert.Throws<ArgumentOutOfRangeException>(() => new MultConfig(5, dropout: 1f)).Message);
        Assert.Contains("mult-vae", Assert.Throws<ArgumentException>(() => new MultConfig(5, variational: false, klSchedule: new KlSchedule(KlScheduleKind.Linear, Epochs: 2))).Message);
        Assert.Contains("not a recommender", Assert.Throws<ArgumentException>(() => RowLayout.Of(new Bottleneck.Models.Dense.DenseAutoencoder(new Bottleneck.Models.Dense.DenseConfig(4, [], 2), new Rng(1)))).Message);
    }
}
