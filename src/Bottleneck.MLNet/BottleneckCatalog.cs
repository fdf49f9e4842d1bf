using Microsoft.ML;

namespace Bottleneck.MLNet;

/// <summary>The Bottleneck transforms on <c>mlContext.Transforms</c>, in ML.NET's catalog style.</summary>
public static class BottleneckCatalog
{
    /// <summary>
    /// An autoencoder fitted on the <c>Features</c> column that adds <c>Code</c> (z = encoder(x̂)), <c>Score</c> (the reconstruction
    /// error of x̂) and <c>PredictedLabel</c> (Score &gt; threshold), x̂ = the features scaled as in training. With the default
    /// <paramref name="options"/> it is what <c>bottleneck train --normal-only</c> fits on the same rows.
    /// Shape: Features (D floats) → Code (latentDim floats), Score (float), PredictedLabel (bool).
    /// </summary>
    /// <param name="catalog">The transforms catalog (<c>mlContext.Transforms</c>).</param>
    /// <param name="options">Architecture, training, scaling and threshold (default null: <see cref="BottleneckAutoencoderOptions"/>'s defaults).</param>
    /// <returns>The estimator; <c>Fit</c> trains the autoencoder on the rows it is given (the normal rows, for one-class detection).</returns>
    /// <exception cref="ArgumentException">An option is out of range (names it and its value).</exception>
    public static BottleneckAutoencoderEstimator BottleneckAutoencoder(this TransformsCatalog catalog, BottleneckAutoencoderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new BottleneckAutoencoderEstimator(options ?? new BottleneckAutoencoderOptions());
    }
}
