using Bottleneck.Cli;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Cli;

/// <summary><c>train --stream</c>: training on csv:, .csv.gz, parquet: and npy: files read a chunk at a time.</summary>
public sealed class CliStreamTrainTests : IClassFixture<CliShardTests.Files>
{
    private readonly CliShardTests.Files _f;

    public CliStreamTrainTests(CliShardTests.Files f) => _f = f;

    private static readonly string[] Common = ["--hidden", "8", "--latent", "2", "--epochs", "2", "--batch-size", "16", "--scale", "standardize",
        "--val-split", "0.2", "--threshold", "p95", "--seed", "4", "--stream", "--shuffle-buffer", "50"];

    private async Task<(string Folder, string Stdout)> Train(string spec, string name)
    {
        var h = new CliHarness();
        string folder = _f.Dir.File(name);
        int code = await h.Run(["train", "--data", spec, "--out", folder, .. Common]);
        Assert.True(code == 0, h.Stdout + h.Stderr);
        return (folder, h.Stdout);
    }

    [Fact]
    public async Task Stream_TheSameRowsAsCsvGzParquetAndNpy_TrainTheSameModelBitForBit_AndRunsRepeat()
    {
        // Given the same 203 rows as CSV, gzipped CSV, Parquet (row groups of 64) and .npy
        var (csv, text) = await Train($"csv:{_f.Csv}:label=label", "s-csv");
        var (again, _) = await Train($"csv:{_f.Csv}:label=label", "s-csv2");
        var (gz, _) = await Train($"csv:{_f.Gz}:label=label", "s-gz");
        var (parquet, _) = await Train($"parquet:{_f.Parquet}:label=label", "s-parquet");
        var (npy, _) = await Train($"npy:{_f.Npy}:labels={_f.NpyLabels}", "s-npy");

        // Then every run trains the same weights (the reader differs, the rows and their order do not), and a rerun repeats them
        byte[] Weights(string folder) => File.ReadAllBytes(Path.Combine(folder, "model.safetensors"));
        var w = Weights(csv);
        Assert.Equal(w, Weights(again));
        Assert.Equal(w, Weights(gz));
        Assert.Equal(w, Weights(parquet));
        Assert.Equal(w, Weights(npy));
        Assert.Contains("163 train, 40 validation (every 5th row)", text);
        Assert.Contains("buffer of 50 rows", text);
        Assert.Contains("threshold   p95 = ", text);
        Assert.Contains("training data (163 rows, streamed)", text);

        // And the model scores the file: about 5% of the training rows are flagged by a p95 threshold
        var d = new CliHarness();
        string scores = _f.Dir.File("s-scores.csv");
        Assert.Equal(0, await d.Run("detect", "--model", csv, "--data", $"csv:{_f.Csv}:label=label", "--out", scores));
        var flagged = File.ReadLines(scores).Skip(1).Count(l => l.Split(',')[2] == "1");
        Assert.InRange(flagged, 5, 30);
    }

    [Fact]
    public async Task Stream_TheThresholdLineNamesTheSameScoreAsTrainingInMemory()
    {
        // Given the same VAE trained on the same rows, streamed and in memory, each with a p95 threshold
        async Task<string> ScoreNamed(string name, bool stream)
        {
            var h = new CliHarness();
            string[] common = stream ? Common : Common.Where(a => a is not "--stream" and not "--shuffle-buffer" and not "50").ToArray();
            int code = await h.Run(["train", "--kind", "vae", "--data", $"csv:{_f.Csv}:label=label", "--out", _f.Dir.File(name), .. common]);
            Assert.True(code == 0, h.Stdout + h.Stderr);
            var m = System.Text.RegularExpressions.Regex.Match(h.Stdout, @"threshold   p95 = \S+ \((\S+) score; flagged = score > threshold\)");
            Assert.True(m.Success, h.Stdout);
            return m.Groups[1].Value;
        }

        // Then both name the score by AnomalyScorer.ScoreName, the name evaluate and detect use
        string streamed = await ScoreNamed("s-vae", stream: true), inMemory = await ScoreNamed("m-vae", stream: false);
        Assert.Equal(inMemory, streamed);
        Assert.Equal("bce", streamed);
    }

    [Fact]
    public async Task Stream_ResumedFromTheFirstEpochsCheckpoint_ReachesTheUninterruptedWeights()
    {
        string[] o = ["--data", $"csv:{_f.Csv}:label=label", "--stream", "--shuffle-buffer", "40", "--hidden", "8", "--latent", "2", "--batch-size", "16", "--seed", "9"];
        string whole = _f.Dir.File("r-whole"), resumed = _f.Dir.File("r-resumed");
        Assert.Equal(0, await new CliHarness().Run(["train", .. o, "--epochs", "3", "--out", whole]));
        Assert.Equal(0, await new CliHarness().Run(["train", .. o, "--epochs", "1", "--out", resumed]));
        var h = new CliHarness();
        Assert.Equal(0, await h.Run(["train", .. o, "--epochs", "3", "--out", resumed, "--resume"]));
        Assert.Contains("resuming", h.Stdout);
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "model.safetensors")), File.ReadAllBytes(Path.Combine(resumed, "model.safetensors")));
    }

    [Theory]
    [InlineData("demo", "demo: data is read into memory")]
    [InlineData("--distributed", "--distributed")]
    [InlineData("--kind", "--kind pca is fitted by another procedure")]
    [InlineData("--normal-only", "--normal-only")]
    [InlineData("--shuffle-buffer", "--shuffle-buffer must be ≥ 1, got 0")]
    [InlineData("--val-split", "must be at most 0.5")]
    [InlineData("--threshold", "needs labelled rows")]
    public async Task Stream_WhereItCannotApply_IsRefusedWithOneLine(string what, string message)
    {
        string data = what == "demo" ? "demo" : $"csv:{_f.Csv}:label=label";
        string[] extra = what switch
        {
            "--distributed" => ["--distributed", "mpi"],
            "--kind" => ["--kind", "pca", "--latent", "2"],
            "--normal-only" => ["--normal-only", "label=0"],
            "--shuffle-buffer" => ["--shuffle-buffer", "0"],
            "--val-split" => ["--val-split", "0.7"],
            "--threshold" => ["--threshold", "f1"],
            _ => [],
        };
        var h = new CliHarness();
        string folder = _f.Dir.File("refused-" + what.TrimStart('-'));
        int code = await h.Run(["train", "--data", data, "--stream", "--epochs", "1", "--out", folder, .. extra]);
        h.AssertUsageError(code, message);
        Assert.False(Directory.Exists(folder));
    }
}
