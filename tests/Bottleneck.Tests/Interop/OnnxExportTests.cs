using Bottleneck.Data;
using Bottleneck.Interop;
using Bottleneck.Interop.Onnx;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.Models.Registry;
using Bottleneck.NN;
using Bottleneck.Tensors;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Interop;

/// <summary>
/// Every exported part of every exportable kind runs in ONNX Runtime on real rows and matches Bottleneck's encode, reconstruct,
/// decode and detect outputs to 1e-5 relative; the files pass the ONNX checker (skipped where python3-onnx is absent).
/// </summary>
public class OnnxExportTests
{
    private static Dataset? Cardio(int rows = 600)
    {
        var path = SharedData.Find("odds/cardio.csv");
        if (path is null) return null;
        var data = CsvLoader.Load(path, new CsvOptions(LabelColumn: "label"));
        return data.Subset(Enumerable.Range(0, Math.Min(rows, data.Rows)).ToArray());
    }

    /// <summary>The dense family's registered kinds, each with its example config for the cardio width.</summary>
    public static TheoryData<string> DenseFamily => new() { "dense", "sparse", "denoising", "contractive", "stacked", "linear" };

    [SkippableTheory]
    [MemberData(nameof(DenseFamily))]
    public void GivenADenseFamilyKindTrainedOnCardio_WhenExported_ThenOnnxRuntimeMatchesEveryPart(string kind)
    {
        var raw = Cardio();
        Skip.If(raw is null, "ODDS data not found (../shared/data/odds)");
        var config = ModelRegistry.Get(kind).Example([raw.FeatureCount]);
        var (saved, _) = OnnxTestKit.Fit(config, raw, config.Likelihood.DefaultScaling);
        OnnxTestKit.AssertAllPartsMatch(saved, raw);
    }

    /// <summary>Dense variants whose layers differ: batch norm, GELU/ELU/leaky ReLU/softplus, dropout, tied weights, each likelihood.</summary>
    public static TheoryData<string, DenseConfig> DenseVariants(int d) => new()
    {
        { "batch norm, gelu, dropout, tanh-mse", new DenseConfig(d, [16, 8], 4, hiddenActivation: Activation.Gelu, output: Likelihood.BoundedGaussian, batchNorm: true, dropout: 0.2f) },
        { "elu, leaky-relu code, linear-mse", new DenseConfig(d, [12], 5, hiddenActivation: Activation.Elu, latentActivation: Activation.LeakyRelu, output: Likelihood.Gaussian) },
        { "softplus, tanh code, gaussian-nll", new DenseConfig(d, [12], 3, hiddenActivation: Activation.Softplus, latentActivation: Activation.Tanh, output: Likelihood.GaussianLearnedVariance) },
        { "tied weights, sigmoid-bce", new DenseConfig(d, [14, 6], 3, output: Likelihood.Bernoulli, tiedWeights: true) },
    };

    [SkippableFact]
    public void GivenDenseVariants_WhenExported_ThenOnnxRuntimeMatchesEveryPart()
    {
        var raw = Cardio();
        Skip.If(raw is null, "ODDS data not found (../shared/data/odds)");
        foreach (var row in DenseVariants(raw.FeatureCount))
        {
            var (name, config) = ((string)row[0], (DenseConfig)row[1]);
            var scaling = config.Likelihood.MeanInUnitInterval ? ScalingKind.MinMax : config.Likelihood.DefaultScaling;
            var (saved, _) = OnnxTestKit.Fit(config, raw, scaling);
            try { OnnxTestKit.AssertAllPartsMatch(saved, raw); }
            catch (Exception e) { throw new Xunit.Sdk.XunitException($"{name}: {e.Message}"); }
        }
    }

    [Fact]
    public void GivenTheDemoData_WhenADenseModelIsExported_ThenOnnxRuntimeMatchesEveryPart()
    {
        // runs everywhere (the demo glyphs are generated): 784 pixels, min-max scaled, Bernoulli output, BCE score
        var raw = DemoDataset.Generate(300, 11);
        var (saved, _) = OnnxTestKit.Fit(new DenseConfig(784, [32], 8), raw, ScalingKind.MinMax);
        OnnxTestKit.AssertAllPartsMatch(saved, raw);
    }

    [Fact]
    public void GivenAnExportedModel_ThenItDeclaresOpset17ADynamicBatchAndItsMetadata()
    {
        var raw = DemoDataset.Generate(100, 2);
        var (saved, _) = OnnxTestKit.Fit(new DenseConfig(784, [16], 4), raw, ScalingKind.MinMax);
        var model = global::Onnx.ModelProto.Parser.ParseFrom(OnnxExporter.Export(saved, OnnxPart.Score));
        Assert.Equal(17, model.OpsetImport.Single(o => o.Domain == "").Version);
        var input = Assert.Single(model.Graph.Input);
        Assert.Equal("input", input.Name);
        Assert.Equal(OnnxGraph.BatchDim, input.Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(784, input.Type.TensorType.Shape.Dim[1].DimValue);
        Assert.Equal(["score", "flag"], model.Graph.Output.Select(o => o.Name));
        Assert.Equal("bce", model.MetadataProps.Single(p => p.Key == "bottleneck.score").Value);
        Assert.Contains(model.Graph.Initializer, t => t.Name == "encoder.0.weight.T");

        // and a batch of one row runs as well as a batch of many
        var one = OnnxTestKit.Run(OnnxExporter.Export(saved, OnnxPart.Encoder), ("input", raw.Features[..784], 784));
        OnnxTestKit.AssertClose("one row", Bottleneck.Training.Batching.Encode(saved.Model, new Preprocessor(saved.Preprocessing).Transform(raw.Subset([0]))), one["code"]);
    }

    [SkippableFact]
    public void GivenExportedParts_ThenTheOnnxCheckerAcceptsThem()
    {
        var raw = DemoDataset.Generate(100, 3);
        var (saved, _) = OnnxTestKit.Fit(new DenseConfig(784, [16], 4, batchNorm: true, hiddenActivation: Activation.Gelu), raw, ScalingKind.Standardize);
        foreach (var part in Enum.GetValues<OnnxPart>())
        {
            var result = OnnxTestKit.Check(OnnxExporter.Export(saved, part));
            Skip.If(result is null, "python3-onnx not installed (/usr/bin/python3 -c 'import onnx' fails)");
            Assert.True(result == "", $"{part}: {result}");
        }
    }

    [Fact]
    public void GivenAKindWithoutAMapping_WhenExported_ThenTheErrorNamesTheLayerOrKind()
    {
        // a vector-quantized code has no ONNX mapping: the message names the kind and the latent layer
        var kind = ModelRegistry.Get("vq-vae");
        var model = ModelRegistry.Create(kind.Example(kind.ExampleShape), new Rng(1));
        var saved = new Bottleneck.ModelFiles.SavedModel(model, new PreprocessorState(ScalingKind.None, [], []), null, [], null, "test");
        var e = Assert.Throws<OnnxExportException>(() => OnnxExporter.Export(saved));
        Assert.Contains("vq-vae", e.Message);
    }
}
