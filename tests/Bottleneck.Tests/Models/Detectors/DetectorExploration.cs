using Bottleneck.Data;
using Bottleneck.Tests.Data;
using Bottleneck.Models;
using Bottleneck.Models.Dagmm;
using Bottleneck.Models.RandNet;
using Bottleneck.Models.RobustAe;
using Xunit.Abstractions;

namespace Bottleneck.Tests.Models.Detectors;

public class DetectorExploration(ITestOutputHelper output)
{
    [SkippableFact]
    public void Explore()
    {
        Skip.If(Environment.GetEnvironmentVariable("BOTTLENECK_EXPLORE") is null, "exploration only");
        foreach (var set in new[] { "cardio", "arrhythmia", "ionosphere", "shuttle" })
        {
            var path = SharedData.Find($"odds/{set}.csv");
            if (path is null) continue;
            var data = CsvLoader.Load(path, new CsvOptions("label"));
            void Run(string name, Func<int, ModelConfig> c, int epochs, int batch, Bottleneck.Anomaly.ReconstructionError? error = null)
            {
                var sw = System.Diagnostics.Stopwatch.StartNew();
                var r = DetectorProtocol.RocAuc(data, c, epochs, batch, 3, error: error);
                output.WriteLine($"{set} {name} {r.Average():F3} ({sw.Elapsed.TotalSeconds:F0}s) S rows {DetectorProtocol.LastOutlierFraction:F3}");
            }
            var v = Environment.GetEnvironmentVariable("BOTTLENECK_EXPLORE");
            if (v == "robust3")
            {
                var mae = Bottleneck.Anomaly.ReconstructionError.Mae;
                Run("robust tanh mae l21 1", d => new RobustAeConfig(d, [64], 32, output: Likelihood.BoundedGaussian), 10, 32, mae);
                Run("robust tanh mae l21 1e6", d => new RobustAeConfig(d, [64], 32, output: Likelihood.BoundedGaussian, lambda: 1e6f), 10, 32, mae);
                Run("robust tanh mae l21 0.5", d => new RobustAeConfig(d, [64], 32, output: Likelihood.BoundedGaussian, lambda: 0.5f), 10, 32, mae);
                Run("randnet tanh mae? (model score)", d => new RandNetConfig(d, [Math.Max(4, d / 2)], Math.Max(2, d / 4), members: 10, output: Likelihood.BoundedGaussian), 20, 32);
                Run("dagmm tanh", d => new DagmmConfig(d, [60, 30, 10], 1, components: 4, output: Likelihood.BoundedGaussian), 100, 128);
            }
            if (v == "robust2")
            {
                Run("robust l21 lambda 1", d => new RobustAeConfig(d, [64], 32 > d ? Math.Max(2, d / 2) : 32), 20, 32);
                Run("robust l21 lambda 1e6 (plain AE)", d => new RobustAeConfig(d, [64], 32 > d ? Math.Max(2, d / 2) : 32, lambda: 1e6f), 20, 32);
                Run("robust l21 lambda 0.25", d => new RobustAeConfig(d, [64], 32 > d ? Math.Max(2, d / 2) : 32, lambda: 0.25f), 20, 32);
                Run("robust l21 lambda 1 z2", d => new RobustAeConfig(d, [64], 2, lambda: 1f), 20, 32);
                Run("robust l21 lambda 1e6 z2", d => new RobustAeConfig(d, [64], 2, lambda: 1e6f), 20, 32);
            }
            if (v == "robust")
                foreach (var lam in new[] { 0.5f, 1f, 2f })
                {
                    Run($"robust l21 lambda {lam}", d => new RobustAeConfig(d, [64], 32 > d ? Math.Max(2, d / 2) : 32, lambda: lam), 20, 32);
                    Run($"robust l1 lambda {lam}", d => new RobustAeConfig(d, [64], 32 > d ? Math.Max(2, d / 2) : 32, norm: OutlierNorm.L1, lambda: lam), 20, 32);
                }
            if (v == "dagmm")
            {
                Run("dagmm e100 b128", d => new DagmmConfig(d, [60, 30, 10], 1, components: 4), 100, 128);
                Run("dagmm e100 b32", d => new DagmmConfig(d, [60, 30, 10], 1, components: 4), 100, 32);
                Run("dagmm e100 b32 z2 k2", d => new DagmmConfig(d, [60, 30, 10], 2, components: 2), 100, 32);
            }
            if (v == "randnet")
            {
                Run("randnet d0.3 s0.5", d => new RandNetConfig(d, [Math.Max(4, d / 2)], Math.Max(2, d / 4), members: 10), 20, 32);
                Run("randnet d0.5 s0.5", d => new RandNetConfig(d, [Math.Max(4, d / 2)], Math.Max(2, d / 4), members: 10, dropConnect: 0.5f), 20, 32);
                Run("randnet 64-32", d => new RandNetConfig(d, [64], 32 > d ? Math.Max(2, d / 2) : 32, members: 10), 20, 32);
            }
        }
    }
}
