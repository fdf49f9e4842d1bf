using Bottleneck.Models;
using Bottleneck.Models.Registry;
using Bottleneck.Models.Sequence;
using Bottleneck.NN;
using Bottleneck.Optim;
using Bottleneck.Tensors;
using static Bottleneck.Tests.Models.ModelTestUtil;

namespace Bottleneck.Tests.Models;

/// <summary>The lstm and gru kinds: the ECG peer's PyTorch model, decoders, pooling, masks and config files.</summary>
public class SequenceAutoencoderTests
{
    private static SequenceAutoencoder Build(string kind, SequenceConfig config, ulong seed = 1) =>
        (SequenceAutoencoder)ModelRegistry.Create(config with { Kind = kind }, new Rng(seed));

    private static Tensor Sines(int n, int t, int f, ulong seed)
    {
        var rng = new Rng(seed);
        var x = Tensor.Zeros(n, t, f);
        for (int i = 0; i < n; i++)
        {
            float phase = rng.Uniform(0f, 6.283f), freq = rng.Uniform(0.2f, 0.6f);
            for (int s = 0; s < t; s++)
                for (int c = 0; c < f; c++) x[i, s, c] = MathF.Sin(freq * s + phase + c);
        }
        return x;
    }

    [Fact]
    public void TheEcgPeersPyTorchLstmAutoencoderLoadsAndReconstructsTheSame()
    {
        // Given the PyTorch LstmAE of ../shared/peers/ecg_ae.py with its state dict renamed to our entries
        var peer = TorchFixture.Load("recurrent.json").GetProperty("peer_lstm_ae");
        int steps = peer.GetProperty("steps").GetInt32();
        var model = Build("lstm", new SequenceConfig(steps, 1, peer.GetProperty("latent").GetInt32(), hidden: peer.GetProperty("hidden").GetInt32()));
        model.LoadStateDict(peer.GetProperty("state").EnumerateObject().ToDictionary(p => p.Name, p => TorchFixture.Array(p.Value)));
        model.Eval();
        // When it encodes and reconstructs the same beats
        var (shape, data) = TorchFixture.Array(peer.GetProperty("input"));
        var x = Tensor.FromArray(data, shape[0], steps, 1);
        // Then code and reconstruction are PyTorch's
        TorchFixture.AssertClose("code", NoGrad(() => model.Encode(x)), TorchFixture.Array(peer.GetProperty("code")));
        TorchFixture.AssertClose("reconstruction", NoGrad(() => model.Reconstruct(x)), TorchFixture.Array(peer.GetProperty("reconstruction")));
    }

    [Fact]
    public void StateDictEntriesUsePyTorchsRecurrentNames()
    {
        var model = Build("gru", new SequenceConfig(5, 2, 3, hidden: 4, layers: 2, bidirectional: true));
        var names = model.StateDict().Select(e => e.Name).ToList();
        Assert.Contains("encoder.rnn.weight_ih_l0", names);
        Assert.Contains("encoder.rnn.weight_hh_l1_reverse", names);
        Assert.Contains("encoder.to_latent.weight", names);
        Assert.Contains("decoder.rnn.bias_hh_l1", names);
        Assert.DoesNotContain("decoder.rnn.weight_ih_l0_reverse", names);   // the decoder runs forward only
        Assert.Equal([12, 8], model.StateDict().First(e => e.Name == "encoder.rnn.weight_ih_l1").Value.ShapeToArray()); // 3H × D·H
        Assert.Equal([3, 8], model.StateDict().First(e => e.Name == "encoder.to_latent.weight").Value.ShapeToArray());
    }

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void AutoregressiveDecoderTrainsWithTeacherForcingAndScoresFreeRunning(string kind)
    {
        // Given an autoregressive model
        var model = Build(kind, new SequenceConfig(8, 2, 3, hidden: 6, decoder: SequenceDecoder.Autoregressive));
        var x = Sines(4, 8, 2, 3);
        var decoder = (AutoregressiveDecoder)model.Decoder;
        using var _ = Bottleneck.Autograd.GradMode.NoGrad();
        var z = model.Encode(x);
        // When it decodes with teacher forcing and free running
        var forced = decoder.TeacherForced(z, x).ToArray();
        var free = decoder.Forward(z).ToArray();
        // Then the first step (fed x_{-1} = 0 in both) agrees, later steps differ (they see other previous values)
        for (int i = 0; i < 4; i++)
            for (int c = 0; c < 2; c++)
                Assert.Equal(forced[i * 16 + c], free[i * 16 + c], 5);
        Assert.NotEqual(forced[2 * 2 + 1], free[2 * 2 + 1]);
        // and a training step uses teacher forcing while evaluation equals Reconstruct (free running)
        var train = model.Step(new RowBatch(x), StepContext.ForTraining(0, 0, new Rng(1)));
        Assert.Equal(forced, train.Logits.ToArray());
        Assert.Equal(NoGrad(() => model.Reconstruct(x)), model.Compute(x).Reconstruction.ToArray());
    }

