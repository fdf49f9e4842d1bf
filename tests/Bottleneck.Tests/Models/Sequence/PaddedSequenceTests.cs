using Bottleneck.Anomaly;
using Bottleneck.Autograd;
using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Models.Registry;
using Bottleneck.Models.Sequence;
using Bottleneck.Tensors;
using Bottleneck.Tests.Data;
using Bottleneck.Training;

namespace Bottleneck.Tests.Models.Sequence;

/// <summary>Variable-length sequences (sequences:FILE:pad): padding plus the batch mask changes nothing a model computes.</summary>
public class PaddedSequenceTests
{
    private static readonly int[] Lengths = [7, 3, 10, 5];

    /// <summary>Four sequences of lengths 7, 3, 10, 5, padded to 10 with <paramref name="padValue"/>.</summary>
    private static Dataset Ragged(float padValue = 0f)
    {
        var rng = new Rng(11);
        var x = new float[Lengths.Length * 10];
        for (int i = 0; i < Lengths.Length; i++)
            for (int t = 0; t < 10; t++)
                x[i * 10 + t] = t < Lengths[i] ? MathF.Sin(0.7f * t + i) + rng.Uniform(-0.2f, 0.2f) : padValue;
        return new Dataset(x, Lengths.Length, 10) { Sequence = new SequenceShape(10, 1), StepCounts = (int[])Lengths.Clone() };
    }

    private static Dictionary<string, (int[], float[])> State(Bottleneck.NN.Module m) =>
        m.StateDict().ToDictionary(e => e.Name, e => (e.Value.ShapeArray, e.Value.ToArray()));

    [Theory]
    [InlineData("lstm", SequencePooling.Last, SequenceDecoder.Repeat)]
    [InlineData("lstm", SequencePooling.Mean, SequenceDecoder.Repeat)]
    [InlineData("gru", SequencePooling.Last, SequenceDecoder.Autoregressive)]
    public void ARaggedBatchScoresAndLosesExactlyWhatEachRowDoesAlone(string kind, SequencePooling pooling, SequenceDecoder decoder)
    {
        // Given a recurrent model for T = 10 (its weights do not depend on T) and the same weights in models for each row's own length
        var model = ModelRegistry.Create(new SequenceConfig(10, 1, 3, hidden: 6, pooling: pooling, decoder: decoder) with { Kind = kind }, new Rng(3));
        var data = Ragged();
        // When the ragged rows are scored together, padded and masked
        var scores = new AnomalyScorer(model).Score(data);
        var batch = new RowSource(data, [10, 1]).LoadRows([0, 1, 2, 3]);
        float batchLoss;
        using (GradMode.NoGrad()) batchLoss = model.Step(batch, StepContext.Evaluation).Loss.Item();
        // Then each score and the batch loss equal those of every row on its own, unpadded
        double lossSum = 0;
        for (int i = 0; i < Lengths.Length; i++)
        {
            int l = Lengths[i];
            var alone = ModelRegistry.Create(new SequenceConfig(l, 1, 3, hidden: 6, pooling: pooling, decoder: decoder) with { Kind = kind }, new Rng(99));
            alone.LoadStateDict(State(model));
            var row = data.Features.AsSpan(i * 10, l).ToArray();
            Assert.Equal(new AnomalyScorer(alone).Score(new Dataset(row, 1, l) { Sequence = new SequenceShape(l, 1) })[0], scores[i], 5);
            using (GradMode.NoGrad()) lossSum += alone.Step(new RowBatch(Tensor.FromArray(row, 1, l, 1)), StepContext.Evaluation).Loss.Item();
        }
        Assert.Equal(lossSum / Lengths.Length, batchLoss, 4);   // per sample, summed over the real values, averaged over the batch
    }

