using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.NN;

public class InitTests
{
    private static (double Mean, double Std, float Max) Stats(Tensor t)
    {
        var v = t.ToArray();
        double m = v.Average();
        return (m, Math.Sqrt(v.Select(x => (x - m) * (x - m)).Average()), v.Max(MathF.Abs));
    }

    // 400×300 = 120,000 draws: the sample std is within ~0.5% of the true one, so 3% bounds cannot flake yet catch a wrong formula.
    [Fact]
    public void XavierUniformHasBoundSqrtSixOverFanSum()
    {
        var w = Tensor.Zeros(400, 300);
        Init.XavierUniform(w, new Rng(1));
        double a = Math.Sqrt(6.0 / 700);
        var (mean, std, max) = Stats(w);
        Assert.True(max <= a);
        Assert.InRange(std, a / Math.Sqrt(3) * 0.97, a / Math.Sqrt(3) * 1.03);
        Assert.InRange(mean, -0.01 * a, 0.01 * a);
    }

    [Fact]
    public void XavierNormalHasStdSqrtTwoOverFanSum()
    {
        var w = Tensor.Zeros(400, 300);
        Init.XavierNormal(w, new Rng(2), gain: 2f);
        double s = 2 * Math.Sqrt(2.0 / 700);
        Assert.InRange(Stats(w).Std, s * 0.97, s * 1.03);
    }

    [Fact]
    public void KaimingNormalForReluHasStdSqrtTwoOverFanIn()
    {
        var w = Tensor.Zeros(400, 300);
        Init.KaimingNormal(w, new Rng(3), nonlinearity: Nonlinearity.Relu);
        double s = Math.Sqrt(2.0 / 300);
        Assert.InRange(Stats(w).Std, s * 0.97, s * 1.03);
    }

    [Fact]
    public void KaimingUniformUsesFanOutWhenAsked()
    {
        var w = Tensor.Zeros(400, 300);
        Init.KaimingUniform(w, new Rng(4), fanIn: false, nonlinearity: Nonlinearity.Relu);
        double bound = Math.Sqrt(2.0) * Math.Sqrt(3.0 / 400);
        var (_, std, max) = Stats(w);
        Assert.True(max <= bound);
        Assert.InRange(std, bound / Math.Sqrt(3) * 0.97, bound / Math.Sqrt(3) * 1.03);
    }

    [Fact]
    public void GainsMatchPyTorchCalculateGain()
    {
        Assert.Equal(MathF.Sqrt(2), Init.Gain(Nonlinearity.Relu));
        Assert.Equal(5f / 3f, Init.Gain(Nonlinearity.Tanh));
        Assert.Equal(MathF.Sqrt(2f / (1 + 0.2f * 0.2f)), Init.Gain(Nonlinearity.LeakyRelu, 0.2f));
        Assert.Equal(1f, Init.Gain(Nonlinearity.Sigmoid));
    }

    [Fact]
    public void FansCountTheReceptiveField()
    {
        Assert.Equal((3 * 5 * 5, 16 * 5 * 5), Init.Fans(Tensor.Zeros(16, 3, 5, 5)));
        Assert.Throws<ArgumentException>(() => Init.Fans(Tensor.Zeros(4)));
    }
}
