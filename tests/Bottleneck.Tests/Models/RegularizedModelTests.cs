using System.Text.Json;
using Bottleneck.Autograd;
using Bottleneck.Data;
using Bottleneck.Evaluation;
using Bottleneck.ModelFiles;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.Models.Pca;
using Bottleneck.NN;
using Bottleneck.Optim;
using Bottleneck.Tensors;
using Bottleneck.Tests.Data;
using Bottleneck.Training;
using MathNet.Numerics.LinearAlgebra;
using Bottleneck.Models.Registry;

namespace Bottleneck.Tests.Models;

/// <summary>The regularized kinds: registry contract, configs, corruptions, denoising evaluation, stacked training, PCA.</summary>
public class RegularizedModelTests
{

    private static Dataset Data(int rows, int d, ulong seed = 1)
    {
        var rng = new Rng(seed);
        var f = new float[rows * d];
        rng.FillUniform(f, 0.05f, 0.95f);
        return new Dataset(f, rows, d, labels: Enumerable.Range(0, rows).Select(i => i % 2).ToArray());
    }

    [Fact]
    public void Config_json_names_the_regularizer_and_corruption()
    {
        var c = new DenseConfig(8, [6], 4, latentActivation: Activation.Sigmoid, regularizer: new Contractive(0.2f, ContractiveMethod.RandomProjection, 2),
            corruption: new SaltAndPepperNoise(0.1f, -1f, 1f), pretraining: new GreedyPretraining(3, new MaskingNoise(0.25f)));
        var text = ModelRegistry.ToJson(c).GetRawText();
        Assert.Contains("\"type\": \"contractive\"", text);
        Assert.Contains("\"method\": \"random-projection\"", text);
        Assert.Contains("\"type\": \"salt-and-pepper\"", text);
        Assert.Contains("\"type\": \"masking\"", text);
        var back = (DenseConfig)ModelRegistry.FromJson("dense", JsonDocument.Parse(text).RootElement);
        Assert.Equal(c, back);
        Assert.Equal(new Contractive(0.2f, ContractiveMethod.RandomProjection, 2), back.Regularizer);
        Assert.Equal(new SaltAndPepperNoise(0.1f, -1f, 1f), back.Corruption);
        // an old dense config without the new entries still loads, as "dense"
        var old = ModelRegistry.FromJson("dense", JsonDocument.Parse("""{"inputDim": 4, "hidden": [3], "latentDim": 2}""").RootElement);
        Assert.Equal("dense", old.Kind);
    }

