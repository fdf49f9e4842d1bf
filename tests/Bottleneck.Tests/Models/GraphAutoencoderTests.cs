using Bottleneck.Anomaly;
using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Models.Graph;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Tests.Models;

/// <summary>GAE and VGAE learn link prediction on a small graph with communities, with both losses and without features.</summary>
public class GraphAutoencoderTests
{
    /// <summary>120 nodes in 4 communities of 30, about 4 edges per node, 90 % inside the community; features = noisy one-hot community.</summary>
    internal static GraphData Communities(ulong seed = 1, bool features = true)
    {
        const int n = 120, c = 30;
        var rng = new Rng(seed);
        var u = new List<int>(); var v = new List<int>();
        var seen = new HashSet<long>();
        for (int i = 0; i < n; i++)
            for (int t = 0; t < 4; t++)
            {
                int j = rng.NextDouble() < 0.9 ? i / c * c + rng.NextInt(c) : rng.NextInt(n);
                if (j == i || !seen.Add(GraphData.Key(Math.Min(i, j), Math.Max(i, j), n))) continue;
                u.Add(Math.Min(i, j)); v.Add(Math.Max(i, j));
            }
        float[]? x = null;
        if (features)
        {
            x = new float[n * 8];
            for (int i = 0; i < n; i++) { x[i * 8 + i / c] = 1; x[i * 8 + 4 + rng.NextInt(4)] = 1; }
        }
        return new GraphData(Enumerable.Range(0, n).Select(i => i.ToString()).ToArray(), "communities", u.ToArray(), v.ToArray(), x, features ? 8 : 0);
    }

    private static LinkPredictionReport Train(GraphData g, GraphConfig config, int epochs = 200)
    {
        var split = EdgeSplit.Create(g, 1);
        var model = new GraphAutoencoder(config, new Rng(2));
        var result = new Trainer(new TrainingOptions(epochs: epochs, batchSize: 1, learningRate: 0.01f)).Fit(model, GraphSource.Training(g, split), null, new FitContext());
        Assert.True(result.History[^1].TrainLoss < result.History[0].TrainLoss, $"loss {result.History[0].TrainLoss} → {result.History[^1].TrainLoss}");
        return LinkPrediction.Evaluate(model, g, split).Test;
    }

    [Theory]
    [InlineData(false, GraphReconstruction.Dense)]
    [InlineData(true, GraphReconstruction.Dense)]
    [InlineData(false, GraphReconstruction.Sampled)]
    [InlineData(true, GraphReconstruction.Sampled)]
    public void LearnsToRankHeldOutEdgesAboveNonEdges(bool variational, GraphReconstruction loss)
    {
        var g = Communities();
        var r = Train(g, new GraphConfig(8, g.Nodes, [16], 8, variational, reconstruction: loss));
        Assert.True(r.RocAuc > 0.8, $"test ROC-AUC {r.RocAuc}");
        Assert.True(r.AveragePrecision > 0.75, $"test AP {r.AveragePrecision}");
    }

    [Fact]
    public void SparseFeaturesGiveTheDenseStepsLossAndGradients()
    {
        // Given two-hot features (25 % non-zero: dense by default), when the step runs on them and on their sparse copy
        var g = Communities();
        var dense = GraphBatch.Create(g.Nodes, g.Features, 8, (g.U, g.V));
        Assert.Null(dense.SparseFeatures);
        var sparse = dense with { SparseFeatures = CsrMatrix.FromDense(g.Features, g.Nodes, 8) };
        var onePercent = new float[100 * 50];
        for (int i = 0; i < 100; i++) onePercent[i * 50 + i % 50] = 1;
        Assert.NotNull(GraphBatch.Create(100, onePercent, 50, ([0], [1])).SparseFeatures);
        var model = new GraphAutoencoder(new GraphConfig(8, g.Nodes, [16], 8, variational: true), new Rng(4));
        float[] Run(GraphBatch b, out float loss)
        {
            foreach (var p in model.Parameters()) p.ClearGrad();
            var o = model.Step(b, StepContext.ForTraining(1, 0, new Rng(5)));
            o.Loss.Backward();
            loss = o.Loss.Item();
            return model.Parameters().SelectMany(p => p.Grad!.ToArray()).ToArray();
        }
        var gs = Run(sparse, out float ls);
        var gd = Run(dense, out float ld);
        Assert.Equal(ld, ls, 5);
        for (int i = 0; i < gd.Length; i++) Assert.True(Math.Abs(gd[i] - gs[i]) <= 1e-5 + 1e-4 * Math.Abs(gd[i]), $"gradient {i}: {gs[i]} vs {gd[i]}");
    }

    [Fact]
    public void FeaturelessGraphsUseIdentityFeatures()
    {
        var g = Communities(features: false);
        var r = Train(g, new GraphConfig(g.Nodes, g.Nodes, [16], 8, identityFeatures: true));
        Assert.True(r.RocAuc > 0.75, $"test ROC-AUC {r.RocAuc}");
        var wrong = Assert.Throws<ShapeException>(() => new GraphAutoencoder(new GraphConfig(50, 50, identityFeatures: true), new Rng(0))
            .Encode(GraphBatch.Create(g.Nodes, null, 0, (g.U, g.V))));
        Assert.Contains("120 nodes", wrong.Message);
    }

    [Fact]
    public void SampledNegativesAvoidTheGraphsEdgesAndEncodeGivesOneCodePerNode()
    {
        var g = Communities();
        var batch = GraphBatch.Create(g.Nodes, g.Features, 8, (g.U, g.V));
        var (u, v) = GraphAutoencoder.SampleNegatives(batch, 500, new Rng(3));
        Assert.All(Enumerable.Range(0, 500), k => { Assert.True(u[k] < v[k]); Assert.DoesNotContain(GraphData.Key(u[k], v[k], g.Nodes), batch.EdgeKeys); });
        var model = new GraphAutoencoder(new GraphConfig(8, g.Nodes, [16], 8), new Rng(0));
        Assert.Equal([g.Nodes, 8], model.Encode(batch).ShapeToArray());
        Assert.Throws<ArgumentException>(() => model.Step(new OtherBatch(), StepContext.Evaluation));
    }

    [Fact]
    public void ConfigRejectsBadValuesAndChoosesTheLossBySize()
    {
        Assert.Equal(GraphReconstruction.Dense, new GraphConfig(4, GraphConfig.DenseLimit).Reconstruction);
        Assert.Equal(GraphReconstruction.Sampled, new GraphConfig(4, GraphConfig.DenseLimit + 1).Reconstruction);
        Assert.Equal(1f / 50, new GraphConfig(4, 50, variational: true).KlWeight);
        Assert.Contains("latent must be ≥ 1", Assert.Throws<ArgumentOutOfRangeException>(() => new GraphConfig(4, 10, latent: 0)).Message);
        Assert.Contains("must equal nodes", Assert.Throws<ArgumentOutOfRangeException>(() => new GraphConfig(4, 10, identityFeatures: true)).Message);
        Assert.Contains("nodes must be ≥ 2", Assert.Throws<ArgumentOutOfRangeException>(() => new GraphConfig(4, 1)).Message);
    }

    private sealed record OtherBatch : Batch
    {
        public override int Count => 1;
    }
}
