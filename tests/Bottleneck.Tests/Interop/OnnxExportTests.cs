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
        var result = OnnxTestKit.Check([.. Enum.GetValues<OnnxPart>().Select(part => OnnxExporter.Export(saved, part))]);
        Skip.If(result is null, "python3-onnx not installed (/usr/bin/python3 -c 'import onnx' fails)");
        Assert.True(result == "", result);
    }

    [SkippableFact]
    public void GivenASpatialConvCode_WhenExported_ThenThePaddingAndCropAreInTheGraph()
    {
        // 28×28 is not a multiple of the total stride 8: PadToMultiple pads to 32×32, CropTo crops the reconstruction back
        var mnist = SharedData.Find("mnist");
        var rows = mnist is not null && File.Exists(Path.Combine(mnist, "t10k-images-idx3-ubyte.gz"))
            ? IdxLoader.LoadMnist(mnist, "test").Subset(Enumerable.Range(0, 32).ToArray()) : DemoDataset.Generate(32, 4);
        var config = new Bottleneck.Models.Conv.ConvConfig(1, 28, 28, [4, 4, 8], 3, 2, latent: null, latentChannels: 2);
        var (saved, _) = OnnxTestKit.Fit(config, rows, ScalingKind.None, epochs: 0);
        OnnxTestKit.AssertAllPartsMatch(saved, rows);
    }

    [Fact]
    public void GivenAConvolutionalVae_WhenExported_ThenTheCodeIsTheConvPosteriorMean()
    {
        var rows = SharedData.Find("mnist") is { } mnist && File.Exists(Path.Combine(mnist, "t10k-images-idx3-ubyte.gz"))
            ? IdxLoader.LoadMnist(mnist, "test").Subset(Enumerable.Range(0, 32).ToArray()) : DemoDataset.Generate(32, 6);
        var config = new Bottleneck.Models.Variational.VariationalConfig(784, [], 4, convolutional: new ConvBackbone(1, 28, 28, [4, 8]));
        var (saved, _) = OnnxTestKit.Fit(config, rows, ScalingKind.None, epochs: 0);
        OnnxTestKit.AssertAllPartsMatch(saved, rows);
    }

    [Theory]
    [InlineData("cvae")]
    [InlineData("ssvae")]
    public void GivenAConditionalKind_WhenExported_ThenTheLabelIsASecondInput(string kindName)
    {
        // MNIST digits (or demo glyphs) with their labels, 10 classes; ssvae rows with label −1 take the classifier's argmax
        var rows = SharedData.Find("mnist") is { } mnist && File.Exists(Path.Combine(mnist, "t10k-images-idx3-ubyte.gz"))
            ? IdxLoader.LoadMnist(mnist, "test").Subset(Enumerable.Range(0, 40).ToArray()) : DemoDataset.Generate(40, 8);
        var config = new Bottleneck.Models.Variational.VariationalConfig(784, [32], 4, classes: 10, semiSupervised: kindName == "ssvae",
            datasetSize: rows.Rows) { Kind = kindName };
        var (saved, _) = OnnxTestKit.Fit(config, rows, ScalingKind.None, epochs: 0);
        var model = (Bottleneck.Models.Variational.VariationalAutoencoder)saved.Model;
        var labels = rows.Labels!.Select((l, i) => kindName == "ssvae" && i % 3 == 0 ? -1 : l).ToArray();
        var x = Tensor.FromArray(rows.Features, rows.Rows, 784);
        var batch = new RowBatch(x, Labels: labels);
        var codes = model.Encode(batch);
        var rec = model.Reconstruct(batch);
        var resolved = model.ResolveLabels(x, labels)!;
        var label = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<long>(labels.Select(l => (long)l).ToArray(), [rows.Rows]);
        var input = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(rows.Features, [rows.Rows, 784]);

        var full = OnnxTestKit.Run(OnnxExporter.Export(saved, OnnxPart.Full), [
            Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("input", input),
            Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor(Bottleneck.Models.Variational.VariationalAutoencoder.OnnxLabelInput, label)]);
        OnnxTestKit.AssertClose("code", codes.Span, full["code"]);
        OnnxTestKit.AssertClose("reconstruction", rec.Span, full["reconstruction"]);

        var known = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<long>(resolved.Select(l => (long)l).ToArray(), [rows.Rows]);
        var decoder = OnnxTestKit.Run(OnnxExporter.Export(saved, OnnxPart.Decoder), [
            Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("code", new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(codes.ToArray(), [rows.Rows, codes.Dim(1)])),
            Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor(Bottleneck.Models.Variational.VariationalAutoencoder.OnnxLabelInput, known)]);
        OnnxTestKit.AssertClose("decoder", model.LikelihoodHead.Mean(model.DecodeLogits(codes, resolved)).Span, decoder["reconstruction"]);
        Assert.Throws<OnnxExportException>(() => OnnxExporter.Export(saved, OnnxPart.Score));
    }

    [Fact]
    public void GivenAKindWithoutAMapping_WhenExported_ThenTheErrorNamesTheLayerOrKind()
    {
        // a ladder latent has no ONNX mapping: the message names the kind and the latent layer
        var kind = ModelRegistry.Get("hvae");
        var model = ModelRegistry.Create(kind.Example(kind.ExampleShape), new Rng(1));
        var saved = new Bottleneck.ModelFiles.SavedModel(model, new PreprocessorState(ScalingKind.None, [], []), null, [], null, "test");
        var e = Assert.Throws<OnnxExportException>(() => OnnxExporter.Export(saved));
        Assert.Contains("hvae", e.Message);
        Assert.Contains("LadderLatent", e.Message);
    }
}

