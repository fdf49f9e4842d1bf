using Bottleneck.Autograd;
using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Tensors;

namespace Bottleneck.Cli.Services;

/// <summary>Applies a model to a whole dataset in batches, without autograd.</summary>
internal static class Batches
{
    /// <summary>Latent codes of every row, row-major (Rows × LatentDim).</summary>
    public static float[] Encode(AutoencoderModel model, Dataset data, int batchSize = 512) =>
        Apply(model, data, model.LatentDim, model.Encode, batchSize);

    /// <summary>Reconstructions of every row in the model's (preprocessed) space, row-major (Rows × InputDim).</summary>
    public static float[] Reconstruct(AutoencoderModel model, Dataset data, int batchSize = 512) =>
        Apply(model, data, model.InputDim, model.Reconstruct, batchSize);

    private static float[] Apply(AutoencoderModel model, Dataset data, int width, Func<Tensor, Tensor> f, int batchSize)
    {
        CheckWidth(model, data);
        var result = new float[(long)data.Rows * width];
        if (data.Rows == 0) return result;
        bool wasTraining = model.Training;
        model.Eval();
        int d = data.FeatureCount, bs = Math.Min(batchSize, data.Rows);
        var buf = new float[bs * d];
        var pool = new BufferPool();
        using (GradMode.NoGrad())
            for (int start = 0; start < data.Rows; start += bs)
            {
                int n = Math.Min(bs, data.Rows - start);
                data.Features.AsSpan(start * d, n * d).CopyTo(buf);
                using var scope = new TensorScope(pool);
                var y = f(Tensor.FromArray(buf.AsSpan(0, n * d), n, d));
                y.ToArray().CopyTo(result.AsSpan(start * width, n * width));
            }
        model.Train(wasTraining);
        return result;
    }

    /// <summary>Throws a <see cref="DataException"/> "SOURCE: input has F features, model expects D" on a width mismatch.</summary>
    public static void CheckWidth(AutoencoderModel model, Dataset data)
    {
        if (data.FeatureCount != model.InputDim)
            throw new DataException($"{data.Source}: input has {data.FeatureCount} features, model expects {model.InputDim}", data.Source);
    }
}
