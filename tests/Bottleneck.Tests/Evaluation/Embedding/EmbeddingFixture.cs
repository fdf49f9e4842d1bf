using System.Text.Json;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Evaluation.Embedding;

/// <summary>Fixtures/sklearn/embedding_fixtures.json (made by make_embedding_fixtures.py): 600 optdigits PCA-10 codes and scikit-learn's figures on them.</summary>
internal static class EmbeddingFixture
{
    private static readonly Lazy<JsonElement> Root = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.Fixture("sklearn", "embedding_fixtures.json")));
        return doc.RootElement.Clone();
    });

    public static JsonElement Json => Root.Value;
    public static int Dim => Json.GetProperty("dim").GetInt32();
    public static float[] Codes => Floats(Json.GetProperty("codes"));
    public static int[] Labels => Ints(Json.GetProperty("labels"));
    public static double Number(params string[] path) => Get(path).GetDouble();

    public static JsonElement Get(params string[] path)
    {
        var e = Json;
        foreach (var p in path) e = e.GetProperty(p);
        return e;
    }

    public static float[] Floats(JsonElement e) => e.EnumerateArray().Select(v => v.GetSingle()).ToArray();
    public static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();
    public static int[] Ints(JsonElement e) => e.EnumerateArray().Select(v => v.GetInt32()).ToArray();
}
