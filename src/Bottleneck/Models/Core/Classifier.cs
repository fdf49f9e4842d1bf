using Bottleneck.Autograd;
using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models;

/// <summary>
/// A classifier made of an autoencoder's encoder and a linear softmax head: logits = Head(code(x)), shape (N, classes).
/// Used for supervised fine-tuning after unsupervised (e.g. greedy layer-wise) pretraining (Bengio et al. 2007; Vincent et al.
/// 2010) and, built on a freshly initialised autoencoder, as the from-scratch baseline. State-dict names: <c>encoder.*</c>,
/// <c>latent.*</c>, <c>head.*</c>.
/// </summary>
public sealed class Classifier : Module
{
    /// <summary>Wraps the encoder and latent layer of <paramref name="autoencoder"/> (shared, not copied: fine-tuning changes them) and a new head.</summary>
    /// <param name="autoencoder">The autoencoder whose encoder is used.</param>
    /// <param name="classes">Number of classes C ≥ 2.</param>
    /// <param name="rng">Generator for the head's initial weights (PyTorch's Linear default).</param>
    /// <exception cref="ArgumentOutOfRangeException">C &lt; 2.</exception>
    public Classifier(Autoencoder autoencoder, int classes, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(autoencoder);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        InputDim = autoencoder.InputDim;
        Classes = classes;
        Encoder = RegisterModule("encoder", autoencoder.Encoder);
        Latent = RegisterModule("latent", autoencoder.Latent);
        Head = RegisterModule("head", new Linear(autoencoder.LatentDim, classes, rng));
    }

    /// <summary>D, the input width.</summary>
    public int InputDim { get; }
    /// <summary>C, the number of classes.</summary>
    public int Classes { get; }
    /// <summary>The (shared) encoder.</summary>
    public Module Encoder { get; }
    /// <summary>The (shared) latent layer; its deterministic code feeds the head.</summary>
    public LatentLayer Latent { get; }
    /// <summary>The linear head latentDim → C.</summary>
    public Linear Head { get; }

    /// <summary>Class logits for inputs (N, D), shape (N, C).</summary>
    public override Tensor Forward(Tensor input) => Head.Forward(Latent.Code(Encoder.Forward(input)));

    /// <summary>The arg-max class of each row of <paramref name="x"/> (N, D), without autograd, in eval mode.</summary>
    public int[] Predict(Tensor x)
    {
        bool wasTraining = Training;
        Eval();
        int[] result;
        using (GradMode.NoGrad())
        {
            var logits = Forward(x);
            int n = logits.Dim(0);
            var s = logits.Span;
            result = new int[n];
            for (int i = 0; i < n; i++)
            {
                int best = 0;
                for (int c = 1; c < Classes; c++) if (s[i * Classes + c] > s[i * Classes + best]) best = c;
                result[i] = best;
            }
        }
        Train(wasTraining);
        return result;
    }
}
