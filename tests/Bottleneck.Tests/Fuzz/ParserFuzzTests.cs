using Bottleneck.Bench;

namespace Bottleneck.Tests.Fuzz;

/// <summary>
/// Property-based fuzzing of each parser of untrusted bytes (<see cref="ParserFuzz"/>), bounded in time: each parser gets
/// <c>BOTTLENECK_FUZZ_SECONDS</c> seconds (default <see cref="DefaultSeconds"/>; 0 skips). One class per parser so xunit runs them in
/// parallel. Longer runs: <c>dotnet run -c Release --project bench/Bottleneck.Bench -- fuzz --seconds 600</c>.
/// </summary>
public abstract class ParserFuzzTestBase
{
    /// <summary>Seconds per parser when BOTTLENECK_FUZZ_SECONDS is not set.</summary>
    public const int DefaultSeconds = 30;

    /// <summary>Environment variable with the seconds per parser.</summary>
    public const string SecondsVariable = "BOTTLENECK_FUZZ_SECONDS";

    protected static void Fuzz(string name)
    {
        string? env = Environment.GetEnvironmentVariable(SecondsVariable);
        int seconds = int.TryParse(env, out int s) && s >= 0 ? s : DefaultSeconds;
        Skip.If(seconds == 0, $"{SecondsVariable}=0");
        var target = ParserFuzz.Targets.Single(t => t.Name == name);
        var report = ParserFuzz.Run(target, seconds);
        Assert.True(report.Failure is null, $"{name}: {report.Failure}");
        Assert.True(report.Iterations > 10, $"{name}: only {report.Iterations} inputs in {report.Seconds:0.0} s");
    }
}

public class SafetensorsFuzzTests : ParserFuzzTestBase { [SkippableFact] public void SafetensorsHeader() => Fuzz("safetensors"); }
public class NpyFuzzTests : ParserFuzzTestBase { [SkippableFact] public void NpyHeader() => Fuzz("npy"); }
public class IdxFuzzTests : ParserFuzzTestBase { [SkippableFact] public void IdxHeader() => Fuzz("idx"); }
public class ConfigJsonFuzzTests : ParserFuzzTestBase { [SkippableFact] public void ConfigJson() => Fuzz("config-json"); }
public class TrainerJsonFuzzTests : ParserFuzzTestBase { [SkippableFact] public void TrainerJson() => Fuzz("trainer-json"); }
public class CsvRowsFuzzTests : ParserFuzzTestBase { [SkippableFact] public void CsvRows() => Fuzz("csv-rows"); }
public class GzipFuzzTests : ParserFuzzTestBase { [SkippableFact] public void GzipInput() => Fuzz("gzip"); }
public class GraphEdgesFuzzTests : ParserFuzzTestBase { [SkippableFact] public void GraphEdgeList() => Fuzz("graph-edges"); }
public class ParquetFuzzTests : ParserFuzzTestBase { [SkippableFact] public void ParquetFile() => Fuzz("parquet"); }
