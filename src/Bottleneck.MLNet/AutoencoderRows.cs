using Microsoft.ML.Data;

namespace Bottleneck.MLNet;

/// <summary>The input row the autoencoder transform reads: the <c>Features</c> column, a vector of D floats (raw, unscaled).</summary>
public sealed class AutoencoderInputRow
{
    /// <summary>The default input column name: "Features", as ML.NET's trainers use.</summary>
    public const string FeaturesColumn = "Features";

    /// <summary>Features x, length D.</summary>
    [ColumnName(FeaturesColumn)]
    public float[] Features { get; set; } = [];
}

/// <summary>
/// The columns the autoencoder transform adds, named as ML.NET's anomaly detectors name theirs so
/// <c>mlContext.AnomalyDetection.Evaluate</c> reads them as they are: <c>Code</c>, <c>Score</c> (the reconstruction error) and
/// <c>PredictedLabel</c> (the anomaly flag).
/// </summary>
public sealed class AutoencoderOutputRow
{
    /// <summary>Column of the code z = encoder(x̂), length latentDim (x̂ = the scaled features).</summary>
    public const string CodeColumn = "Code";
    /// <summary>Column of the reconstruction error (mean squared error per feature for the linear-output models, in scaled units).</summary>
    public const string ScoreColumn = "Score";
    /// <summary>Column of the anomaly flag: Score &gt; the fitted threshold.</summary>
    public const string PredictedLabelColumn = "PredictedLabel";

    /// <summary>The code z, length latentDim.</summary>
    [ColumnName(CodeColumn)]
    public float[] Code { get; set; } = [];

    /// <summary>The reconstruction error of the row.</summary>
    [ColumnName(ScoreColumn)]
    public float Score { get; set; }

    /// <summary>True when <see cref="Score"/> is above the threshold.</summary>
    [ColumnName(PredictedLabelColumn)]
    public bool PredictedLabel { get; set; }
}
