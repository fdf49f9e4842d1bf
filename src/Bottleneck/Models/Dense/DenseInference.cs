using System.Numerics.Tensors;
using Bottleneck.Kernels;
using Bottleneck.NN;
using Bottleneck.Ops;

namespace Bottleneck.Models.Dense;

/// <summary>
/// The dense kind's fast inference path (<see cref="IFastInference"/>) for an untied <see cref="DenseAutoencoder"/> without batch
/// norm or GELU: blocks of rows go through GEMM (y = x·Wᵀ) into two reusable buffers, bias and activation fused in one pass per
/// layer, so steady-state scoring allocates nothing and intermediate activations stay in cache. Reads the live weights on every
/// call. Dropout is the identity (eval mode). Not thread-safe.
/// </summary>
internal sealed class DenseInference : IFastInference
{
    private readonly (Linear Layer, Activation Act)[] _layers;
    private readonly int _maxWidth;
    private float[] _a = [], _b = [];

    private DenseInference((Linear, Activation)[] layers)
    {
        _layers = layers;
        _maxWidth = layers.Max(l => Math.Max(l.Item1.InFeatures, l.Item1.OutFeatures));
    }

    /// <summary>Rows per block: the widest layer's block stays around 256 KiB.</summary>
    public int BlockRows => Math.Clamp(65536 / _maxWidth, 64, 4096);

    /// <summary>The fast path for the layers of <paramref name="encoder"/> then <paramref name="decoder"/>, or null when a layer is not supported.</summary>
    public static DenseInference? TryCreate(Sequential encoder, Sequential decoder)
    {
        var list = new List<(Linear, Activation)>();
        foreach (var seq in new[] { encoder, decoder })
            foreach (var m in seq.Layers)
            {
                switch (m)
                {
                    case Linear lin: list.Add((lin, Activation.Identity)); break;
                    case ActivationLayer act when act.Kind != Activation.Gelu && list.Count > 0 && list[^1].Item2 == Activation.Identity:
                        list[^1] = (list[^1].Item1, act.Kind); break;
                    case Dropout: break;
                    default: return null;
                }
            }
        return list.Count == 0 ? null : new DenseInference(list.ToArray());
    }

    /// <summary>Decoder logits for <paramref name="n"/> rows of <paramref name="x"/> into <paramref name="logits"/> (n × D).</summary>
    public void Logits(ReadOnlySpan<float> x, int n, Span<float> logits)
    {
        int block = BlockRows;
        if (_a.Length < block * _maxWidth) { _a = new float[block * _maxWidth]; _b = new float[block * _maxWidth]; }
        int d = _layers[0].Layer.InFeatures, outD = _layers[^1].Layer.OutFeatures;
        for (int start = 0; start < n; start += block)
        {
            int m = Math.Min(block, n - start);
            ReadOnlySpan<float> input = x.Slice(start * d, m * d);
            for (int li = 0; li < _layers.Length; li++)
            {
                var (lin, act) = _layers[li];
                int inF = lin.InFeatures, outF = lin.OutFeatures;
                Span<float> dst = li == _layers.Length - 1 ? logits.Slice(start * outD, m * outD) : (li % 2 == 0 ? _a : _b).AsSpan(0, m * outF);
                Gemm.Sgemm(false, true, m, outF, inF, 1f, input, inF, lin.Weight.Span, inF, 0f, dst, outF);
                BiasActivate(dst, m, outF, lin.Bias is null ? default : lin.Bias.Span, act);
                input = dst;
            }
        }
    }

    private static void BiasActivate(Span<float> y, int rows, int width, ReadOnlySpan<float> bias, Activation act)
    {
        for (int r = 0; r < rows; r++)
        {
            var row = y.Slice(r * width, width);
            if (!bias.IsEmpty) TensorPrimitives.Add(row, bias, row);
            switch (act)
            {
                case Activation.Identity: break;
                case Activation.Relu: TensorPrimitives.Max(row, 0f, row); break;
                case Activation.Sigmoid: TensorPrimitives.Sigmoid(row, row); break;
                case Activation.Tanh: TensorPrimitives.Tanh(row, row); break;
                case Activation.LeakyRelu: ActivationKernels.LeakyRelu(row, 0.01f, row); break;
                case Activation.Elu: ActivationKernels.Elu(row, 1f, row); break;
                case Activation.Softplus: ActivationKernels.Softplus(row, 1f, 20f, row); break;
                default: throw new InvalidOperationException($"activation {act} is not supported by the dense inference path");
            }
        }
    }
}
