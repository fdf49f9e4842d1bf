using System.Globalization;
using Bottleneck.Anomaly;
using Bottleneck.Data;
using Bottleneck.Interop.Onnx;
using Bottleneck.IO;
using Bottleneck.ModelFiles;
using Bottleneck.Models;
using Bottleneck.NN;
using Bottleneck.Tensors;
using Google.Protobuf;
using Onnx;
using static Bottleneck.Interop.Onnx.OnnxGraph;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Bottleneck.Interop;

/// <summary>Which part of a saved model an ONNX file holds.</summary>
public enum OnnxPart
{
    /// <summary>Raw rows → <c>code</c> (N, latentDim) and <c>reconstruction</c> (N, D) in the data space: what <c>encode</c> and
    /// <c>reconstruct</c> return.</summary>
    Full,
    /// <summary>Raw rows → <c>code</c> (N, latentDim): what <c>encode</c> returns.</summary>
    Encoder,
    /// <summary><c>code</c> (N, latentDim) → <c>reconstruction</c> (N, D) in the data space (the decoder, the likelihood's mean and the
    /// inverse scaling).</summary>
    Decoder,
    /// <summary>Raw rows → <c>score</c> (N), the reconstruction error per row that <c>detect</c> uses, and, when the model folder has a
    /// saved threshold, <c>flag</c> (N, bool) = score &gt; threshold.</summary>
    Score,
}

/// <summary>
/// Writes a saved model as an ONNX model (opset 17, IR 8, float32, a symbolic batch dimension <c>N</c>) that takes raw rows and returns
/// what Bottleneck's <c>encode</c>, <c>reconstruct</c> and <c>detect</c> return: the preprocessing (the tabular encoding with its one-hot
/// columns, the per-feature scaling) and the likelihood's mean are inside the graph. The file is checked against ONNX Runtime and the
/// ONNX checker in the tests (docs/interop.md).
/// </summary>
/// <remarks>
/// <para>Inputs. Numeric data: <c>input</c> float32 (N, D), one raw row per sample (images and sequences flattened as in CSV/NPY rows;
/// the graph reshapes them to the sample shape). Tabular data (a model trained on CSV with categorical columns): one input per source
/// column, named as the column (<see cref="InputName"/>: <c>column_flag</c> for a column called like an output), shape (N, 1): float64 for numeric columns (NaN = missing, replaced by the saved imputation value when
/// there is one), string for categorical columns (one-hot over the training vocabulary through ai.onnx.ml LabelEncoder; an unseen
/// value, or a missing one without imputation, encodes as all zeros, where Bottleneck's CSV reader would stop with an error naming the
/// row). The decoder part takes <c>code</c> float32 (N, latentDim). A conditional model (cvae, ssvae) also takes <c>label</c>, int64 (N).</para>
/// <para>Outputs: <c>code</c> (N, latentDim); <c>reconstruction</c> (N, D), in the raw data space (tabular: the encoded feature space,
/// as <c>reconstruct</c>); <c>score</c> (N) in the units of the error named in the metadata; <c>flag</c> (N) bool.</para>
/// <para>Each model kind maps through its folder's seam (<c>IOnnxExportable</c>), or, for a composed <see cref="Autoencoder"/> whose
/// encode and decode are not overridden, layer by layer. A layer, latent layer, likelihood or score without an ONNX mapping is an
/// <see cref="OnnxExportException"/> naming it.</para>
/// <para>A residual model (<see cref="AutoencoderParts.Residual"/>, the conv kind's <c>--residual</c>) reconstructs x̃ + decoder(code): the
/// full and score parts add the (scaled) input to the decoder's logits, as <see cref="AutoencoderModel.ReconstructLogits"/> does; its
/// decoder part is refused, since from the code alone it can give only the predicted residual.</para>
/// </remarks>
public static class OnnxExporter
{
    /// <summary>The names of the parts for the command line: full, encoder, decoder, score.</summary>
    public static IReadOnlyList<string> PartNames { get; } = ["full", "encoder", "decoder", "score"];

    /// <summary>Parses a part name ("full", "encoder", "decoder", "score"; case-insensitive).</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the accepted ones.</exception>
    public static OnnxPart ParsePart(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "full" => OnnxPart.Full,
        "encoder" => OnnxPart.Encoder,
        "decoder" => OnnxPart.Decoder,
        "score" => OnnxPart.Score,
        _ => throw new ArgumentException($"unknown part \"{name}\"; use one of {string.Join(", ", PartNames)}"),
    };