    [Theory]
    [InlineData("lstm")]
    [InlineData("transformer")]
    [InlineData("tcn")]
    public void WhatThePaddingHoldsChangesNoScoreNoCodeAndNoLoss(string kind)
    {
        ModelConfig config = kind switch
        {
            "transformer" => new TransformerConfig(10, 1, 3, dModel: 8, heads: 2, layers: 1),
            "tcn" => new TcnConfig(10, 1, 3, [4], 3, [1, 2]),
            _ => new SequenceConfig(10, 1, 3, hidden: 6),
        };
        var model = ModelRegistry.Create(config, new Rng(5));
        var zeros = Ragged(0f);
        var junk = Ragged(123.5f);
        Assert.Equal(new AnomalyScorer(model).Score(zeros), new AnomalyScorer(model).Score(junk));
        Assert.Equal(Batching.Encode(model, zeros), Batching.Encode(model, junk));
        Assert.Equal(Bottleneck.Evaluation.ReconstructionEvaluator.Evaluate(model, zeros).Mse, Bottleneck.Evaluation.ReconstructionEvaluator.Evaluate(model, junk).Mse);
        var bz = new RowSource(zeros, [10, 1]).LoadRows([0, 1, 2, 3]);
        var bj = new RowSource(junk, [10, 1]).LoadRows([0, 1, 2, 3]);
        using var _ = GradMode.NoGrad();
        Assert.Equal(model.Step(bz, StepContext.Evaluation).Loss.Item(), model.Step(bj, StepContext.Evaluation).Loss.Item());
        // and without the step counts the junk would count: the check above can fail
        var unmasked = new Dataset(junk.Features, junk.Rows, 10) { Sequence = junk.Sequence };
        Assert.NotEqual(new AnomalyScorer(model).Score(zeros), new AnomalyScorer(model).Score(unmasked));
    }

