using System.Text.Json;
using Bottleneck.Models;
using Bottleneck.Models.Variational;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Models.Variational;

/// <summary>
/// The variational loss terms against PyTorch 1.13 (Fixtures/torch/make_vae_fixtures.py): the same weights, inputs and ε give
/// the same terms and the same gradient for every parameter.
/// </summary>
public class VaeTorchFixtureTests
{
    private static readonly JsonElement Fixture = TorchFixture.Load("vae.json");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Fixture.GetProperty("cases").EnumerateArray()) data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    private static VariationalConfig ConfigFor(string name) => name switch
    {
        "plain" => new VariationalConfig(6, [5], 3),
        "beta-free" => new VariationalConfig(6, [5], 3, beta: 4f, freeBits: 0.3f),
        "capacity" => new VariationalConfig(6, [5], 3, beta: 50f, klSchedule: KlSchedule.Parse("capacity:1.5:10", 30)),
        "tc" => new VariationalConfig(6, [5], 3, beta: 6f, totalCorrelation: true, datasetSize: 1000),
        "mmd-imq" => new VariationalConfig(6, [5], 3, mmdWeight: 3f, mmdKernel: MmdKernel.Imq),
        "mmd-rbf" => new VariationalConfig(6, [5], 3, mmdWeight: 3f, mmdKernel: MmdKernel.Rbf),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void TermsAndGradientsMatchPyTorch(string name)
    {
        var c = Fixture.GetProperty("cases").EnumerateArray().First(e => e.GetProperty("name").GetString() == name);
        var config = ConfigFor(name);
        var model = new VariationalAutoencoder(config, new Rng(1));
        var state = model.StateDict().ToDictionary(e => e.Name, e => e.Value);
        foreach (var p in c.GetProperty("params").EnumerateObject())
            TorchFixture.Array(p.Value).Data.CopyTo(state[p.Name].Span);
        Assert.Equal(c.GetProperty("params").EnumerateObject().Count(), model.Parameters().Count);

        var x = TorchFixture.Tensor(c.GetProperty("x"));
        var eps = TorchFixture.Tensor(c.GetProperty("eps"));
        var context = StepContext.ForTraining(21, 0, new Rng(3)) with { EpochsDone = 20 };  // past the capacity schedule's 10 epochs
        model.Train();
        var h = model.Encoder.Forward(x);
        var latent = model.Gaussian!.Sample(h, context, eps);
        var logits = model.Decoder.Forward(latent.Z);
        var terms = new List<LossTerm> { new(LossTerms.Reconstruction, model.LikelihoodHead.Loss(logits, x)) };
        terms.AddRange(latent.Terms);
        if (config.MmdWeight > 0)
            terms.Add(new LossTerm(VariationalTerms.Mmd, MmdPenalty.Estimate(latent.Z, TorchFixture.Tensor(c.GetProperty("prior")), config.MmdKernel) * config.MmdWeight));
        var expected = c.GetProperty("terms").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
        Assert.Equal(expected.Keys.OrderBy(k => k), terms.Select(t => t.Name).OrderBy(k => k));
        foreach (var t in terms)
            Assert.True(Math.Abs(t.Value.Item() - expected[t.Name]) <= 2e-5 * Math.Max(1, Math.Abs(expected[t.Name])),
                $"{name} {t.Name}: ours {t.Value.Item():G9}, PyTorch {expected[t.Name]:G9}");

        Tensor loss = terms[0].Value;
        foreach (var t in terms.Skip(1)) loss = loss + t.Value;
        foreach (var p in model.Parameters()) p.Grad = null;
        loss.Backward();
        foreach (var g in c.GetProperty("grads").EnumerateObject())
            TorchFixture.AssertClose($"{name} d loss / d {g.Name}", state[g.Name].Grad!.Span, TorchFixture.Array(g.Value), rtol: 1e-4);
    }
}
