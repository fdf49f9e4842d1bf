using System.Text.Json;
using System.Text.Json.Nodes;
using Bottleneck.Models;
using Bottleneck.Models.Registry;
using Bottleneck.Models.Variational;

namespace Bottleneck.Tests.Models.Variational;

/// <summary>
/// Model folders written before a <see cref="VariationalConfig"/> field existed still load, with the field at the value that
/// reproduces the old behaviour (the constructor's default), and the loaded config saves back with the field written out.
/// </summary>
public class VariationalConfigCompatibilityTests
{
    /// <summary>Fields added to the config after the first variational release, with the default an old file must load with.</summary>
    public static TheoryData<string, string> AddedFields => new()
    {
        { "labelledRows", "0" },
        { "adversarialLearningRateScale", "1" },
        { "semiSupervised", "false" },
        { "classificationWeight", "0" },
        { "topLatentDim", "2" },          // latentDim / 2 for the configs below (latent 4)
        { "ladderHidden", "8" },          // max(8, last hidden / 2) for hidden [16]
        { "spectralNorm", "false" },
        { "gradientPenalty", "0" },
    };

    private static JsonObject Saved(VariationalConfig config) =>
        JsonNode.Parse(ModelRegistry.ToJson(config).GetRawText())!.AsObject();

    [Theory]
    [MemberData(nameof(AddedFields))]
    public void AConfigWithoutALaterFieldLoadsWithTheFieldsDefault(string field, string expected)
    {
        var configs = new[]
        {
            new VariationalConfig(12, [16], 4),
            new VariationalConfig(12, [16], 4, latent: LatentKind.Deterministic, adversarial: true, discriminatorHidden: 8),
            new VariationalConfig(12, [16], 4, classes: 3, semiSupervised: true, datasetSize: 100, labelledRows: 0),
        };
        int checkedConfigs = 0;
        foreach (var config in configs)
        {
            var json = Saved(config);
            Assert.True(json.ContainsKey(field), $"config.json has no '{field}'; keys: {string.Join(", ", json.Select(p => p.Key))}");
            if (json[field]!.ToJsonString() != expected) continue;   // a file from before the field could only hold its default
            checkedConfigs++;
            json.Remove(field);
            var loaded = (VariationalConfig)ModelRegistry.FromJson("vae", JsonSerializer.SerializeToElement(json));
            Assert.Equal(expected, Saved(loaded)[field]!.ToJsonString());
            Assert.Equal(config, loaded);
        }
        Assert.True(checkedConfigs >= 2, $"only {checkedConfigs} config(s) hold '{field}' at its default");
    }

    [Fact]
    public void AnOldSemiSupervisedConfigKeepsItsExplicitAlpha()
    {
        // A model saved with an explicit α keeps it; only a 0 (not given) takes today's default α = 10·N.
        var config = new VariationalConfig(12, [16], 4, classes: 3, semiSupervised: true, datasetSize: 100, classificationWeight: 10f);
        var json = Saved(config);
        json.Remove("labelledRows");
        var loaded = (VariationalConfig)ModelRegistry.FromJson("vae", JsonSerializer.SerializeToElement(json));
        Assert.Equal(10f, loaded.Alpha);
        Assert.Equal(10f / 100, loaded.ClassificationWeightPerRow);
        var defaulted = new VariationalConfig(12, [16], 4, classes: 3, semiSupervised: true, datasetSize: 100);
        Assert.Equal(VariationalConfig.DefaultAlphaPerRow * 100, defaulted.Alpha);
    }

    [Fact]
    public void AnInvalidValueInAnOldFileIsAnErrorNamingTheField()
    {
        var json = Saved(new VariationalConfig(12, [16], 4));
        json["latentDim"] = 0;
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ModelRegistry.FromJson("vae", JsonSerializer.SerializeToElement(json)));
        Assert.Contains("latentDim", e.Message);
    }
}
