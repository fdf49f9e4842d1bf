using System.Globalization;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Cli;

/// <summary>train / evaluate / recommend on ratings: data (the generated toy ratings; MovieLens-100K from ../shared when present).</summary>
public class CliRecommendationTests
{
    private static readonly string Toy = SharedData.Fixture("ratings", "toy.tsv");
    private static readonly string ToyTest = SharedData.Fixture("ratings", "toy_test.tsv");

    [Fact]
    public async Task AutoRecTrainsEvaluatesAndRecommends()
    {
        using var dir = new TempDir();
        string model = dir.File("autorec");
        // train: I-AutoRec with Rprop on the full batch, scored on the test file
        var h = new CliHarness();
        int code = await h.Run("train", "--kind", "autorec", "--data", $"ratings:{Toy}:scale=1..5", "--test", $"ratings:{ToyTest}", "--hidden", "16",
            "--lambda", "1", "--optimizer", "rprop", "--lr", "0.01", "--batch-size", "100", "--epochs", "60", "--out", model);
        Assert.True(code == 0, h.Stdout + h.Stderr);
        Assert.Contains("matrix      60 users × 40 items; rows are items (40 × 60)", h.Stdout);
        Assert.Contains("test        ", h.Stdout);
        Assert.True(File.Exists(Path.Combine(model, "ratings.tsv")));
        // evaluate prints and (with --json) writes rmse
        var e = new CliHarness();
        Assert.Equal(0, await e.Run("evaluate", "--model", model, "--data", $"ratings:{ToyTest}", "--json"));
        var json = System.Text.Json.JsonDocument.Parse(e.Stdout).RootElement;
        double rmse = json.GetProperty("rmse").GetDouble();
        Assert.InRange(rmse, 0, 1.2);      // the global mean scores about 1.7 on these two taste groups
        Assert.Equal(205, json.GetProperty("ratings").GetInt32());
        Assert.Contains($"RMSE {rmse.ToString("0.####", CultureInfo.InvariantCulture)}", h.Stdout);
        // recommend for one user, leaving out what they rated: user 1 is in the first taste group (items 101..120)
        var r = new CliHarness();
        Assert.Equal(0, await r.Run("recommend", "--model", model, "--user", "1", "--top", "5", "--exclude-seen"));
        var rated = File.ReadAllLines(Toy).Select(l => l.Split('\t')).Where(p => p[0] == "1").Select(p => p[1]).ToHashSet();
        var items = r.Stdout.Split('\n').Where(l => l.StartsWith("│ ") && char.IsDigit(l[2])).Select(l => l.Split('│')[2].Trim()).ToList();
        Assert.Equal(5, items.Count);
        Assert.DoesNotContain(items, rated.Contains);
        Assert.True(items.Count(i => int.Parse(i, CultureInfo.InvariantCulture) <= 120) >= 4, r.Stdout);
        // commands for row data (report, encode, detect) say they do not apply to a recommender, in one line
        var x = new CliHarness();
        x.AssertUsageError(await x.Run("report", "--model", model, "--out", dir.File("r.html")), "a recommender (ratings: data): this command does not apply to it");
        Assert.False(File.Exists(dir.File("r.html")));
        // recommend --all writes one file, atomically
        var a = new CliHarness();
        string csv = dir.File("top.csv");
        Assert.Equal(0, await a.Run("recommend", "--model", model, "--all", "--top", "3", "--out", csv));
        var lines = File.ReadAllLines(csv);
        Assert.Equal("user,rank,item,score", lines[0]);
        Assert.Equal(1 + 60 * 3, lines.Length);
    }

    [Fact]
    public async Task MultVaeTrainsOnClicksAndReportsRankingMetrics()
    {
        using var dir = new TempDir();
        string model = dir.File("vae");
        var h = new CliHarness();
        int code = await h.Run("train", "--kind", "mult-vae", "--data", $"ratings:{Toy}:implicit=4", "--test", $"ratings:{ToyTest}", "--hidden", "16",
            "--latent", "4", "--epochs", "30", "--batch-size", "16", "--lr", "0.01", "--val-split", "0.1", "--out", model);
        Assert.True(code == 0, h.Stdout + h.Stderr);
        Assert.Contains("6 validation users", h.Stdout);
        Assert.Contains("NDCG@100", h.Stdout);
        var e = new CliHarness();
        Assert.Equal(0, await e.Run("evaluate", "--model", model, "--data", $"ratings:{ToyTest}", "--json"));
        var json = System.Text.Json.JsonDocument.Parse(e.Stdout).RootElement;
        Assert.InRange(json.GetProperty("ndcgAt100").GetDouble(), 0.3, 1.0);   // within-group ranking; the taste groups halve the candidates
        Assert.InRange(json.GetProperty("recallAt20").GetDouble(), 0.3, 1.0);
        Assert.True(json.GetProperty("recallAt50").GetDouble() >= json.GetProperty("recallAt20").GetDouble());
        Assert.Equal(6, json.GetProperty("newUsers").GetInt32());   // the validation users were never trained on: folded in 80/20
    }

    [Fact]
    public async Task BadRatingsInputIsOneClearLineWithExitCode2()
    {
        using var dir = new TempDir();
        string bad = dir.Write("bad.tsv", "1\t101\t4\n2\t101\t7\n");
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--kind", "autorec", "--data", $"ratings:{bad}:scale=1..5", "--out", dir.File("m")),
            "line 2, column 3 (rating): 7 is outside the declared scale 1..5");
        var i = new CliHarness();
        i.AssertUsageError(await i.Run("train", "--kind", "autorec", "--data", $"ratings:{Toy}:implicit=4", "--out", dir.File("m")), "drop :implicit=");
        var v = new CliHarness();
        v.AssertUsageError(await v.Run("train", "--kind", "mult-vae", "--data", $"ratings:{Toy}", "--out", dir.File("m")), "add :implicit=THRESHOLD");
        var d = new CliHarness();
        d.AssertUsageError(await d.Run("train", "--kind", "dense", "--data", $"ratings:{Toy}", "--out", dir.File("m")), "ratings: data trains --kind autorec, mult-dae or mult-vae");
        var k = new CliHarness();
        k.AssertUsageError(await k.Run("train", "--kind", "autorec", "--data", "demo", "--out", dir.File("m")), "--kind autorec trains on ratings:FILE");
        var o = new CliHarness();
        o.AssertUsageError(await o.Run("train", "--kind", "dense", "--test", $"ratings:{ToyTest}", "--out", dir.File("m")), "--test applies to --kind autorec, mult-dae, mult-vae");
        // a test rating outside the training scale
        string testBad = dir.Write("test.tsv", "1\t101\t9\n");
        var t = new CliHarness();
        t.AssertUsageError(await t.Run("train", "--kind", "autorec", "--data", $"ratings:{Toy}", "--test", $"ratings:{testBad}", "--epochs", "1", "--out", dir.File("m")),
            "9 is outside the training scale 1..5");
    }