/// <summary>Every registered kind, on real rows of its sample shape: it exports and ONNX Runtime matches every part, or the export fails
/// with an <see cref="OnnxExportException"/> that names the kind or the layer.</summary>
public class OnnxEveryKindTests
{
    private static Dataset? RowsFor(int[] shape)
    {
        switch (shape.Length)
        {
            case 1:
                return SharedData.Find("odds/cardio.csv") is { } cardio
                    ? CsvLoader.Load(cardio, new CsvOptions(LabelColumn: "label")).Subset(Enumerable.Range(0, 300).ToArray()) : null;
            case 3:
                return SharedData.Find("mnist") is { } mnist && File.Exists(Path.Combine(mnist, "t10k-images-idx3-ubyte.gz"))
                    ? IdxLoader.LoadMnist(mnist, "test").Subset(Enumerable.Range(0, 32).ToArray()) : null;
            default:
                if (SharedData.Find("ecg5000/ECG5000_TRAIN.tsv") is not { } ecg) return null;
                var all = CsvLoader.Load(ecg, new CsvOptions(HasHeader: false, Delimiter: "\t"));
                int n = 32, t = all.FeatureCount - 1;   // column 0 is the class
                var x = new float[n * t];
                for (int i = 0; i < n; i++) all.Features.AsSpan(i * all.FeatureCount + 1, t).CopyTo(x.AsSpan(i * t));
                return new Dataset(x, n, t, source: ecg);
        }
    }

    private static int[] RealShape(int[] exampleShape) => exampleShape.Length switch { 1 => [21], 3 => [1, 28, 28], _ => [140, 1] };

    [SkippableFact]
    public void EveryRegisteredKindExportsOrNamesWhatDoesNotMap()
    {
        var exported = new List<string>();
        var refused = new List<string>();
        var files = new List<byte[]>();
        foreach (var kind in ModelRegistry.All)
        {
            var shape = RealShape(kind.ExampleShape);
            var rows = RowsFor(shape);
            Skip.If(rows is null, $"the real rows for the {kind.Name} kind are not in ../shared/data");
            var config = kind.Example(shape);
            // the flat kinds are fitted for an epoch (batch-norm statistics, pretraining); the others keep their initial weights
            var (saved, _) = OnnxTestKit.Fit(config, rows, config.Likelihood.MeanInUnitInterval ? ScalingKind.MinMax : ScalingKind.Standardize,
                epochs: shape.Length == 1 ? 1 : 0);
            if (saved.Model.ConditionsOnLabels)
            {
                // cvae and ssvae take a label input: GivenAConditionalKind_WhenExported_ThenTheLabelIsASecondInput checks them
                OnnxExporter.Export(saved);
                exported.Add(kind.Name + " (label input)");
                continue;
            }
            try { OnnxExporter.Export(saved); }
            catch (OnnxExportException e)
            {
                refused.Add($"{kind.Name}: {e.Message}");
                Assert.True(e.Message.Contains(kind.Name, StringComparison.Ordinal) || e.Message.Contains("layer", StringComparison.Ordinal), e.Message);
                continue;
            }
            try { OnnxTestKit.AssertAllPartsMatch(saved, rows); }
            catch (Exception e) { throw new Xunit.Sdk.XunitException($"{kind.Name}: {e.Message}"); }
            exported.Add(kind.Name);
            files.Add(OnnxExporter.Export(saved));
        }
        // the ONNX checker (full check) accepts every exported kind's graph, where python3-onnx is installed
        var check = OnnxTestKit.Check([.. files]);
        Assert.True(check is null or "", check);
        Assert.Subset(exported.ToHashSet(), new HashSet<string> { "dense", "sparse", "denoising", "contractive", "stacked", "linear", "conv", "vae" });
        Console.WriteLine($"exported: {string.Join(", ", exported)}\nrefused:\n  {string.Join("\n  ", refused)}");
    }
}