    /// <summary>The ONNX model of <paramref name="part"/> of <paramref name="saved"/>, serialized (protobuf bytes).</summary>
    /// <param name="saved">A loaded or trained model folder (preprocessing, tabular encoding and anomaly sections are used).</param>
    /// <param name="part">What to export (default <see cref="OnnxPart.Full"/>).</param>
    /// <exception cref="OnnxExportException">A layer, latent layer, likelihood or score of the model has no ONNX mapping, or the score
    /// part of a conditional model (anomaly scoring does not take labels) or the decoder part of a residual model (its reconstruction
    /// needs the input) was asked for.</exception>
    public static byte[] Export(SavedModel saved, OnnxPart part = OnnxPart.Full) => Build(saved, part).ToByteArray();

    /// <summary>Writes <see cref="Export"/> to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    /// <param name="saved">The model.</param>
    /// <param name="path">The .onnx file, replaced if it exists.</param>
    /// <param name="part">What to export (default <see cref="OnnxPart.Full"/>).</param>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="OnnxExportException">See <see cref="Export"/>.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static long Save(SavedModel saved, string path, OnnxPart part = OnnxPart.Full)
    {
        var bytes = Export(saved, part);
        AtomicFile.WriteAllBytes(path, bytes);
        return bytes.LongLength;
    }

    internal static ModelProto Build(SavedModel saved, OnnxPart part)
    {
        ArgumentNullException.ThrowIfNull(saved);
        var model = saved.Model;
        string kind = model.Config.Kind;
        var exportable = Exportable(model);
        if (model.ConditionsOnLabels && part == OnnxPart.Score)
            throw new OnnxExportException($"a conditional {kind} model is not scored for anomalies (it needs each row's label); export its full, encoder or decoder part");
        if (part == OnnxPart.Decoder && HasSkip(model))
            throw new OnnxExportException($"a residual {kind} model's reconstruction is input + decoder(code), and the decoder part sees only the code " +
                "(its output would be the predicted residual, minus the noise, not a reconstruction); export the full part (input -> code and reconstruction), the encoder or the score");
        bool wasTraining = model.Training;
        model.Eval();
        try
        {
            var names = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
            foreach (var (name, t) in model.StateDict()) names.TryAdd(t, name);
            var g = new OnnxGraph($"bottleneck_{kind}_{part.ToString().ToLowerInvariant()}", names);
            int d = model.InputDim, k = model.LatentDim;
            var pre = saved.Preprocessing;
            var metadata = new List<KeyValuePair<string, string>>
            {
                new("bottleneck.kind", kind), new("bottleneck.part", part.ToString().ToLowerInvariant()),
                new("bottleneck.architecture", model.Config.Describe()), new("bottleneck.scaling", pre.Kind.ToString().ToLowerInvariant()),
            };
            if (part == OnnxPart.Decoder)
            {
                g.Input("code", DataType.Float, BatchDim, k);
                var rec = Reconstruction(g, model, exportable.EmitDecoderLogits(g, "code"), pre);
                g.Output("reconstruction", rec, DataType.Float, BatchDim, d);
            }
            else
            {
                var scaled = Scale(g, RawInput(g, saved, metadata), pre);
                var x = model.InputShape.Length == 1 ? scaled
                    : g.Node("Reshape", [scaled, g.Int64("sample_shape", [-1, .. model.InputShape.Select(v => (long)v)], model.InputShape.Length + 1)], "input_shaped");
                if (part == OnnxPart.Score) Score(g, saved, exportable, x, scaled, metadata);
                else
                {
                    var code = exportable.EmitEncoder(g, x);
                    g.Output("code", code, DataType.Float, BatchDim, k);
                    if (part == OnnxPart.Full)
                        g.Output("reconstruction", Reconstruction(g, model, ReconstructionLogits(g, model, exportable, x, code), pre), DataType.Float, BatchDim, d);
                }
            }
            string doc = $"Bottleneck {kind} autoencoder ({model.Config.Describe()}), part {part.ToString().ToLowerInvariant()}: " + part switch
            {
                OnnxPart.Decoder => "code (N, latentDim) -> reconstruction (N, D) in the data space",
                OnnxPart.Encoder => "raw rows -> code (N, latentDim)",
                OnnxPart.Score => "raw rows -> score (N) [and flag (N) = score > threshold]",
                _ => "raw rows -> code (N, latentDim), reconstruction (N, D) in the data space",
            };
            return g.ToModel(doc, metadata);
        }
        finally { model.Train(wasTraining); }
    }

