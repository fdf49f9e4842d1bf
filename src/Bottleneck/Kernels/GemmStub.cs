// TEMPORARY: replaced by the real providers from the gemm branch on merge.
namespace Bottleneck.Kernels;
public interface IGemmProvider
{
    string Name { get; }
    bool IsAvailable { get; }
    string Describe();
    unsafe void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);
}
public sealed class NaiveGemmStub : IGemmProvider
{
    public string Name => "naive";
    public bool IsAvailable => true;
    public string Describe() => "naive";
    public unsafe void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += (transA ? a[p * lda + i] : a[i * lda + p]) * (transB ? b[j * ldb + p] : b[p * ldb + j]);
                c[i * ldc + j] = (float)(alpha * s + (beta == 0 ? 0 : beta * c[i * ldc + j]));
            }
    }
}
public static class Gemm
{
    public static IGemmProvider Provider { get; private set; } = new NaiveGemmStub();
    public static string Describe() => Provider.Describe();
    public static IReadOnlyList<IGemmProvider> Available() => [Provider];
    public static void Use(IGemmProvider p) => Provider = p;
    public static int Threads { get; set; } = 2;
}
