using Bottleneck.Anomaly;
using Bottleneck.Autograd;
using Bottleneck.Data;
using Bottleneck.ModelFiles;
using Bottleneck.Tensors;

namespace Bottleneck.MLNet;

/// <summary>
/// The per-row computation behind the transform, from a saved model (weights, scaling, threshold): x̂ = scaling(x),
/// z = encoder(x̂), Score = the model's reconstruction error of x̂, PredictedLabel = Score &gt; threshold. One row at a time under a
/// lock (ML.NET may call the mapping from several cursors at once; the scorer reuses its buffers).
/// </summary>
internal sealed class AutoencoderScoring
{
    private readonly object _gate = new();
    private readonly float[] _row;
    private readonly float[] _score = new float[1];

    public AutoencoderScoring(SavedModel saved)
    {
        Saved = saved ?? throw new ArgumentNullException(nameof(saved));
        saved.Model.Eval();   // dropout off, batch norm on its running statistics
        Detector = AnomalyDetector.FromSaved(saved);
        if (Detector.Threshold is null) throw new ArgumentException("the model has no anomaly threshold", nameof(saved));
        _row = new float[saved.Model.InputDim];
    }

    /// <summary>The model, scaling and threshold, as saved in the model file.</summary>
    public SavedModel Saved { get; }

    /// <summary>The detector built from <see cref="Saved"/>.</summary>
    public AnomalyDetector Detector { get; }

    /// <summary>Fills <paramref name="output"/> from <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentException">The row's feature vector has the wrong length (names both lengths).</exception>
    public void Map(AutoencoderInputRow input, AutoencoderOutputRow output)
    {
        var x = input.Features ?? [];
        if (x.Length != _row.Length)
            throw new ArgumentException($"the {AutoencoderInputRow.FeaturesColumn} column has {x.Length} values in this row, the autoencoder expects {_row.Length}");
        lock (_gate)
        {
            x.CopyTo(_row, 0);
            Detector.Preprocessor.Transform(_row);
            Detector.Scorer.Score(_row, _score);
            using (GradMode.NoGrad())
                output.Code = Detector.Model.Encode(Tensor.FromArray(_row, 1, _row.Length)).ToArray();
            output.Score = _score[0];
            output.PredictedLabel = _score[0] > Detector.Threshold!.Value;
        }
    }
}