    /// <summary>The kind's own mapping, or the layer-by-layer mapping of a composed autoencoder whose encode and decode are the base class's.</summary>
    private static IOnnxExportable Exportable(AutoencoderModel model)
    {
        if (model is IOnnxExportable own) return own;
        if (model.ConditionsOnLabels)
            throw new OnnxExportException($"a conditional {model.Config.Kind} model needs each row's class label, and its kind has no ONNX mapping that takes one");
        if (model is Autoencoder a && !Overrides(model, nameof(AutoencoderModel.Encode)) && !Overrides(model, nameof(AutoencoderModel.DecodeLogits)))
            return new ComposedOnnx(a);
        throw new OnnxExportException($"the {model.Config.Kind} kind ({model.GetType().Name}) has no ONNX mapping");
    }

    /// <summary>Whether the model's reconstruction adds its input to the decoder's output (<see cref="AutoencoderParts.Residual"/>, a
    /// residual denoiser): <see cref="AutoencoderModel.ReconstructLogits"/> = x + DecodeLogits(Encode(x)).</summary>
    private static bool HasSkip(AutoencoderModel model) => model is Autoencoder { Residual: true };

    /// <summary>The logits of the reconstruction of <paramref name="x"/> (the scaled input in the sample shape) whose code is
    /// <paramref name="code"/>, as <see cref="AutoencoderModel.ReconstructLogits"/>: the decoder's logits, plus x (an <c>Add</c> node,
    /// <c>residual</c>) for a model with a skip connection.</summary>
    private static string ReconstructionLogits(OnnxGraph g, AutoencoderModel model, IOnnxExportable exportable, string x, string code)
    {
        var logits = exportable.EmitDecoderLogits(g, code);
        return HasSkip(model) ? g.Node("Add", [x, logits], "residual") : logits;
    }

    private static bool Overrides(AutoencoderModel model, string method) =>
        model.GetType().GetMethod(method, [typeof(Tensor)])!.DeclaringType != typeof(Autoencoder);

    /// <summary>The composed autoencoder layer by layer: encoder, latent layer's code (identity, or a Gaussian posterior's mean μ), decoder.</summary>
    private sealed class ComposedOnnx(Autoencoder model) : IOnnxExportable
    {
        public string EmitEncoder(OnnxGraph graph, string input) =>
            CoreOnnx.Code(graph, model.Latent, OnnxModules.Emit(graph, model.Encoder, input, "encoder"), model.Config.Kind);

        public string EmitDecoderLogits(OnnxGraph graph, string code) => OnnxModules.Emit(graph, model.Decoder, code, "decoder");
    }