    [Fact]
    public void Invalid_configurations_are_rejected_with_clear_messages()
    {
        var e = Assert.Throws<ArgumentException>(() => new DenseConfig(8, [], 4, latentActivation: Activation.Relu, regularizer: new SparsityKl(0.05f, 1f)));
        Assert.Contains("sigmoid", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SparsityKl(1.5f, 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SparsityL1(-1f));
        Assert.Contains("batchNorm", Assert.Throws<ArgumentException>(() => new DenseConfig(8, [6], 4, batchNorm: true, regularizer: new Contractive(1f))).Message);
        Assert.Throws<ArgumentException>(() => new DenseConfig(8, [6], 4, hiddenActivation: Activation.Gelu, regularizer: new Contractive(1f)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GaussianNoise(-0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MaskingNoise(1.2f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SaltAndPepperNoise(0.1f, 1f, 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PcaConfig(4, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GreedyPretraining(0));
    }

    [Fact]
    public void Corruptions_have_the_documented_statistics_and_leave_the_input_alone()
    {
        var clean = Tensor.Full(0.5f, 200, 100);
        var masked = new MaskingNoise(0.3f).Apply(clean, new Rng(1)).ToArray();
        Assert.InRange(masked.Count(v => v == 0f) / 20000.0, 0.28, 0.32);
        Assert.All(masked, v => Assert.True(v == 0f || v == 0.5f));

        var sp = new SaltAndPepperNoise(0.4f, -1f, 2f).Apply(clean, new Rng(2)).ToArray();
        Assert.InRange(sp.Count(v => v == -1f) / 20000.0, 0.18, 0.22);
        Assert.InRange(sp.Count(v => v == 2f) / 20000.0, 0.18, 0.22);

        var g = new GaussianNoise(0.5f).Apply(clean, new Rng(3)).ToArray();
        double mean = g.Average(), std = Math.Sqrt(g.Select(v => (v - mean) * (v - mean)).Average());
        Assert.InRange(mean, 0.48, 0.52);
        Assert.InRange(std, 0.48, 0.52);
        var clipped = new GaussianNoise(0.5f, 0f, 1f).Apply(clean, new Rng(3)).ToArray();
        Assert.All(clipped, v => Assert.InRange(v, 0f, 1f));
        Assert.All(clean.ToArray(), v => Assert.Equal(0.5f, v));
    }

    [Fact]
    public void Denoising_evaluator_reports_psnr_of_noisy_and_denoised()
    {
        var data = Data(300, 10);
        var pca = new PcaModel(new PcaConfig(10, 10), new Rng(0)).Fit(data);     // full rank: reconstruction = input
        var report = DenoisingEvaluator.Evaluate(pca, data, new GaussianNoise(0.1f), seed: 4);
        Assert.InRange(report.NoisyMse, 0.009, 0.011);
        Assert.InRange(report.NoisyPsnr, 19.6, 20.5);
        Assert.Equal(report.NoisyMse, report.DenoisedMse, 1e-6);
        Assert.Equal(0, report.PsnrGain, 3);
        Assert.Equal(report, DenoisingEvaluator.Evaluate(pca, data, new GaussianNoise(0.1f), seed: 4));
    }

    [Fact]
    public void Trainer_applies_the_configured_corruption()
    {
        var data = Data(64, 8);
        var options = new TrainingOptions(epochs: 1, batchSize: 16, seed: 5);
        double Loss(Corruption? c)
        {
            var m = new DenseAutoencoder(new DenseConfig(8, [], 4, corruption: c), new Rng(1));
            return new Trainer(options).Fit(m, data).History[0].TrainLoss;
        }
        Assert.NotEqual(Loss(null), Loss(new MaskingNoise(0.5f)));
        Assert.Equal(Loss(new MaskingNoise(0.5f)), Loss(new MaskingNoise(0.5f)));
    }

    [Fact]
    public void Sparse_penalty_is_part_of_the_loss()
    {
        var model = new DenseAutoencoder(new DenseConfig(6, [], 9, latentActivation: Activation.Sigmoid, regularizer: new SparsityKl(0.05f, 2f)), new Rng(2));
        var x = Tensor.FromArray(Data(5, 6).Features, 5, 6);
        var o = model.Compute(x);
        float expected = SparsityKl.Kl(o.Latent, 0.05f).Item() * 2f;
        Assert.Equal(expected, o.RegularizationLoss.Item(), 4);
        Assert.Equal(o.ReconstructionLoss.Item() + expected, o.Loss.Item(), 3);
    }

    [Fact]
    public void Stacked_trainer_records_each_stage_and_the_classifier_learns()
    {
        // two classes separated along the first feature
        var rng = new Rng(8);
        int n = 200, d = 10;
        var f = new float[n * d];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = i % 2;
            for (int j = 0; j < d; j++) f[i * d + j] = Math.Clamp((labels[i] == 1 && j < 3 ? 0.75f : 0.25f) + 0.1f * rng.NextNormal(), 0f, 1f);
        }
        var data = new Dataset(f, n, d, labels);
        var config = new DenseConfig(d, [8], 4, Activation.Sigmoid, Activation.Sigmoid, pretraining: new GreedyPretraining(2, new MaskingNoise(0.1f)));
        var model = new DenseAutoencoder(config, new Rng(1));
        var x = Tensor.FromArray(f, n, d);
        float before;
        using (GradMode.NoGrad()) before = model.Compute(x).Loss.Item();
        var result = new GreedyLayerwiseFit(config, new TrainingOptions(epochs: 2, batchSize: 20, learningRate: 1e-2f)).Fit(model, new RowSource(data), null, new FitContext());
        Assert.Equal(["pretrain-1", "pretrain-1", "pretrain-2", "pretrain-2", "finetune", "finetune"], result.History.Select(r => r.Stage));
        float after;
        using (GradMode.NoGrad()) after = model.Compute(x).Loss.Item();
        Assert.True(after < before, $"loss {before} → {after}");

        var classifier = new Classifier(model, 2, new Rng(4));
        var history = SupervisedFineTuning.Fit(classifier, data, new TrainingOptions(epochs: 15, batchSize: 20, learningRate: 1e-2f));
        Assert.All(history, r => Assert.Equal("supervised", r.Stage));
        double accuracy = SupervisedFineTuning.Accuracy(classifier, data);
        Assert.True(accuracy > 0.95, $"accuracy {accuracy}");
        Assert.Same(model.Encoder, classifier.Encoder);
    }

    [Theory]
    [InlineData(300)]   // N ≥ D: covariance eigendecomposition
    [InlineData(12)]    // N < D: thin SVD of the centered data
    public void Pca_fit_is_orthonormal_and_its_error_is_the_discarded_variance(int rows)
    {
        var data = LowRank(rows, 20, 3, seed: 6);
        var pca = new PcaModel(new PcaConfig(20, 3), new Rng(0)).Fit(data);
        var v = Matrix<double>.Build.Dense(3, 20, (i, j) => pca.ComponentsTensor[i, j]);
        var gram = v * v.Transpose();
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) Assert.Equal(i == j ? 1 : 0, gram[i, j], 4);
        var ratio = pca.ExplainedVarianceRatio;
        Assert.True(ratio[0] >= ratio[1] && ratio[1] >= ratio[2] && ratio.Sum() > 0.9 && ratio.Sum() <= 1.0001, string.Join(", ", ratio));
        // squared error per sample = (N−1)/N · (total variance − kept variance)
        double kept = pca.ExplainedVariance.ToArray().Sum(), total = pca.TotalVariance[0];
        var report = ReconstructionEvaluator.Evaluate(pca, data);
        Assert.Equal((rows - 1.0) / rows * (total - kept), report.SquaredErrorPerSample, 3);
    }

    /// <summary>A linear autoencoder trained with squared error spans the PCA subspace and matches its error.</summary>
    [Fact]
    public void Linear_autoencoder_spans_the_pca_subspace()
    {
        const int n = 500, d = 20, k = 3;
        var data = LowRank(n, d, k, seed: 2);
        var pca = new PcaModel(new PcaConfig(d, k), new Rng(0)).Fit(data);
        var ae = new DenseAutoencoder(DenseConfig.Linear(d, k), new Rng(1));
        Assert.Equal("linear", ae.Config.Kind);
        new Trainer(new TrainingOptions(epochs: 150, batchSize: 50, learningRate: 1e-2f, schedule: "cosine", seed: 3)).Fit(ae, data);

        var w = ae.DecoderLinears[0].Weight;                              // (D, k)
        var q1 = Matrix<double>.Build.Dense(d, k, (i, j) => w[i, j]).QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin).Q;
        var q2 = Matrix<double>.Build.Dense(d, k, (i, j) => pca.ComponentsTensor[j, i]);
        double minCos = (q1.Transpose() * q2).Svd(computeVectors: false).S.Minimum();
        double angle = Math.Acos(Math.Min(1, minCos)) * 180 / Math.PI;
        Assert.True(angle < 5, $"largest principal angle {angle:F2}°");

        double aeError = ReconstructionEvaluator.Evaluate(ae, data).SquaredErrorPerSample;
        double pcaError = ReconstructionEvaluator.Evaluate(pca, data).SquaredErrorPerSample;
        Assert.True(aeError >= pcaError * 0.999, $"PCA is optimal: AE {aeError} vs PCA {pcaError}");
        Assert.True(aeError <= pcaError * 1.02, $"AE error {aeError} is more than 2% above PCA's {pcaError}");
    }

    /// <summary>x = μ + z·A + 0.1·ε with z ~ N(0, diag(3², 2², 1.5²…)) of rank <paramref name="rank"/>.</summary>
    private static Dataset LowRank(int n, int d, int rank, ulong seed)
    {
        var rng = new Rng(seed);
        var a = new float[rank * d];
        rng.FillNormal(a, 0f, 1f / MathF.Sqrt(d));
        var mu = new float[d];
        rng.FillUniform(mu, -1f, 1f);
        var f = new float[n * d];
        for (int i = 0; i < n; i++)
        {
            var z = Enumerable.Range(0, rank).Select(r => rng.NextNormal() * (3f - 0.75f * r)).ToArray();
            for (int j = 0; j < d; j++)
            {
                float v = mu[j] + 0.1f * rng.NextNormal();
                for (int r = 0; r < rank; r++) v += z[r] * a[r * d + j];
                f[i * d + j] = v;
            }
        }
        return new Dataset(f, n, d);
    }
}
