using Bottleneck.Interop.Onnx;

namespace Bottleneck.Models.Pca;

/// <summary>The PCA kind's ONNX mapping: z = (x − μ)·Vₖᵀ and x̂ = z·Vₖ + μ, with μ and Vₖ written once.</summary>
public sealed partial class PcaModel : IOnnxExportable
{
    string IOnnxExportable.EmitEncoder(OnnxGraph graph, string input)
    {
        var centered = graph.Node("Sub", [input, graph.Weight(Mean, hint: "mean")], "encoder.centered");
        return graph.Node("MatMul", [centered, graph.Weight(ComponentsTensor, transpose: true, hint: "components")], "encoder.code");
    }

    string IOnnxExportable.EmitDecoderLogits(OnnxGraph graph, string code) =>
        graph.Node("Add", [graph.Node("MatMul", [code, graph.Weight(ComponentsTensor, hint: "components")], "decoder.matmul"),
            graph.Weight(Mean, hint: "mean")], "decoder.reconstruction");
}