    /// <summary>The raw input: one float row (N, D), or for a tabular model one input per source column, encoded and concatenated.</summary>
    private static string RawInput(OnnxGraph g, SavedModel saved, List<KeyValuePair<string, string>> metadata)
    {
        if (saved.Tabular is not { } state)
        {
            g.Input("input", DataType.Float, BatchDim, saved.Model.InputDim);
            if (saved.FeatureNames is { } fn) metadata.Add(new("bottleneck.feature_names", string.Join(",", fn)));
            return "input";
        }
        var parts = new List<string>();
        var inputNames = new List<string>();
        foreach (var col in state.Columns)
        {
            if (col.Dropped) continue;
            string name = InputName(col.Name);
            inputNames.Add(name);
            if (col.Kind == ColumnKind.Numeric)
            {
                // double in, as Bottleneck parses CSV numbers: z = (v − mean) / sd in double, then rounded to float32
                g.Input(name, DataType.Double, BatchDim, 1);
                string v = name;
                if (col.Fill is double fill)
                    v = g.Node("Where", [g.Node("IsNaN", [v], col.Name + ".missing"), g.Double(col.Name + ".fill", fill), v], col.Name + ".imputed");
                var z = g.Node("Div", [g.Node("Sub", [v, g.Double(col.Name + ".mean", col.Mean)], col.Name + ".centered"),
                    g.Double(col.Name + ".scale", col.Scale)], col.Name + ".standardized");
                parts.Add(g.Node("Cast", [z], col.Name + ".z", [Attr("to", (long)DataType.Float)]));
            }
            else
            {
                g.Input(name, DataType.String, BatchDim, 1);
                var cats = col.Categories!;
                var keys = new List<string>(cats);
                var values = Enumerable.Range(0, cats.Length).Select(i => (long)i).ToList();
                // missing ("") → the most frequent category under MostFrequent imputation; under Missing "" is a category itself
                if (state.CategoricalImpute == CategoricalImpute.MostFrequent && col.FillCategory is { } fc && Array.IndexOf(cats, fc) is int fi and >= 0
                    && !keys.Contains(""))
                {
                    keys.Add("");
                    values.Add(fi);
                }
                var index = g.Node("LabelEncoder", [name], col.Name + ".index",
                    [Attr("keys_strings", keys.ToArray()), Attr("values_int64s", values.ToArray()), Attr("default_int64", -1L)], "ai.onnx.ml");
                // one-hot by comparison with 0..K−1 (an unseen value, index −1, gives all zeros): (N, 1) == (K) → (N, K)
                var onehot = g.Node("Equal", [index, g.Int64(col.Name + ".categories", values.Take(cats.Length).ToArray(), cats.Length)], col.Name + ".is");
                parts.Add(g.Node("Cast", [onehot], col.Name + ".onehot", [Attr("to", (long)DataType.Float)]));
            }
        }
        metadata.Add(new("bottleneck.inputs", string.Join(",", state.Columns.Where(c => !c.Dropped)
            .Select(c => $"{InputName(c.Name)}:{(c.Kind == ColumnKind.Numeric ? "double" : "string")}"))));
        return parts.Count == 1 ? parts[0] : g.Node("Concat", parts.ToArray(), "encoded", [Attr("axis", 1L)]);
    }

    /// <summary>The graph outputs' names, which a tabular column's input may not take.</summary>
    private static readonly string[] OutputNames = ["code", "reconstruction", "score", "flag"];

    /// <summary>The ONNX input of a tabular column: its name, or <c>column_NAME</c> for a column called like an output (code,
    /// reconstruction, score, flag).</summary>
    /// <param name="column">The column's name in the training CSV.</param>
    public static string InputName(string column) => OutputNames.Contains(column, StringComparer.Ordinal) ? "column_" + column : column;

    /// <summary>y = (x − offset) / scale per feature, as <see cref="Preprocessor.Transform(Span{float})"/>.</summary>
    private static string Scale(OnnxGraph g, string x, PreprocessorState pre)
    {
        if (pre.Kind == ScalingKind.None) return x;
        int f = pre.Offset.Length;
        return g.Node("Div", [g.Node("Sub", [x, g.Constant("scaling.offset", pre.Offset, f)], "centered"), g.Constant("scaling.scale", pre.Scale, f)], "scaled");
    }

    /// <summary>The likelihood's mean of the logits, flattened to (N, D), with the scaling undone: x = y·scale + offset.</summary>
    private static string Reconstruction(OnnxGraph g, AutoencoderModel model, string logits, PreprocessorState pre)
    {
        var mean = Flat(g, model, Mean(g, model, logits));
        if (pre.Kind == ScalingKind.None) return mean;
        int f = pre.Offset.Length;
        return g.Node("Add", [g.Node("Mul", [mean, g.Constant("unscaling.scale", pre.Scale, f)], "rescaled"), g.Constant("unscaling.offset", pre.Offset, f)], "unscaled");
    }

    private static string Flat(OnnxGraph g, AutoencoderModel model, string v) =>
        model.InputShape.Length == 1 ? v : g.Node("Flatten", [v], v + ".flat", [Attr("axis", 1L)]);

    private static string Mean(OnnxGraph g, AutoencoderModel model, string logits) => CoreOnnx.Mean(g, model.Likelihood, logits);

