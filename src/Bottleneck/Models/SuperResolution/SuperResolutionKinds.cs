using Bottleneck.Models.Registry;

[assembly: ModelKinds(typeof(Bottleneck.Models.SuperResolution.SuperResolutionKinds))]

namespace Bottleneck.Models.SuperResolution;

/// <summary>The registry entry of the super-resolution autoencoder.</summary>
public static class SuperResolutionKinds
{
    /// <summary>"super-resolution": fixed downsampling encoder, sub-pixel convolutional decoder with residual learning over bicubic.</summary>
    public static readonly ModelKind SuperResolution = new("super-resolution",
        "Super-resolution on images (C, H, W): the low-resolution image made by --downsample bicubic|area at --factor 2|3|4 is the code; " +
        "a sub-pixel convolutional decoder (--channels, --kernel) learns the residual over bicubic upsampling; `upscale` enlarges images of any size",
        typeof(SuperResolutionConfig), (c, rng) => new SuperResolutionModel((SuperResolutionConfig)c, rng), [1, 8, 8],
        shape => new SuperResolutionConfig(shape[0], shape[1], shape[2], 2, [4]));
}
