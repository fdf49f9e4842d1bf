using System.Text.Json;
using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.NN;

/// <summary>
/// Convolution, pooling, resampling, BatchNorm2d and Flatten/Unflatten against PyTorch 1.13
/// (Fixtures/torch/make_conv_fixtures.py): outputs, input gradients, parameter gradients, state-dict names and running statistics.
/// </summary>
public class ConvLayerParityTests
{
    private static readonly Lazy<JsonElement[]> All = new(() => TorchFixture.Load("conv_layers.json").GetProperty("cases").EnumerateArray().ToArray());

    public static IEnumerable<object[]> Cases() => All.Value.Select(c => new object[] { c.GetProperty("name").GetString()! });

    private static int I(JsonElement spec, string key, int fallback) => spec.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : fallback;

    /// <summary>The layer the spec describes, and how to call it (pooling + unpooling is a pair).</summary>
    private static Func<Tensor, Tensor> Build(JsonElement spec, out Module layer)
    {
        var rng = new Rng(0);
        string type = spec.GetProperty("type").GetString()!;
        int k = I(spec, "k", 1), stride = I(spec, "stride", 1), dilation = I(spec, "dilation", 1), groups = I(spec, "groups", 1);
        int cin = I(spec, "in", 1), cout = I(spec, "out", 1), op = I(spec, "output_padding", 0);
        bool bias = !spec.TryGetProperty("bias", out var b) || b.GetBoolean();
        string? padName = spec.TryGetProperty("padding", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        int pad = I(spec, "padding", 0);
        var mode = padName switch { "same" => ConvPadding.Same, "causal" => ConvPadding.Causal, _ => ConvPadding.Zeros };
        int? poolStride = spec.TryGetProperty("stride", out var ps) ? ps.GetInt32() : null;
        bool includePad = !spec.TryGetProperty("count_include_pad", out var cip) || cip.GetBoolean();
        layer = type switch
        {
            "conv2d" => new Conv2d(cin, cout, k, rng, stride, pad, dilation, groups, bias, mode),
            "conv1d" => mode == ConvPadding.Causal ? Conv1d.Causal(cin, cout, k, rng, dilation, bias) : new Conv1d(cin, cout, k, rng, stride, pad, dilation, groups, bias, mode),
            "convtranspose2d" => new ConvTranspose2d(cin, cout, k, rng, stride, pad, op, dilation, groups, bias),
            "convtranspose1d" => new ConvTranspose1d(cin, cout, k, rng, stride, pad, op, dilation, groups, bias),
            "separable" => new DepthwiseSeparableConv2d(cin, cout, k, rng, stride, pad, depthMultiplier: I(spec, "mult", 1)),
            "maxpool2d" => new MaxPool2d(k, poolStride, pad, dilation),
            "maxpool1d" => new MaxPool1d(k, poolStride, pad, dilation),
            "avgpool2d" => new AvgPool2d(k, poolStride, pad, includePad),
            "avgpool1d" => new AvgPool1d(k, poolStride, pad, includePad),
            "adaptiveavgpool2d" => new AdaptiveAvgPool2d(I(spec, "h", 1), I(spec, "w", 1)),
            "unpool" => new MaxPool2d(k, poolStride, pad),
            "unpool1d" => new MaxPool1d(k, poolStride, pad),
            "upsample" => spec.TryGetProperty("scale", out var sc)
                ? new Upsample(sc.GetInt32(), Mode(spec), AlignCorners(spec))
                : new Upsample(I(spec, "h", 1), I(spec, "w", 1), Mode(spec), AlignCorners(spec)),
            "pixelshuffle" => new PixelShuffle(I(spec, "r", 1)),
            "batchnorm2d" => new BatchNorm2d(I(spec, "c", 1), eps: spec.TryGetProperty("eps", out var e) ? e.GetSingle() : 1e-5f,
                momentum: spec.TryGetProperty("momentum", out var m) ? m.GetSingle() : 0.1f),
            "flatten" => new Flatten(I(spec, "start", 1)),
            "unflatten" => new Unflatten(I(spec, "dim", 1), spec.GetProperty("sizes").EnumerateArray().Select(v => v.GetInt32()).ToArray()),
            _ => throw new ArgumentException(type),
        };
        if (type == "unpool")
        {
            var pool = (MaxPool2d)layer;
            var unpool = new MaxUnpool2d(k, poolStride, pad);
            return x =>
            {
                var (y, idx) = pool.ForwardWithIndices(x);
                return unpool.Forward(y, idx, (x.Dim(2), x.Dim(3)));
            };
        }
        if (type == "unpool1d")
        {
            var pool1 = (MaxPool1d)layer;
            var unpool1 = new MaxUnpool1d(k, poolStride, pad);
            return x =>
            {
                var (y, idx) = pool1.ForwardWithIndices(x);
                return unpool1.Forward(y, idx, x.Dim(2));
            };
        }
        var l = layer;
        return l.Forward;
    }

    private static UpsampleMode Mode(JsonElement spec) => spec.GetProperty("mode").GetString() == "bilinear" ? UpsampleMode.Bilinear : UpsampleMode.Nearest;
    private static bool AlignCorners(JsonElement spec) => spec.TryGetProperty("align_corners", out var a) && a.GetBoolean();

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndGradientsMatchPyTorch(string name)
    {
        // Given the PyTorch layer's state dict, input and upstream gradient
        var c = All.Value.First(e => e.GetProperty("name").GetString() == name);
        var forward = Build(c.GetProperty("spec"), out var layer);
        var state = c.GetProperty("state").EnumerateObject().ToDictionary(p => p.Name, p => TorchFixture.Array(p.Value));
        layer.LoadStateDict(state);   // also checks the state-dict names and shapes are PyTorch's
        layer.Train(c.GetProperty("train").GetBoolean());
        var x = TorchFixture.Tensor(c.GetProperty("input"));
        x.RequiresGrad = true;

        // When the layer runs forward and backward
        var y = forward(x);
        y.Backward(TorchFixture.Tensor(c.GetProperty("upstream")));

        // Then output, gradients and state agree with PyTorch
        var expected = TorchFixture.Array(c.GetProperty("output"));
        Assert.Equal(expected.Shape, y.ShapeToArray());
        TorchFixture.AssertClose($"{name} output", y.Span, expected);
        TorchFixture.AssertClose($"{name} dL/dx", x.Grad!.Span, TorchFixture.Array(c.GetProperty("grad_input")));
        var named = layer.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        Assert.Equal(c.GetProperty("grad_params").EnumerateObject().Select(g => g.Name).Order(), named.Keys.Order());
        TorchFixture.AssertParameterGradients(name, layer, c);
        TorchFixture.AssertStateAfter(name, layer, c);
        if (c.TryGetProperty("indices", out var indices))
        {
            var (_, idx) = ((MaxPool2d)layer).ForwardWithIndices(TorchFixture.Tensor(c.GetProperty("input")));
            Assert.Equal(TorchFixture.Array(indices).Data, idx.ToArray());
        }
    }
}