    [Fact]
    public async Task RecommendRefusesUnknownUsersAndNonRecommenderModels()
    {
        using var dir = new TempDir();
        string model = dir.File("m");
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("train", "--kind", "mult-dae", "--data", $"ratings:{Toy}:implicit=4", "--hidden", "8", "--latent", "4", "--epochs", "1", "--out", model));
        var u = new CliHarness();
        u.AssertUsageError(await u.Run("recommend", "--model", model, "--user", "999", "--top", "3"), "user \"999\" is not in the model's training ratings");
        var both = new CliHarness();
        both.AssertUsageError(await both.Run("recommend", "--model", model, "--top", "3"), "give either --user ID or --all");
        var noOut = new CliHarness();
        noOut.AssertUsageError(await noOut.Run("recommend", "--model", model, "--all"), "--all writes a file: give --out FILE");
        var ext = new CliHarness();
        ext.AssertUsageError(await ext.Run("recommend", "--model", model, "--all", "--out", dir.File("x.json")), "--out must end in .csv or .tsv");
        // a model folder whose ratings.tsv was changed after training
        File.AppendAllText(Path.Combine(model, "ratings.tsv"), "1\t140\t1\n");
        var changed = new CliHarness();
        changed.AssertUsageError(await changed.Run("recommend", "--model", model, "--user", "1"), "was changed after training");
        // a dense model is not a recommender
        string dense = dir.File("dense");
        Assert.Equal(0, await new CliHarness().Run("train", "--data", "demo:200", "--hidden", "8", "--latent", "2", "--epochs", "1", "--out", dense));
        var d = new CliHarness();
        d.AssertUsageError(await d.Run("recommend", "--model", dense, "--user", "1"), "is not a recommender");
    }

    [SkippableFact]
    public async Task MovieLensU1TrainsFromTheSharedFolder()
    {
        var dir = SharedData.Find("movielens-100k");
        Skip.If(dir is null, "MovieLens-100K not found (../shared/data/movielens-100k)");
        using var tmp = new TempDir();
        var h = new CliHarness();
        int code = await h.Run("train", "--kind", "autorec", "--data", $"ratings:{Path.Combine(dir!, "u1.base")}:scale=1..5", "--test",
            $"ratings:{Path.Combine(dir!, "u1.test")}", "--optimizer", "rprop", "--lr", "0.01", "--batch-size", "2000", "--epochs", "3", "--out", tmp.File("m"));
        Assert.True(code == 0, h.Stdout + h.Stderr);
        Assert.Contains("943 users × 1650 items", h.Stdout);
        Assert.Contains("32 name a user or item without training ratings", h.Stdout);
    }
}
