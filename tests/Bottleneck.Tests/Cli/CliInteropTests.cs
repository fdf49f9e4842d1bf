using System.Globalization;
using System.IO.Compression;
using Bottleneck.Tests.Data;
using Bottleneck.Tests.Interop;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Bottleneck.Tests.Cli;

/// <summary>
/// <c>bottleneck export</c> end to end: a model trained by the CLI, exported by the CLI, run by ONNX Runtime on the raw CSV rows, gives
/// the scores and flags <c>detect</c> writes and the codes and reconstructions <c>encode</c> and <c>reconstruct</c> write, on
/// numeric (cardio) and tabular (KDD Cup 99, categorical columns and missing values) data. Plus the user mistakes.
/// </summary>
public class CliInteropTests
{
    private static float[] Column(string csv, string name) => ReadCsv(csv).Select(r => float.Parse(r[name], CultureInfo.InvariantCulture)).ToArray();

    private static List<Dictionary<string, string>> ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        return lines.Skip(1).Select(l => l.Split(',')).Select(p => header.Select((h, i) => (h, p[i])).ToDictionary(e => e.h, e => e.Item2)).ToList();
    }

    /// <summary>The numeric columns of a table written by encode/reconstruct, row-major (label column dropped).</summary>
    private static float[] Table(string path, string? skip = "label") =>
        ReadCsv(path).SelectMany(r => r.Where(kv => kv.Key != skip).Select(kv => float.Parse(kv.Value, CultureInfo.InvariantCulture))).ToArray();

    /// <summary>Runs a command that must succeed; on failure the assertion shows its output.</summary>
    private static async Task Ok(params string[] args)
    {
        var h = new CliHarness();
        int code = await h.Run(args);
        Assert.True(code == 0, $"{string.Join(' ', args)}: exit {code}\n{h.Stdout}{h.Stderr}");
    }

    [SkippableFact]
    public async Task GivenACardioModel_WhenTheScorePartIsExported_ThenOnnxRuntimeGivesDetectsScoresAndFlags()
    {
        var path = SharedData.Find("odds/cardio.csv");
        Skip.If(path is null, "ODDS data not found (../shared/data/odds)");
        using var dir = new TempDir();
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("train", "--data", $"csv:{path}:label=label", "--normal-only", "label=0", "--epochs", "2", "--out", dir.File("m")));
        foreach (var part in new[] { "score", "full" })
        {
            h = new CliHarness();
            int code = await h.Run("export", "--model", dir.File("m"), "--format", "onnx", "--part", part, "--out", dir.File(part + ".onnx"));
            Assert.True(code == 0, h.Stdout + h.Stderr);
            Assert.Contains($"exported the {part} part of the dense model", h.Stdout);
        }
        h = new CliHarness();
        Assert.Equal(0, await h.Run("detect", "--model", dir.File("m"), "--data", $"csv:{path}:label=label", "--out", dir.File("scores.csv")));
        await Ok("encode", "--model", dir.File("m"), "--data", $"csv:{path}:label=label", "--out", dir.File("codes.csv"));
        await Ok("reconstruct", "--model", dir.File("m"), "--data", $"csv:{path}:label=label", "--out", dir.File("rec.csv"));

        var rows = ReadCsv(path);
        var features = rows.SelectMany(r => r.Where(kv => kv.Key != "label").Select(kv => float.Parse(kv.Value, CultureInfo.InvariantCulture))).ToArray();
        int d = rows[0].Count - 1;
        var score = OnnxTestKit.Run(File.ReadAllBytes(dir.File("score.onnx")), ("input", features, d));
        OnnxTestKit.AssertClose("score", Column(dir.File("scores.csv"), "score"), score["score"]);
        var flagged = ReadCsv(dir.File("scores.csv")).Select(r => r["flagged"] == "1").ToArray();
        var flags = (bool[])score["flag"];
        Assert.True(flags.Zip(flagged).Count(p => p.First != p.Second) <= 1, "the ONNX flags differ from detect's on more than one row");
        Assert.Contains(true, flags);

        var full = OnnxTestKit.Run(File.ReadAllBytes(dir.File("full.onnx")), ("input", features, d));
        OnnxTestKit.AssertClose("code", Table(dir.File("codes.csv")), full["code"]);
        OnnxTestKit.AssertClose("reconstruction", Table(dir.File("rec.csv")), full["reconstruction"]);
    }

    /// <summary>Every 150th row of KDD Cup 99 (10%), with a header, and a few cells blanked to exercise the imputations.</summary>
    private static string KddSample(TempDir dir, string gz)
    {
        string[] names =
        [
            "duration", "protocol_type", "service", "flag", "src_bytes", "dst_bytes", "land", "wrong_fragment", "urgent", "hot", "num_failed_logins",
            "logged_in", "num_compromised", "root_shell", "su_attempted", "num_root", "num_file_creations", "num_shells", "num_access_files",
            "num_outbound_cmds", "is_host_login", "is_guest_login", "count", "srv_count", "serror_rate", "srv_serror_rate", "rerror_rate",
            "srv_rerror_rate", "same_srv_rate", "diff_srv_rate", "srv_diff_host_rate", "dst_host_count", "dst_host_srv_count",
            "dst_host_same_srv_rate", "dst_host_diff_srv_rate", "dst_host_same_src_port_rate", "dst_host_srv_diff_host_rate",
            "dst_host_serror_rate", "dst_host_srv_serror_rate", "dst_host_rerror_rate", "dst_host_srv_rerror_rate", "label",
        ];
        var lines = new List<string> { string.Join(",", names) };
        using var reader = new StreamReader(new GZipStream(File.OpenRead(gz), CompressionMode.Decompress));
        int i = 0;
        for (string? line; (line = reader.ReadLine()) != null; i++)
        {
            if (i % 150 != 0) continue;
            var cells = line.Split(',');
            if (lines.Count % 97 == 0) cells[2] = "";          // a missing service
            if (lines.Count % 89 == 0) cells[4] = "";          // a missing src_bytes
            lines.Add(string.Join(",", cells));
        }
        return dir.Write("kdd.csv", string.Join("\n", lines) + "\n");
    }

    [SkippableFact]
    public async Task GivenATabularKddModel_WhenExported_ThenOnnxRuntimeOnTheRawColumnsGivesDetectEncodeAndReconstruct()
    {
        var gz = SharedData.Find("kddcup99/kddcup.data_10_percent.gz");
        Skip.If(gz is null, "KDD Cup 99 data not found (../shared/data/kddcup99)");
        using var dir = new TempDir();
        var csv = KddSample(dir, gz);
        var h = new CliHarness();
        int code = await h.Run("train", "--data", $"csv:{csv}:label=label", "--normal-only", "label=normal.", "--impute", "mean",
            "--categorical-impute", "most-frequent", "--categorical", "land,logged_in", "--epochs", "2", "--out", dir.File("m"));
        Assert.True(code == 0, h.Stdout + h.Stderr);
        foreach (var part in new[] { "score", "full" })
            await Ok("export", "--model", dir.File("m"), "--part", part, "--out", dir.File(part + ".onnx"));
        await Ok("detect", "--model", dir.File("m"), "--data", $"csv:{csv}:label=label", "--out", dir.File("scores.csv"));
        await Ok("encode", "--model", dir.File("m"), "--data", $"csv:{csv}:label=label", "--out", dir.File("codes.csv"));
        await Ok("reconstruct", "--model", dir.File("m"), "--data", $"csv:{csv}:label=label", "--out", dir.File("rec.csv"));

        // one ONNX input per source column, (N, 1): string for the categorical ones, double (NaN = missing) for the numeric ones
        var rows = ReadCsv(csv);
        var score = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(dir.File("score.onnx")));
        var inputs = new List<NamedOnnxValue>();
        foreach (var input in score.Graph.Input)
        {
            string column = input.Name.StartsWith("column_", StringComparison.Ordinal) ? input.Name["column_".Length..] : input.Name;
            Assert.Equal(input.Name, Bottleneck.Interop.OnnxExporter.InputName(column));
            var values = rows.Select(r => r[column]).ToArray();
            if (input.Type.TensorType.ElemType == (int)global::Onnx.TensorProto.Types.DataType.String)
                inputs.Add(NamedOnnxValue.CreateFromTensor(input.Name, new DenseTensor<string>(values, [values.Length, 1])));
            else
                inputs.Add(NamedOnnxValue.CreateFromTensor(input.Name, new DenseTensor<double>(
                    values.Select(v => v.Length == 0 ? double.NaN : double.Parse(v, CultureInfo.InvariantCulture)).ToArray(), [values.Length, 1])));
        }
        Assert.Contains(inputs, v => v.Name == "service");
        Assert.Contains(inputs, v => v.Name == "column_flag");   // the column "flag" is not the output "flag"
        Assert.DoesNotContain(inputs, v => v.Name == "label");

        var onnxScore = OnnxTestKit.Run(File.ReadAllBytes(dir.File("score.onnx")), inputs);
        OnnxTestKit.AssertClose("score", Column(dir.File("scores.csv"), "score"), onnxScore["score"]);
        var flagged = ReadCsv(dir.File("scores.csv")).Select(r => r["flagged"] == "1").ToArray();
        Assert.True(((bool[])onnxScore["flag"]).Zip(flagged).Count(p => p.First != p.Second) <= 1, "the ONNX flags differ from detect's");
        Assert.Contains(true, flagged);

        var full = OnnxTestKit.Run(File.ReadAllBytes(dir.File("full.onnx")), inputs);
        OnnxTestKit.AssertClose("code", Table(dir.File("codes.csv")), full["code"]);
        OnnxTestKit.AssertClose("reconstruction", Table(dir.File("rec.csv")), full["reconstruction"]);
    }

    [Fact]
    public async Task GivenBadExportArguments_ThenOneErrorLineAndExitCode2()
    {
        using var dir = new TempDir();
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("export", "--model", dir.File("nothing"), "--out", dir.File("x.onnx")), "nothing");
        h = new CliHarness();
        h.AssertUsageError(await h.Run("export", "--model", dir.Path, "--part", "middle", "--out", dir.File("x.onnx")), "--part", "middle");
        Assert.False(File.Exists(dir.File("x.onnx")));
    }

    [Fact]
    public async Task GivenAKindWithoutAnOnnxMapping_WhenExported_ThenTheErrorNamesIt()
    {
        using var dir = new TempDir();
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("train", "--kind", "hvae", "--data", "demo:200", "--epochs", "1", "--out", dir.File("m")));
        h = new CliHarness();
        h.AssertUsageError(await h.Run("export", "--model", dir.File("m"), "--out", dir.File("x.onnx")), "cannot export as ONNX", "hvae", "LadderLatent");
        Assert.False(File.Exists(dir.File("x.onnx")));
        // an ONNX file inside the model folder would overwrite it or block its next replacement
        h = new CliHarness();
        h.AssertUsageError(await h.Run("export", "--model", dir.File("m"), "--out", Path.Combine(dir.File("m"), "model.safetensors")), "inside the model folder");
    }
}