/// <summary>The sequence kinds' options that change the ONNX graph: pooling, layers, bidirectional encoder, autoregressive decoder
/// (unrolled), variational code, bounded output.</summary>
public class OnnxSequenceTests
{
    [SkippableFact]
    public void GivenSequenceVariantsOnEcgRows_WhenExported_ThenOnnxRuntimeMatchesEveryPart()
    {
        var path = SharedData.Find("ecg5000/ECG5000_TRAIN.tsv");
        Skip.If(path is null, "ECG5000 data not found (../shared/data/ecg5000)");
        var all = CsvLoader.Load(path, new CsvOptions(HasHeader: false, Delimiter: "\t"));
        int n = 48, t = 40;   // the first 40 steps of each series keep the unrolled autoregressive graph small
        var x = new float[n * t];
        for (int i = 0; i < n; i++) all.Features.AsSpan(i * all.FeatureCount + 1, t).CopyTo(x.AsSpan(i * t));
        var rows = new Dataset(x, n, t, source: path);
        var variants = new (string Name, ModelConfig Config)[]
        {
            ("lstm, 2 layers, bidirectional, mean pooling, variational", new Bottleneck.Models.Sequence.SequenceConfig(t, 1, 4, hidden: 8, layers: 2,
                bidirectional: true, pooling: Bottleneck.Models.Sequence.SequencePooling.Mean, variational: true)),
            ("lstm, autoregressive, tanh-mse", new Bottleneck.Models.Sequence.SequenceConfig(t, 1, 3, hidden: 6, layers: 2,
                decoder: Bottleneck.Models.Sequence.SequenceDecoder.Autoregressive, output: Likelihood.BoundedGaussian)),
            ("gru, autoregressive, bidirectional", new Bottleneck.Models.Sequence.SequenceConfig(t, 1, 3, hidden: 6, bidirectional: true,
                decoder: Bottleneck.Models.Sequence.SequenceDecoder.Autoregressive) { Kind = "gru" }),
            ("transformer, 2 layers, 2 heads, masked-autoencoder training", new Bottleneck.Models.Sequence.TransformerConfig(t, 1, 4, dModel: 8, heads: 2,
                layers: 2, feedforward: 16, maskRatio: 0.25f)),
            ("tcn, variational, widening blocks", new Bottleneck.Models.Sequence.TcnConfig(t, 1, 3, [4, 6], 3, [1, 2, 4], variational: true)),
        };
        var files = new List<byte[]>();
        foreach (var (name, config) in variants)
        {
            var (saved, _) = OnnxTestKit.Fit(config, rows, config.Likelihood.MeanInUnitInterval ? ScalingKind.MinMax : ScalingKind.Standardize, epochs: 1);
            try { OnnxTestKit.AssertAllPartsMatch(saved, rows); }
            catch (Exception e) { throw new Xunit.Sdk.XunitException($"{name}: {e.Message}"); }
            files.Add(OnnxExporter.Export(saved, OnnxPart.Score));
        }
        var check = OnnxTestKit.Check([.. files]);
        Assert.True(check is null or "", check);
    }
}
