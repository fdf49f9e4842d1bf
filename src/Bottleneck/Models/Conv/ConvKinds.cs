using Bottleneck.Models.Registry;

[assembly: ModelKinds(typeof(Bottleneck.Models.Conv.ConvKinds))]

namespace Bottleneck.Models.Conv;

/// <summary>The registry entry of the convolutional autoencoder.</summary>
public static class ConvKinds
{
    /// <summary>"conv": strided-convolution encoder, dense or spatial code, mirrored transposed-convolution decoder.</summary>
    public static readonly ModelKind Conv = new("conv",
        "Convolutional autoencoder on images (C, H, W): strided Conv2d encoder (--channels, --kernel, --stride), dense (--latent) or spatial " +
        "(--latent-channels, any image size) code, mirrored ConvTranspose2d decoder; --noise makes it a convolutional denoising autoencoder",
        typeof(ConvConfig), (c, rng) => new ConvAutoencoder((ConvConfig)c, rng), [1, 8, 8],
        shape => new ConvConfig(shape[0], shape[1], shape[2], [4, 8], latent: 6));
}
