using System.Text.Json;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Parity;

/// <summary>Loads the JSON fixtures written by Fixtures/torch/make_fixtures.py (PyTorch 1.13, float32) and compares against them.</summary>
internal static class TorchParity
{
    /// <summary>Directory of the fixtures in the test output (the csproj copies Fixtures/**).</summary>
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Fixtures", "torch");

    public static JsonElement Load(string file)
    {
        string path = Path.Combine(Directory, file);
        Assert.True(File.Exists(path), $"fixture {path} is missing: run /usr/bin/python3 tests/Bottleneck.Tests/Fixtures/torch/make_fixtures.py");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.Clone();
    }

    /// <summary>Case names of one array in a fixture file (for xunit MemberData).</summary>
    public static TheoryData<string> CaseNames(string file, string array = "cases")
    {
        var data = new TheoryData<string>();
        foreach (var c in Load(file).GetProperty(array).EnumerateArray()) data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    public static JsonElement Case(string file, string name, string array = "cases")
    {
        foreach (var c in Load(file).GetProperty(array).EnumerateArray())
            if (c.GetProperty("name").GetString() == name) return c;
        throw new KeyNotFoundException($"{file}: no case '{name}'");
    }

    public static float[] Data(JsonElement t)
    {
        var arr = t.GetProperty("data");
        var d = new float[arr.GetArrayLength()];
        int i = 0;
        foreach (var v in arr.EnumerateArray()) d[i++] = (float)v.GetDouble();  // the JSON holds float32 values exactly
        return d;
    }

    public static int[] Shape(JsonElement t) => t.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray();

    public static Tensor ToTensor(JsonElement t, bool requiresGrad = false)
    {
        var x = Tensor.FromArray(Data(t), Shape(t));
        x.RequiresGrad = requiresGrad;
        return x;
    }

    /// <summary>
    /// Asserts |a − b| ≤ rtol·max(|b|, floor) elementwise, b the PyTorch value.
    /// </summary>
    /// <remarks>
    /// Why 1e-5 relative: both sides compute in float32 (unit roundoff 6·10⁻⁸) but with different, equally valid operation
    /// orders (vectorised vs pairwise sums, fused multiply-adds, double intermediates here and there, MathF vs SLEEF
    /// transcendental functions). The computations in the fixtures are short and well conditioned, so such differences stay
    /// within a few tens of ulps, ≈ 10⁻⁶ relative; 10⁻⁵ leaves a margin while still catching any wrong formula, sign, factor or
    /// convention (those give errors ≥ 10⁻³). The floor (default 10⁻²) makes the bound absolute, 10⁻⁷, for values near zero
    /// that come out of cancellation between O(1) operands (e.g. σ(x) − y): there the rounding error is a few ulps of the
    /// operands, not of the tiny result, so a purely relative test would be meaningless.
    /// </remarks>
    public static void AssertClose(ReadOnlySpan<float> actual, float[] expected, string what, double rtol = 1e-5, double floor = 1e-2)
    {
        Assert.True(actual.Length == expected.Length, $"{what}: {actual.Length} values, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            double a = actual[i], b = expected[i];
            double tol = rtol * Math.Max(Math.Abs(b), floor);
            if (!(Math.Abs(a - b) <= tol))
                Assert.Fail($"{what}[{i}]: got {a:R}, PyTorch {b:R} (|diff| {Math.Abs(a - b):G3} > tol {tol:G3})");
        }
    }

    public static void AssertClose(double actual, double expected, string what, double rtol = 1e-5, double floor = 1e-2)
    {
        double tol = rtol * Math.Max(Math.Abs(expected), floor);
        if (!(Math.Abs(actual - expected) <= tol))
            Assert.Fail($"{what}: got {actual:R}, PyTorch {expected:R} (|diff| {Math.Abs(actual - expected):G3} > tol {tol:G3})");
    }
}
