using System.Text.Json;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.NN;

/// <summary>
/// <see cref="Tensor.Resize2d"/> against PyTorch 1.13's <c>F.interpolate</c> (Fixtures/torch/make_resize_fixtures.py): bicubic with
/// and without antialiasing and area, shrinking and enlarging by integer and fractional factors; outputs and input gradients.
/// </summary>
public class ResizeParityTests
{
    private static readonly Lazy<JsonElement[]> All = new(() => TorchFixture.Load("resize.json").GetProperty("cases").EnumerateArray().ToArray());

    public static IEnumerable<object[]> Cases() => All.Value.Select(c => new object[] { c.GetProperty("name").GetString()! });

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        // Given PyTorch's case: input, upstream gradient, output and input gradient
        var c = All.Value.Single(e => e.GetProperty("name").GetString() == name);
        var x = TorchFixture.Tensor(c.GetProperty("x"));
        x.RequiresGrad = true;
        var size = c.GetProperty("size").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var filter = c.GetProperty("mode").GetString() == "area" ? ResizeFilter.Area : ResizeFilter.Bicubic;

        // When we resize and back-propagate the same gradient
        var y = Tensor.Resize2d(x, size[0], size[1], filter, c.GetProperty("antialias").GetBoolean());
        y.Backward(TorchFixture.Tensor(c.GetProperty("g")));

        // Then output and input gradient agree with PyTorch to 1e-5 relative
        var expectedY = TorchFixture.Array(c.GetProperty("y"));
        Assert.Equal(expectedY.Shape, y.ShapeToArray());
        TorchFixture.AssertClose($"{name}: y", y.Span, expectedY);
        TorchFixture.AssertClose($"{name}: dx", x.Grad!.Span, TorchFixture.Array(c.GetProperty("dx")));
    }

    [Fact]
    public void AConstantImageStaysConstantUnderEveryFilter()
    {
        // Given a constant image (every filter's weights sum to 1 per output)
        var x = Tensor.Full(0.3f, 1, 1, 9, 7);
        foreach (var (f, aa) in new[] { (ResizeFilter.Bicubic, false), (ResizeFilter.Bicubic, true), (ResizeFilter.Area, false) })
            foreach (var (h, w) in new[] { (3, 2), (18, 14), (5, 11) })
            {
                // When it is resized, then every output pixel is the constant
                var y = Tensor.Resize2d(x, h, w, f, aa);
                foreach (var v in y.ToArray()) Assert.True(Math.Abs(v - 0.3f) < 1e-6f, $"{f} antialias {aa} to {h}x{w}: {v}");
            }
    }

    [Fact]
    public void BadSizesAreRefusedWithTheirValues()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Resize2d(Tensor.Zeros(1, 1, 4, 4), 0, 3, ResizeFilter.Bicubic));
        Assert.Contains("0 × 3", e.Message);
        var s = Assert.Throws<ShapeException>(() => Tensor.Resize2d(Tensor.Zeros(4, 4), 2, 2, ResizeFilter.Area));
        Assert.Contains("(N, C, H, W)", s.Message);
    }
}