    /// <summary>score = (1/D)·Σⱼ eⱼ per row with the error of the saved threshold (or the likelihood's default), and flag = score &gt; threshold.</summary>
    private static void Score(OnnxGraph g, SavedModel saved, IOnnxExportable exportable, string x, string scaled, List<KeyValuePair<string, string>> metadata)
    {
        var model = saved.Model;
        var threshold = saved.Threshold;
        var error = threshold?.Error ?? AnomalyScorer.DefaultError(model.Likelihood);
        if (AnomalyScorer.IsVariational(error))
            throw new OnnxExportException($"the {AnomalyScorer.Name(error)} score draws codes at random; the score part maps mse, mae, bce and nll");
        if (error == ReconstructionError.Model)
            throw new OnnxExportException($"the {model.Config.Kind} kind's own score is not mapped to ONNX; the score part maps mse, mae, bce and nll");
        if (AnomalyScorer.IsMahalanobis(error))
            throw new OnnxExportException($"the {AnomalyScorer.Name(error)} score needs the Gaussian of the training errors; the score part maps mse, mae, bce and nll");
        if (saved.DistanceScore is { } distance && distance.State.Error == error)
            throw new OnnxExportException($"the score combined with the robust Mahalanobis distance (distanceScore, the unsupervised recipe's) is not mapped to ONNX; export the full model or score with detect");
        if (error == ReconstructionError.Bce && model.Likelihood is not BernoulliLikelihood)
            throw new OnnxExportException($"the bce score needs a sigmoid-bce model, this one is {model.Likelihood.Name}");
        var logits = Flat(g, model, ReconstructionLogits(g, model, exportable, x, exportable.EmitEncoder(g, x)));
        string element;
        if (error is ReconstructionError.Bce or ReconstructionError.Nll && model.Likelihood is BernoulliLikelihood)
        {
            // max(l, 0) − l·x + ln(1 + e^−|l|)
            var softplus = g.Node("Softplus", [g.Node("Neg", [g.Node("Abs", [logits], "abs_logits")], "neg_abs_logits")], "log1p_exp");
            element = g.Node("Add", [g.Node("Sub", [g.Node("Relu", [logits], "relu_logits"), g.Node("Mul", [logits, scaled], "logits_x")], "bce_part"), softplus], "element_error");
        }
        else if (error == ReconstructionError.Nll && model.Likelihood is GaussianLikelihood { LearnedVariance: true })
        {
            // ½·[(x − l)²·e^(−s) + s + ln 2π], s = likelihood.log_var
            var logVar = model.StateDict().FirstOrDefault(e => e.Name == "likelihood.log_var").Value
                         ?? throw new OnnxExportException($"the {model.Config.Kind} model has no likelihood.log_var");
            var s = g.Weight(logVar, hint: "likelihood.log_var");
            if (logVar.Rank != 1) s = g.Node("Reshape", [s, g.Int64("log_var_shape", [-1], 1)], "log_var_flat");
            var diff = g.Node("Sub", [scaled, logits], "diff");
            var sq = g.Node("Mul", [g.Node("Mul", [diff, diff], "squared"), g.Node("Exp", [g.Node("Neg", [s], "neg_log_var")], "precision")], "weighted");
            var sum = g.Node("Add", [g.Node("Add", [sq, s], "plus_log_var"), g.Scalar("ln_2pi", MathF.Log(2 * MathF.PI))], "nll_twice");
            element = g.Node("Mul", [sum, g.Scalar("half", 0.5f)], "element_error");
        }
        else
        {
            var diff = g.Node("Sub", [scaled, Flat(g, model, Mean(g, model, logits))], "diff");
            element = error == ReconstructionError.Mae ? g.Node("Abs", [diff], "element_error") : g.Node("Mul", [diff, diff], "element_error");
        }
        var score = g.Node("ReduceMean", [element], "row_error", [Attr("axes", new long[] { 1 }), Attr("keepdims", 0L)]);
        g.Output("score", score, DataType.Float, BatchDim);
        metadata.Add(new("bottleneck.score", AnomalyScorer.Name(error)));
        if (threshold is null) return;
        // compared in double, as the detector does (score > threshold with the score widened)
        var wide = g.Node("Cast", [score], "score_double", [Attr("to", (long)DataType.Double)]);
        g.Output("flag", g.Node("Greater", [wide, g.Double("threshold", threshold.Value)], "flagged"), DataType.Bool, BatchDim);
        metadata.Add(new("bottleneck.threshold", threshold.Value.ToString("R", CultureInfo.InvariantCulture)));
        metadata.Add(new("bottleneck.threshold_rule", threshold.Rule));
    }
}
