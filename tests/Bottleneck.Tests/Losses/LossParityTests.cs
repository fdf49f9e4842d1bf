using System.Text.Json;
using Bottleneck.Losses;
using Bottleneck.Tensors;
using Bottleneck.Tests.Parity;

namespace Bottleneck.Tests.Losses;

/// <summary>Forward values and gradients of every loss and reduction against PyTorch 1.13 (Fixtures/torch/losses.json).</summary>
public class LossParityTests
{
    private const string File = "losses.json";

    public static TheoryData<string> Cases => TorchParity.CaseNames(File);

    internal static Reduction ParseReduction(string s) => s switch
    {
        "mean" => Reduction.Mean,
        "sum" => Reduction.Sum,
        "none" => Reduction.None,
        "batchmean" => Reduction.BatchMean,
        _ => throw new ArgumentException(s),
    };

    /// <summary>Runs the named loss; <paramref name="x"/> is the first input (input, logits, probabilities or μ), <paramref name="y"/> the second.</summary>
    internal static Tensor Compute(string loss, Reduction r, Tensor x, Tensor? y, Tensor? mask, int[]? targets, float delta) => loss switch
    {
        "mse" => Loss.Mse(x, y!, r),
        "l1" => Loss.L1(x, y!, r),
        "huber" => Loss.Huber(x, y!, delta, r),
        "bce" => Loss.Bce(x, y!, r),
        "bce_with_logits" => Loss.BceWithLogits(x, y!, r),
        "masked_mse" => Loss.MaskedMse(x, y!, mask!, r),
        "cross_entropy" => Loss.CrossEntropy(x, targets!, r),
        "cross_entropy_probs" => Loss.CrossEntropy(x, y!, r),
        "kl_standard_normal" => Loss.KlDivergenceStandardNormal(x, y!, r),
        _ => throw new ArgumentException($"unknown loss {loss}"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var c = TorchParity.Case(File, name);
        string loss = c.GetProperty("loss").GetString()!;
        var r = ParseReduction(c.GetProperty("reduction").GetString()!);
        float delta = c.GetProperty("delta").ValueKind == JsonValueKind.Number ? (float)c.GetProperty("delta").GetDouble() : 1f;
        var inputs = c.GetProperty("inputs");
        var grads = c.GetProperty("grads");
        bool targetGrad = grads.TryGetProperty("target", out var expectedTargetGrad);

        var x = TorchParity.ToTensor(inputs.GetProperty("input"), requiresGrad: true);
        Tensor? y = inputs.TryGetProperty("target", out var ty) ? TorchParity.ToTensor(ty, targetGrad) : null;
        Tensor? mask = inputs.TryGetProperty("mask", out var tm) ? TorchParity.ToTensor(tm) : null;
        int[]? targets = inputs.TryGetProperty("targets", out var tt) ? TorchParity.Data(tt).Select(v => (int)v).ToArray() : null;

        var output = Compute(loss, r, x, y, mask, targets, delta);

        var expectedOut = c.GetProperty("output");
        Assert.Equal(TorchParity.Shape(expectedOut), output.ShapeToArray());
        TorchParity.AssertClose(output.Span, TorchParity.Data(expectedOut), $"{name} output");

        if (c.GetProperty("upstream").ValueKind == JsonValueKind.Object) output.Backward(TorchParity.ToTensor(c.GetProperty("upstream")));
        else output.Backward();

        TorchParity.AssertClose(x.Grad!.Span, TorchParity.Data(grads.GetProperty("input")), $"{name} ∂/∂input");
        if (targetGrad) TorchParity.AssertClose(y!.Grad!.Span, TorchParity.Data(expectedTargetGrad), $"{name} ∂/∂target");
    }

    [Fact]
    public void FixturesCoverEveryLossAndReduction()
    {
        var names = new HashSet<string>();
        foreach (string n in Cases) names.Add(n);
        foreach (var loss in new[] { "mse", "l1", "huber", "bce", "bce_with_logits", "masked_mse", "cross_entropy", "cross_entropy_probs", "kl" })
            foreach (var red in new[] { "mean", "sum", "none", "batchmean" })
                Assert.Contains($"{loss}_{red}", names);
    }
}
