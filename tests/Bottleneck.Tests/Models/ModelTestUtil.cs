using Bottleneck.Autograd;
using Bottleneck.Data;
using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Models;

/// <summary>Small helpers shared by the model, trainer, model-file and evaluator tests.</summary>
public static class ModelTestUtil
{
    /// <summary>Uniform [0, 1) values, shape (rows, cols).</summary>
    public static float[] Uniform01(int rows, int cols, ulong seed)
    {
        var data = new float[rows * cols];
        new Rng(seed).FillUniform(data);
        return data;
    }

    /// <summary>A dataset of uniform [0, 1) values.</summary>
    public static Dataset Dataset01(int rows, int cols, ulong seed, ImageShape? image = null) =>
        new(Uniform01(rows, cols, seed), rows, cols, image: image, source: $"uniform({rows}x{cols}, seed {seed})");

    /// <summary>A tensor of uniform [0, 1) values, shape (rows, cols).</summary>
    public static Tensor Batch01(int rows, int cols, ulong seed) => Tensor.FromArray(Uniform01(rows, cols, seed), rows, cols);

    /// <summary>Copies of every state-dict entry, by name.</summary>
    public static Dictionary<string, float[]> Weights(Module m) => m.StateDict().ToDictionary(e => e.Name, e => e.Value.ToArray());

    /// <summary>Runs <paramref name="f"/> without autograd and returns a copy of its result.</summary>
    public static float[] NoGrad(Func<Tensor> f)
    {
        using (GradMode.NoGrad()) return f().ToArray();
    }

    /// <summary>Asserts two float arrays are equal bit for bit.</summary>
    public static void AssertBitEqual(float[] expected, float[] actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R}");
    }

    /// <summary>Asserts two weight sets (from <see cref="Weights"/>) have the same names and are equal bit for bit.</summary>
    public static void AssertBitEqual(Dictionary<string, float[]> expected, Dictionary<string, float[]> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, values) in expected) AssertBitEqual(values, actual[name], name);
    }

    /// <summary>Asserts |expected[i] − actual[i]| ≤ tol·max(1, |expected[i]|) for every element, naming the first that is not.</summary>
    public static void AssertCloseAll(float[] expected, float[] actual, double tol, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
            if (!(Math.Abs(expected[i] - actual[i]) <= tol * Math.Max(1, Math.Abs(expected[i]))))
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R} (tolerance {tol:g2})");
    }

    /// <summary>Asserts |expected − actual| ≤ tol·max(1, |expected|).</summary>
    public static void AssertClose(double expected, double actual, double tol, string what)
    {
        Assert.True(Math.Abs(expected - actual) <= tol * Math.Max(1, Math.Abs(expected)), $"{what}: got {actual:R}, expected {expected:R}");
    }
}

/// <summary>An <see cref="IProgress{T}"/> that runs its callback synchronously (System.Progress posts to the thread pool).</summary>
public sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