    [Theory]
    [InlineData("lstm", SequenceDecoder.Repeat)]
    [InlineData("gru", SequenceDecoder.Autoregressive)]
    public void TrainingLowersTheReconstructionErrorOfSines(string kind, SequenceDecoder decoder)
    {
        // Given sine waves and a small model
        var model = Build(kind, new SequenceConfig(12, 1, 4, hidden: 16, decoder: decoder, pooling: SequencePooling.Mean));
        var x = Sines(16, 12, 1, 5);
        var adam = new Adam(model.Parameters(), lr: 1e-2f);
        float before = model.Compute(x).Loss.Item();
        // When it takes 150 Adam steps
        for (int i = 0; i < 150; i++)
        {
            adam.ZeroGrad();
            model.Step(new RowBatch(x), StepContext.ForTraining(0, i, new Rng((ulong)i))).Loss.Backward();
            adam.Step();
        }
        // Then the (free-running) evaluation loss fell to under a quarter
        float after = model.Compute(x).Loss.Item();
        Assert.True(after < before / 4, $"loss {before} -> {after}");
    }

    [Fact]
    public void MaskedPaddingStepsChangeNeitherTheCodeNorTheLoss()
    {
        // Given sequences of 4 real steps padded to 7, a mask that keeps the real steps, mean pooling over time
        var model = Build("lstm", new SequenceConfig(7, 2, 3, hidden: 5, pooling: SequencePooling.Mean));
        var x = Sines(3, 7, 2, 9);
        var mask = Tensor.Zeros(3, 7, 2);
        for (int i = 0; i < 3; i++) for (int s = 0; s < 4; s++) for (int c = 0; c < 2; c++) mask[i, s, c] = 1f;
        var other = x.Clone();
        for (int i = 0; i < 3; i++) for (int s = 4; s < 7; s++) for (int c = 0; c < 2; c++) other[i, s, c] = 100f + s;
        // When the padded values change
        var a = model.Step(new RowBatch(x, Mask: mask), StepContext.Evaluation);
        var b = model.Step(new RowBatch(other, Mask: mask), StepContext.Evaluation);
        // Then code and loss are the same, and the mask does matter for unmasked data
        Assert.Equal(a.Latent.ToArray(), b.Latent.ToArray());
        Assert.Equal(a.Loss.Item(), b.Loss.Item());
        Assert.NotEqual(a.Loss.Item(), model.Step(new RowBatch(other), StepContext.Evaluation).Loss.Item());
    }

    [Fact]
    public void ConfigRoundTripsThroughJsonAndValidates()
    {
        var config = new SequenceConfig(140, 3, 16, hidden: 32, layers: 2, bidirectional: true, pooling: SequencePooling.Mean,
            decoder: SequenceDecoder.Autoregressive, dropout: 0.2f, output: Likelihood.BoundedGaussian) with { Kind = "gru" };
        var back = (SequenceConfig)ModelRegistry.FromJson("gru", ModelRegistry.ToJson(config));
        Assert.Equal(config, back);
        Assert.Equal([140, 3], back.InputShape);
        Assert.Contains("gru (140, 3) -> 16 -> (140, 3), 2 layers of 32, bidirectional encoder, mean pooling, autoregressive decoder", back.Describe());
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SequenceConfig(140, 1, 16, hidden: 0));
        Assert.Equal("hidden", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequenceConfig(140, 1, 16, dropout: 1f));
    }
}
