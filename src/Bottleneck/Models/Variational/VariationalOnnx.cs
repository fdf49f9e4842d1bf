using Bottleneck.Interop.Onnx;
using static Bottleneck.Interop.Onnx.OnnxGraph;

namespace Bottleneck.Models.Variational;

/// <summary>
/// The variational family's ONNX mapping: the encoder layer by layer and the latent layer's code (μ of a Gaussian posterior, the
/// quantized code of vq-vae; no sampling), the decoder layer by layer. A conditional model (cvae, ssvae) gets a second input
/// <c>label</c>, int64 (N), one-hot encoded and concatenated to the input and to the code as <see cref="Encode(RowBatch)"/> does; for
/// ssvae a label of −1 is replaced by argmax q(y | x) of its classifier (in the encoder; the decoder part needs known labels, and a
/// negative one there encodes as all zeros). The ladder latent of hvae does not map (an <see cref="OnnxExportException"/> names it).
/// </summary>
public sealed partial class VariationalAutoencoder : IOnnxExportable
{
    /// <summary>The name of the class-label input of a conditional model's ONNX graph.</summary>
    public const string OnnxLabelInput = "label";

    string IOnnxExportable.EmitEncoder(OnnxGraph graph, string input)
    {
        var x = Classes == 0 ? input : graph.Node("Concat", [input, LabelOneHot(graph, input)], "encoder.with_label", [Attr("axis", 1L)]);
        return CoreOnnx.Code(graph, Latent, OnnxModules.Emit(graph, Encoder, x, "encoder"), Config.Kind);
    }

    string IOnnxExportable.EmitDecoderLogits(OnnxGraph graph, string code)
    {
        var z = Classes == 0 ? code : graph.Node("Concat", [code, LabelOneHot(graph, null)], "decoder.with_label", [Attr("axis", 1L)]);
        return OnnxModules.Emit(graph, Decoder, z, "decoder");
    }

    /// <summary>The one-hot (N, C) of the <c>label</c> input, declared once per graph; for ssvae with <paramref name="x"/> known, −1 labels
    /// are replaced by the classifier's argmax first.</summary>
    private string LabelOneHot(OnnxGraph graph, string? x) => graph.Cached((this, "label one-hot"), () =>
    {
        graph.Input(OnnxLabelInput, global::Onnx.TensorProto.Types.DataType.Int64, BatchDim);
        string label = OnnxLabelInput;
        if (Classifier != null && x != null)
        {
            var predicted = graph.Node("ArgMax", [OnnxModules.Emit(graph, Classifier, x, "classifier")], "classifier.argmax",
                [Attr("axis", 1L), Attr("keepdims", 0L)]);
            var missing = graph.Node("Less", [label, graph.Int64("label.zero", [0])], "label.missing");
            label = graph.Node("Where", [missing, predicted, label], "label.resolved");
        }
        var column = graph.Node("Unsqueeze", [label, graph.Int64("label.axis1", [1], 1)], "label.column");
        var isClass = graph.Node("Equal", [column, graph.Int64("label.classes", Enumerable.Range(0, Classes).Select(c => (long)c).ToArray(), Classes)], "label.is");
        return graph.Node("Cast", [isClass], "label.onehot", [Attr("to", (long)global::Onnx.TensorProto.Types.DataType.Float)]);
    });
}
