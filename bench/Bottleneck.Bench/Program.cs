using Bottleneck.Bench;

// Benchmark entry point: `dotnet run -c Release --project bench/Bottleneck.Bench -- <suite> [options]`.
// Each suite lives in its own file and prints a Markdown table plus one JSON line per measurement.
var suites = new Dictionary<string, Func<string[], int>>(StringComparer.OrdinalIgnoreCase)
{
    ["gemm"] = GemmBench.Run,
    ["dense"] = DenseBench.Run,
    ["vmath"] = VectorMathBench.Run,
    ["anomaly"] = AnomalyBench.Run,
    ["regularized"] = RegularizedBench.Run,
    ["images"] = ImageBench.Run,
    ["vae"] = VaeBench.Run,
    ["sequence"] = SequenceBench.Run,
    ["conv"] = ConvBench.Run,
    ["onnx"] = OnnxBench.Run,
    ["encode-profile"] = EncodeProfile.Run,
    ["graph"] = GraphBench.Run,
    ["superres"] = SuperResolutionBench.Run,
    ["tsne"] = TsneBench.Run,
    ["recommend"] = RecommendBench.Run,
    ["fuzz"] = ParserFuzz.Run,
    ["mlnet"] = MLNetBench.Run,
    ["distributed"] = DistributedBench.Run,
    ["scale-data"] = ScaleDataBench.Run,
};
if (args.Length == 0 || !suites.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine("usage: Bottleneck.Bench <" + string.Join("|", suites.Keys) + "> [options]");
    return 2;
}
return run(args[1..]);
