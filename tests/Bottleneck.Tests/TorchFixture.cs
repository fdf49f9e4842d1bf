using System.Text.Json;
using Bottleneck.Tensors;

namespace Bottleneck.Tests;

/// <summary>Reads the JSON fixtures written by the committed PyTorch scripts under Fixtures/torch.</summary>
public static class TorchFixture
{
    public static string Dir => Path.Combine(AppContext.BaseDirectory, "Fixtures", "torch");

    public static JsonElement Load(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, file)));
        return doc.RootElement.Clone();
    }

    public static (int[] Shape, float[] Data) Array(JsonElement e) =>
        (e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray(),
         e.GetProperty("data").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray());

    public static Tensor Tensor(JsonElement e)
    {
        var (shape, data) = Array(e);
        return Bottleneck.Tensors.Tensor.FromArray(data, shape);
    }

    /// <summary>
    /// Relative tolerance 1e-5 against PyTorch: |ours − torch| ≤ 1e-5·max(|torch|, floor), where floor is the RMS of the
    /// reference tensor. The floor keeps elements that are sums with cancellation (near zero, where float32 round-off is
    /// relative to the terms, not to the result) from demanding more digits than float32 carries.
    /// </summary>
    public static void AssertClose(string what, ReadOnlySpan<float> ours, (int[] Shape, float[] Data) expected, double rtol = 1e-5)
    {
        var exp = expected.Data;
        Assert.True(ours.Length == exp.Length, $"{what}: {ours.Length} values, PyTorch has {exp.Length}");
        double rms = Math.Sqrt(exp.Sum(v => (double)v * v) / Math.Max(exp.Length, 1));
        for (int i = 0; i < exp.Length; i++)
        {
            double tol = rtol * Math.Max(Math.Abs(exp[i]), rms);
            Assert.True(Math.Abs(ours[i] - exp[i]) <= tol,
                $"{what}[{i}]: ours {ours[i]:G9}, PyTorch {exp[i]:G9} (|diff| {Math.Abs(ours[i] - exp[i]):G3} > {tol:G3})");
        }
    }

    /// <summary>Each parameter gradient PyTorch recorded under the case's <c>grad_params</c> equals the module's (by state-dict name).</summary>
    public static void AssertParameterGradients(string name, Bottleneck.NN.Module module, JsonElement c, double rtol = 1e-5)
    {
        var named = module.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        foreach (var g in c.GetProperty("grad_params").EnumerateObject())
            AssertClose($"{name} dL/d{g.Name}", named[g.Name].Grad!.Span, Array(g.Value), rtol);
    }

    /// <summary>Each tensor PyTorch recorded under the case's <c>state_after</c> equals the module's state-dict entry of that name.</summary>
    public static void AssertStateAfter(string name, Bottleneck.NN.Module module, JsonElement c)
    {
        var after = module.StateDict().ToDictionary(p => p.Name, p => p.Value);
        foreach (var s in c.GetProperty("state_after").EnumerateObject())
            AssertClose($"{name} {s.Name} after", after[s.Name].Span, Array(s.Value));
    }
}
