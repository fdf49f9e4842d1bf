using Bottleneck.Tensors;

namespace Bottleneck.Models;

/// <summary>
/// A model that enlarges images by an integer factor (super-resolution): what <c>bottleneck upscale</c> runs. Implemented by the kinds
/// that can, so commands need no knowledge of a concrete kind.
/// </summary>
public interface IImageUpscaler
{
    /// <summary>r, the enlargement factor.</summary>
    int Scale { get; }

    /// <summary>C, the channel count the model takes.</summary>
    int Channels { get; }

    /// <summary>Enlarges images (eval mode, no autograd). Shape: (N, C, h, w) → (N, C, h·r, w·r) for any h, w ≥ 1.</summary>
    /// <param name="lowResolution">Images in the training data's value range.</param>
    /// <exception cref="ShapeException">Not 4-D, or another channel count than <see cref="Channels"/>.</exception>
    Tensor Upscale(Tensor lowResolution);
}
