using Bottleneck.Losses;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Losses;

/// <summary>Bad inputs: each loss rejects them at the boundary with a message naming the loss and the shapes.</summary>
public class LossValidationTests
{
    private static Tensor Z(params int[] shape) => Tensor.Zeros(shape);
    private static Tensor Half(params int[] shape) => Tensor.Full(0.5f, shape);

    [Fact]
    public void MseShapeMismatchNamesLossAndBothShapes()
    {
        var ex = Assert.Throws<ShapeException>(() => Loss.Mse(Z(256, 784), Z(256, 780)));
        Assert.Equal("mse: input (256, 784) and target (256, 780) differ", ex.Message);
    }

    public static TheoryData<string, Func<Tensor>, string[]> Mismatches => new()
    {
        { "l1", () => Loss.L1(Z(4, 5), Z(4, 6)), ["l1", "(4, 5)", "(4, 6)"] },
        { "huber", () => Loss.Huber(Z(4, 5), Z(5, 4)), ["huber", "(4, 5)", "(5, 4)"] },
        { "bce", () => Loss.Bce(Half(4, 5), Half(20)), ["bce", "(4, 5)", "(20,)"] },
        { "bce_with_logits", () => Loss.BceWithLogits(Z(3), Z(3, 1)), ["bce_with_logits", "(3,)", "(3, 1)"] },
        { "masked_mse mask", () => Loss.MaskedMse(Z(4, 5), Z(4, 5), Z(4, 1)), ["masked_mse", "(4, 5)", "(4, 1)"] },
        { "masked_mse target", () => Loss.MaskedMse(Z(4, 5), Z(2, 5), Z(4, 5)), ["masked_mse", "(4, 5)", "(2, 5)"] },
        { "cross_entropy batch", () => Loss.CrossEntropy(Z(4, 5), [0, 1, 2]), ["cross_entropy", "(4, 5)", "(3,)"] },
        { "cross_entropy rank", () => Loss.CrossEntropy(Z(20), [0]), ["cross_entropy", "(20,)"] },
        { "cross_entropy probs", () => Loss.CrossEntropy(Z(4, 5), Z(4, 4)), ["cross_entropy", "(4, 5)", "(4, 4)"] },
        { "kl", () => Loss.KlDivergenceStandardNormal(Z(8, 2), Z(8, 3)), ["kl_standard_normal", "(8, 2)", "(8, 3)"] },
    };

    [Theory]
    [MemberData(nameof(Mismatches))]
    public void ShapeMismatchesNameLossAndShapes(string label, Func<Tensor> call, string[] fragments)
    {
        var ex = Assert.Throws<ShapeException>(call);
        foreach (var f in fragments) Assert.True(ex.Message.Contains(f), $"{label}: message '{ex.Message}' lacks '{f}'");
    }

    [Fact]
    public void CrossEntropyRejectsOutOfRangeTargets()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Loss.CrossEntropy(Z(2, 3), [0, 3]));
        Assert.Contains("target 3 at position 1 is outside [0, 3)", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Loss.CrossEntropy(Z(2, 3), [-1, 0]));
    }

    [Fact]
    public void BceRejectsProbabilitiesOutsideUnitInterval()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Loss.Bce(Tensor.FromArray([0.5f, 1.5f], 2), Half(2)));
        Assert.Contains("bce: probabilities must be in [0, 1], got 1.5", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Loss.Bce(Tensor.FromArray([float.NaN], 1), Half(1)));
    }

    [Fact]
    public void HuberRejectsNonPositiveDelta()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Loss.Huber(Z(2), Z(2), 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => Loss.Huber(Z(2), Z(2), float.NaN));
    }

    [Fact]
    public void UndefinedReductionIsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Loss.Mse(Z(2), Z(2), (Reduction)42));
        Assert.Throws<ArgumentOutOfRangeException>(() => Loss.CrossEntropy(Z(1, 2), [0], (Reduction)42));
    }

    [Fact]
    public void MaskedMseWithEmptyMaskIsZeroWithZeroGradient()
    {
        var x = Tensor.FromArray([1f, 2f, 3f], 3); x.RequiresGrad = true;
        var y = Tensor.FromArray([float.NaN, 0f, 0f], 3);   // NaN marks a missing target: ignored under a zero mask
        var loss = Loss.MaskedMse(x, y, Tensor.FromArray([0f, 0f, 0f], 3));
        Assert.Equal(0f, loss.Item());
        loss.Backward();
        Assert.Equal(new[] { 0f, 0f, 0f }, x.Grad!.ToArray());
    }

    [Fact]
    public void MaskedMseIgnoresMissingTargetsAndAveragesOverObserved()
    {
        var x = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2);
        var y = Tensor.FromArray([0f, float.NaN, 1f, 4f], 2, 2);
        var m = Tensor.FromArray([1f, 0f, 1f, 1f], 2, 2);
        Assert.Equal((1f + 4f + 0f) / 3f, Loss.MaskedMse(x, y, m).Item(), 6);
        Assert.Equal(5f, Loss.MaskedMse(x, y, m, Reduction.Sum).Item(), 6);
        Assert.Equal(2.5f, Loss.MaskedMse(x, y, m, Reduction.BatchMean).Item(), 6);
    }

    [Fact]
    public void BatchMeanIsSumOverFeaturesAveragedOverBatch()
    {
        var x = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        var y = Tensor.Zeros(2, 3);
        Assert.Equal(91f / 2f, Loss.Mse(x, y, Reduction.BatchMean).Item(), 5);
        Assert.Equal(91f / 6f, Loss.Mse(x, y).Item(), 5);
        Assert.Equal(new[] { 2 }, Loss.KlDivergenceStandardNormal(x, y, Reduction.None).ShapeToArray());
    }
}