    [Fact]
    public void PerStepErrorsCoverTheRealStepsOnlyAndAverageToTheScore()
    {
        var model = ModelRegistry.Create(new SequenceConfig(10, 1, 3, hidden: 6), new Rng(6));
        var data = Ragged();
        var scorer = new AnomalyScorer(model);
        var scores = scorer.Score(data);
        var errors = StepErrors.Compute(scorer, data);
        for (int i = 0; i < Lengths.Length; i++)
        {
            var row = errors.AsSpan(i * 10, 10);
            Assert.Equal(scores[i], row[..Lengths[i]].ToArray().Average(), 5);
            Assert.All(row[Lengths[i]..].ToArray(), e => Assert.Equal(0f, e));
        }
        var w = new StringWriter();
        StepErrors.WriteCsv(w, errors, 10, 1, null, Lengths);
        Assert.Equal(1 + Lengths.Sum(), w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void KindsThatCannotIgnorePaddingAreRefusedWithAClearMessage()
    {
        var data = Ragged();
        var bidirectional = ModelRegistry.Create(new SequenceConfig(10, 1, 3, hidden: 4, bidirectional: true), new Rng(1));
        var dense = ModelRegistry.Create(new Bottleneck.Models.Dense.DenseConfig(10, [4], 2), new Rng(1));
        Assert.False(dense.IgnoresPadding);
        Assert.True(ModelRegistry.Create(new TcnConfig(10, 1, 3, [4], 3, [1, 2]), new Rng(1)).IgnoresPadding);
        foreach (var m in new[] { bidirectional })
        {
            Assert.False(m.IgnoresPadding);
            Assert.Contains("cannot ignore padded steps", Assert.Throws<ArgumentException>(() => RowSource.For(m, data, "training data")).Message);
            Assert.Contains("cannot ignore padded steps", Assert.Throws<ArgumentException>(() => new AnomalyScorer(m).Score(data)).Message);
        }
        var vae = ModelRegistry.Create(new SequenceConfig(10, 1, 3, hidden: 4, variational: true), new Rng(1));
        Assert.Contains("one length", Assert.Throws<ArgumentException>(() => new AnomalyScorer(vae, ReconstructionError.Mahalanobis).Score(data)).Message);
    }

    [Theory]
    [InlineData(ReconstructionError.Kl)]
    [InlineData(ReconstructionError.NegElbo)]
    [InlineData(ReconstructionError.ReconstructionProbability)]
    public void VariationalScoresOfPaddedRowsEqualThoseOfEachRowAlone(ReconstructionError error)
    {
        // Given an LSTM-VAE for T = 10 and the same weights in models for each row's own length
        var model = ModelRegistry.Create(new SequenceConfig(10, 1, 3, hidden: 6, variational: true), new Rng(3));
        var data = Ragged();
        var together = new AnomalyScorer(model, error).Score(data);
        for (int i = 0; i < Lengths.Length; i++)
        {
            int l = Lengths[i];
            var alone = ModelRegistry.Create(new SequenceConfig(l, 1, 3, hidden: 6, variational: true), new Rng(99));
            alone.LoadStateDict(State(model));
            var row = data.Features.AsSpan(i * 10, l).ToArray();
            float expected = new AnomalyScorer(alone, error).Score(new Dataset(row, 1, l) { Sequence = new SequenceShape(l, 1) })[0];
            // When row i is scored padded to 10 steps in a batch of its own (the draws z ~ q(z | x) are then the same as alone)
            var padded = new float[10];
            row.CopyTo(padded, 0);
            var one = new Dataset(padded, 1, 10) { Sequence = new SequenceShape(10, 1), StepCounts = [l] };
            // Then its score is the row's alone: the code ignores the padding and the reconstruction term sums over its l real steps
            Assert.Equal(expected, new AnomalyScorer(model, error).Score(one)[0], 4);
            // and in the ragged batch the KL (no draws) is the same as alone too
            if (error == ReconstructionError.Kl) Assert.Equal(expected, together[i], 4);
        }
    }

    [Theory]
    [InlineData("lstm", ReconstructionError.NegElbo)]
    [InlineData("tcn", ReconstructionError.NegElbo)]
    [InlineData("tcn", ReconstructionError.ReconstructionProbability)]
    public void WhatThePaddingHoldsChangesNoVariationalScore(string kind, ReconstructionError error)
    {
        ModelConfig config = kind == "tcn" ? new TcnConfig(10, 1, 3, [4], 3, [1, 2], variational: true) : new SequenceConfig(10, 1, 3, hidden: 6, variational: true);
        var model = ModelRegistry.Create(config, new Rng(5));
        var zeros = Ragged(0f);
        var junk = Ragged(123.5f);
        var scorer = new AnomalyScorer(model, error);
        var contribZeros = new float[zeros.Features.Length];
        var contribJunk = new float[junk.Features.Length];
        var a = new float[zeros.Rows];
        var b = new float[zeros.Rows];
        scorer.Score(zeros.Features, a, contribZeros, zeros.StepCounts);
        scorer.Score(junk.Features, b, contribJunk, junk.StepCounts);
        Assert.Equal(a, b);
        Assert.Equal(contribZeros, contribJunk);
        // the padding's contributions are 0, and the reconstruction-term shares of a row sum to its score less its KL
        var kl = new AnomalyScorer(model, ReconstructionError.Kl).Score(zeros);
        for (int i = 0; i < Lengths.Length; i++)
        {
            Assert.All(contribZeros.AsSpan(i * 10 + Lengths[i], 10 - Lengths[i]).ToArray(), c => Assert.Equal(0f, c));
            float rec = contribZeros.AsSpan(i * 10, 10).ToArray().Sum();
            Assert.Equal(a[i], rec + (error == ReconstructionError.NegElbo ? kl[i] : 0), 3);
        }
    }

    [Fact]
    public void PadSpecLoadsRaggedRowsWithTheirLengthsAndScalesOnRealStepsOnly()
    {
        // Given a ragged UCR-style file with the class last
        using var dir = new TempDir();
        var path = dir.Write("ragged.txt", "1 2 3 a\n4 5 b\n6 7 8 9 10 a\n");
        // When it loads with :pad
        var spec = DataSpec.Parse($"sequences:{path}:label=last:pad");
        Assert.Equal($"sequences:{path}:label=last:pad", spec.ToString());
        Assert.True(DataSpec.Parse($"sequences:{path}:pad:label=last").Pad);
        var d = spec.Load();
        // Then rows are post-padded with zeros to the longest, each keeps its length and label, subsets keep both
        Assert.Equal(new SequenceShape(5, 1), d.Sequence);
        Assert.Equal([3, 2, 5], d.StepCounts!);
        Assert.Equal([1f, 2, 3, 0, 0, 4, 5, 0, 0, 0, 6, 7, 8, 9, 10], d.Features);
        Assert.Equal(["a", "b"], d.ClassNames!);
        Assert.Equal([5, 3], d.Subset([2, 0]).StepCounts!);
        // and scaling is fitted on the 10 real values only (mean 5.5), never on the padding zeros
        var pre = SequenceScaling.Fit(d, ScalingKind.Standardize);
        var real = new double[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
        double sd = Math.Sqrt(real.Select(v => (v - 5.5) * (v - 5.5)).Average());
        Assert.Equal((float)((1 - 5.5) / sd), pre.Transform(d).Features[0], 5);
        Assert.Equal([3, 2, 5], pre.Transform(d).StepCounts!);
        // without :pad the ragged file is still an error that names the option
        Assert.Contains("add :pad to the spec", Assert.Throws<DataException>(() => DataSpec.Parse($"sequences:{path}:label=last").Load()).Message);
    }

    [Fact]
    public void PaddingToTheModelsLengthKeepsRowsAndRefusesLongerOnes()
    {
        var d = Ragged();
        var longer = SequencePadding.PadTo(d, 12);
        Assert.Equal(new SequenceShape(12, 1), longer.Sequence);
        Assert.Equal(Lengths, longer.StepCounts!);
        Assert.Equal(d.Features.AsSpan(20, 10).ToArray(), longer.Features.AsSpan(24, 10).ToArray());
        Assert.Equal(0f, longer.Features[12 + 7]);
        var e = Assert.Throws<DataException>(() => SequencePadding.PadTo(d, 8));
        Assert.Contains("row 3 has 10 steps, the model takes at most 8", e.Message);
        var notPadded = new Dataset(new float[20], 2, 10) { Sequence = new SequenceShape(10, 1) };
        Assert.Contains("add :pad", Assert.Throws<DataException>(() => SequencePadding.PadTo(notPadded, 12)).Message);
        Assert.Throws<ArgumentException>(() => new Dataset(new float[20], 2, 10) { Sequence = new SequenceShape(10, 1), StepCounts = [10, 11] });
    }

    [SkippableFact]
    public void RealEcgBeatsCutToDifferentLengthsScoreAsEachBeatAlone()
    {
        // Given 12 real ECG5000 beats, each cut to its own length (40–139 samples) and written as a ragged UCR file
        var ecg = SharedData.Find("ecg5000/ECG5000_TRAIN.txt");
        Skip.If(ecg == null, "shared/data/ecg5000 not present");
        var full = SequenceLoader.Load(ecg!, "0");
        using var dir = new TempDir();
        var lengths = Enumerable.Range(0, 12).Select(i => 40 + (i * 37) % 100).ToArray();
        var lines = Enumerable.Range(0, 12).Select(i => full.Labels![i].ToString(System.Globalization.CultureInfo.InvariantCulture) + " " +
            string.Join(" ", full.Row(i)[..lengths[i]].ToArray().Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))));
        var path = dir.Write("ecg-ragged.txt", string.Join("\n", lines) + "\n");
        // When it is read with :pad and scored by an lstm for the longest length, with the scaling fitted on the real steps
        var data = DataSpec.Parse($"sequences:{path}:label=0:pad").Load();
        Assert.Equal(lengths, data.StepCounts!);
        Assert.Equal(lengths.Max(), data.Sequence!.Steps);
        var pre = SequenceScaling.Fit(data, ScalingKind.Standardize);
        var prepared = pre.Transform(data);
        var model = ModelRegistry.Create(new SequenceConfig(data.Sequence.Steps, 1, 4, hidden: 8), new Rng(2));
        var scores = new AnomalyScorer(model).Score(prepared);
        // Then each beat's score is that of the beat alone in a model of its own length with the same weights
        for (int i = 0; i < 12; i += 3)
        {
            int l = lengths[i];
            var alone = ModelRegistry.Create(new SequenceConfig(l, 1, 4, hidden: 8), new Rng(7));
            alone.LoadStateDict(State(model));
            var row = prepared.Features.AsSpan(i * data.Sequence.Steps, l).ToArray();
            Assert.Equal(new AnomalyScorer(alone).Score(new Dataset(row, 1, l) { Sequence = new SequenceShape(l, 1) })[0], scores[i], 4);
        }
    }
}
