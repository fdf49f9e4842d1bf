using Bottleneck.Kernels;
using Bottleneck.Tensors;
using Bottleneck.Tests.NN;

namespace Bottleneck.Tests.Autograd;

/// <summary>
/// The GEMM-backed cases of the gradient table and the PyTorch layer parity, once per available GEMM provider
/// (managed always; OpenBLAS when libopenblas0-pthread is installed).
/// </summary>
[Collection(GemmProviderCollection.Name)]
public class ProviderMatrixTests
{
    public static IEnumerable<object[]> GemmCases() =>
        from p in Gemm.Available()
        from c in GradientCheckTests.Cases
        where c.Name.StartsWith("matmul", StringComparison.Ordinal) || c.Name.StartsWith("linear", StringComparison.Ordinal) || c.Name.StartsWith("composite", StringComparison.Ordinal)
        select new object[] { p.Name, c.Name };

    [Theory]
    [MemberData(nameof(GemmCases))]
    public void GradientCheckPassesOnEveryProvider(string provider, string caseName)
    {
        var c = GradientCheckTests.Cases.Single(x => x.Name == caseName);
        using var _ = GemmProviderCollection.Use(provider);
        GradCheck.Check($"{c.Name} [{provider}]", c.F, c.Inputs(new Rng(77)));
    }

    public static IEnumerable<object[]> ParityCases() =>
        from p in Gemm.Available()
        from c in LayerParityTests.Cases()
        select new object[] { p.Name, (string)c[0] };

    [Theory]
    [MemberData(nameof(ParityCases))]
    public void LayerParityHoldsOnEveryProvider(string provider, string caseName)
    {
        using var _ = GemmProviderCollection.Use(provider);
        new LayerParityTests().ForwardAndGradientsMatchPyTorch(caseName);
    }
}

/// <summary>Serialises tests that switch the process-wide GEMM provider.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GemmProviderCollection
{
    public const string Name = "gemm-provider-switch";

    public static IDisposable Use(string provider)
    {
        var previous = Gemm.Provider;
        Gemm.Use(Gemm.Available().Single(p => p.Name == provider));
        return new Restore(previous);
    }

    private sealed class Restore(IGemmProvider previous) : IDisposable
    {
        public void Dispose() => Gemm.Use(previous);
    }
}
