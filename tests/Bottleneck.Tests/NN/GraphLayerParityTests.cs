using System.Text.Json;
using Bottleneck.Losses;
using Bottleneck.Models;
using Bottleneck.Models.Graph;
using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.NN;

/// <summary>
/// The GCN layer, the normalized adjacency and the GAE / VGAE losses against PyTorch 1.13 (Fixtures/torch/graph.json, written
/// by make_graph_fixtures.py from dense matrices, as tkipf/gae computes them).
/// </summary>
public class GraphLayerParityTests
{
    private static readonly JsonElement F = TorchFixture.Load("graph.json");

    private static (int[] U, int[] V) Pairs(string name)
    {
        var p = F.GetProperty(name).EnumerateArray().Select(e => (e[0].GetInt32(), e[1].GetInt32())).ToArray();
        return (p.Select(x => x.Item1).ToArray(), p.Select(x => x.Item2).ToArray());
    }

    private static GraphBatch Graph() =>
        GraphBatch.Create(F.GetProperty("nodes").GetInt32(), TorchFixture.Tensor(F.GetProperty("x")).ToArray(), 5, Pairs("edges"));

    /// <summary>A model with the fixture's weights.</summary>
    private static GraphAutoencoder Model(bool variational)
    {
        var model = new GraphAutoencoder(new GraphConfig(5, 7, [4], 3, variational), new Rng(0));
        var state = new Dictionary<string, (int[], float[])> { ["encoder.0.weight"] = TorchFixture.Array(F.GetProperty("w0")) };
        if (variational)
        {
            state["latent.mu.weight"] = TorchFixture.Array(F.GetProperty("wmu"));
            state["latent.mu.bias"] = TorchFixture.Array(F.GetProperty("bmu"));
            state["latent.log_var.weight"] = TorchFixture.Array(F.GetProperty("wlv"));
            state["latent.log_var.bias"] = TorchFixture.Array(F.GetProperty("blv"));
        }
        else state["output.weight"] = TorchFixture.Array(F.GetProperty("wz"));
        model.LoadStateDict(state);
        return model;
    }

    private static Tensor Grad(AutoencoderModel m, string name) => m.NamedParameters().Single(p => p.Name == name).Parameter.Grad!;

    [Fact]
    public void NormalizedAdjacencyAndGcnForwardBackwardMatchPyTorch()
    {
        var g = Graph();
        TorchFixture.AssertClose("A_norm", g.Adjacency.ToDense(), TorchFixture.Array(F.GetProperty("a_norm")));
        var layer = new GraphConvolution(5, 4, new Rng(0));
        layer.LoadStateDict(new Dictionary<string, (int[], float[])> { ["weight"] = TorchFixture.Array(F.GetProperty("w0")) });
        var y = layer.Forward(g.Adjacency, g.Features!);
        TorchFixture.AssertClose("gcn y", y.Span, TorchFixture.Array(F.GetProperty("gcn").GetProperty("y")));
        (y * TorchFixture.Tensor(F.GetProperty("g"))).Sum().Backward();
        TorchFixture.AssertClose("gcn dW", layer.Weight.Grad!.Span, TorchFixture.Array(F.GetProperty("gcn").GetProperty("grad_w0")));
    }

    [Fact]
    public void GaeLossWithPosWeightAndNormMatchesTheReferenceCode()
    {
        var g = Graph();
        Assert.Equal(F.GetProperty("pos_weight").GetDouble(), g.PosWeight, 5);
        Assert.Equal(F.GetProperty("norm").GetDouble(), g.Norm, 6);
        var model = Model(false);
        var o = model.Step(g, StepContext.Evaluation);
        var e = F.GetProperty("gae");
        TorchFixture.AssertClose("z", o.Latent.Span, TorchFixture.Array(e.GetProperty("z")));
        TorchFixture.AssertClose("logits", o.Logits.Span, TorchFixture.Array(e.GetProperty("logits")));
        Assert.Equal(e.GetProperty("loss").GetDouble(), o.Loss.Item(), 5);
        o.Loss.Backward();
        TorchFixture.AssertClose("dW0", Grad(model, "encoder.0.weight").Span, TorchFixture.Array(e.GetProperty("grad_w0")));
        TorchFixture.AssertClose("dWz", Grad(model, "output.weight").Span, TorchFixture.Array(e.GetProperty("grad_wz")));
    }

    [Fact]
    public void VgaeLossWithTheCoreGaussianLatentMatchesTheReferenceCode()
    {
        // Given the fixture's ε, when the VGAE step is taken through GaussianLatent (β = 1/N), then loss and gradients match
        var g = Graph();
        var model = Model(true);
        var e = F.GetProperty("vgae");
        var gaussian = (GaussianLatent)model.NamedChildren().Single(c => c.Name == "latent").Module;
        var w0 = model.NamedParameters().Single(p => p.Name == "encoder.0.weight").Parameter;
        var h = Tensor.SparseMatMul(g.Adjacency, Tensor.SparseMatMul(g.Adjacency, Tensor.Linear(g.Features!, w0, null)).Relu());
        var sample = gaussian.Sample(h, StepContext.ForTraining(1, 0, new Rng(1)), TorchFixture.Tensor(F.GetProperty("eps")));
        var recon = LinkLoss.DenseAdjacencyBce(sample.Z, g.Targets, g.PosWeight, g.Norm, out _);
        var kl = sample.Terms.Single(t => t.Name == VariationalTerms.Kl).Value;
        Assert.Equal(e.GetProperty("recon").GetDouble(), recon.Item(), 5);
        Assert.Equal(e.GetProperty("kl").GetDouble(), kl.Item(), 6);
        (recon + kl).Backward();
        TorchFixture.AssertClose("mu", gaussian.Code(h).Span, TorchFixture.Array(e.GetProperty("mu")));
        TorchFixture.AssertClose("dW0", w0.Grad!.Span, TorchFixture.Array(e.GetProperty("grad_w0")), 1e-4);
        foreach (var (name, key) in new[] { ("latent.mu.weight", "grad_wmu"), ("latent.mu.bias", "grad_bmu"), ("latent.log_var.weight", "grad_wlv"), ("latent.log_var.bias", "grad_blv") })
            TorchFixture.AssertClose(name, Grad(model, name).Span, TorchFixture.Array(e.GetProperty(key)), 1e-4);
    }

    [Fact]
    public void SampledLossMatchesPyTorchGeometricsReconLoss()
    {
        var g = Graph();
        var model = Model(false);
        var z = model.Step(g, StepContext.Evaluation).Latent;   // grads of the dense loss are discarded below
        foreach (var p in model.Parameters()) p.ClearGrad();
        var e = F.GetProperty("sampled");
        var loss = LinkLoss.SampledBce(z, Pairs("pos"), Pairs("neg"), out var logits);
        Assert.Equal(9, logits.Length);
        Assert.Equal(e.GetProperty("loss").GetDouble(), loss.Item(), 5);
        loss.Backward();
        TorchFixture.AssertClose("dW0", Grad(model, "encoder.0.weight").Span, TorchFixture.Array(e.GetProperty("grad_w0")));
        TorchFixture.AssertClose("dWz", Grad(model, "output.weight").Span, TorchFixture.Array(e.GetProperty("grad_wz")));
    }
}
