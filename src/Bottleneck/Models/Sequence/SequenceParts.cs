using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models.Sequence;

/// <summary>The recurrent cell of a sequence kind: LSTM (kind <c>lstm</c>) or GRU (kind <c>gru</c>).</summary>
public enum RecurrentCell
{
    /// <summary>Long short-term memory, <see cref="Lstm"/>.</summary>
    Lstm,
    /// <summary>Gated recurrent unit, <see cref="Gru"/>.</summary>
    Gru,
}

/// <summary>Builds the recurrent layers of a sequence autoencoder.</summary>
public static class RecurrentCells
{
    /// <summary>A batch-first layer of <paramref name="cell"/>.</summary>
    /// <param name="cell">LSTM or GRU.</param>
    /// <param name="inputSize">I, features per step.</param>
    /// <param name="hiddenSize">H.</param>
    /// <param name="rng">Initial weights and the layer's own dropout generator.</param>
    /// <param name="numLayers">L.</param>
    /// <param name="dropout">Dropout between layers in training.</param>
    /// <param name="bidirectional">Also run backwards in time.</param>
    public static RecurrentLayer Create(RecurrentCell cell, int inputSize, int hiddenSize, Rng rng, int numLayers, float dropout, bool bidirectional) =>
        cell == RecurrentCell.Lstm
            ? new Lstm(inputSize, hiddenSize, rng, numLayers, dropout: dropout, bidirectional: bidirectional)
            : new Gru(inputSize, hiddenSize, rng, numLayers, dropout: dropout, bidirectional: bidirectional);
}

/// <summary>
/// Recurrent encoder: h = W·pool(RNN(x)) + b. Entries <c>rnn.*</c> (PyTorch's LSTM/GRU names) and <c>to_latent.*</c>.
/// Shape: x (N, T, F) → h (N, latentDim); pooling "last" takes h_T of the top layer (both directions when bidirectional: the forward
/// run's state at t = T−1 and the reverse run's at t = 0), or with a batch mask and one direction the top layer's output at each
/// sample's last kept step (the last real step of a padded sequence); "mean" the mean of the top layer's outputs over the kept steps.
/// </summary>
public sealed class SequenceEncoder : Module
{
    private readonly SequencePooling _pooling;

    /// <summary>Creates the encoder for <paramref name="config"/>.</summary>
    /// <param name="config">Sizes (F, H, L, latentDim), bidirectional, pooling, dropout.</param>
    /// <param name="cell">LSTM or GRU.</param>
    /// <param name="rng">Initial weights.</param>
    public SequenceEncoder(SequenceConfig config, RecurrentCell cell, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(config);
        _pooling = config.Pooling;
        Rnn = RegisterModule("rnn", RecurrentCells.Create(cell, config.Channels, config.Hidden, rng, config.Layers, config.Dropout, config.Bidirectional));
        ToLatent = RegisterModule("to_latent", new Linear(Rnn.OutputSize, config.LatentDim, rng));
    }

    /// <summary>The recurrent layers.</summary>
    public RecurrentLayer Rnn { get; }

    /// <summary>The Linear from the pooled state to the code.</summary>
    public Linear ToLatent { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Encode(input, null);

    /// <summary>h for <paramref name="input"/> (N, T, F) → (N, latentDim); <paramref name="mask"/> (N, T, F) or null says which steps mean
    /// pooling keeps and, for last pooling with one direction, which step is last (a step counts when any of its values is kept).</summary>
    /// <param name="input">x, (N, T, F).</param>
    /// <param name="mask">The batch mask, or null.</param>
    public Tensor Encode(Tensor input, Tensor? mask)
    {
        var r = Rnn.Forward(input, null, null);
        Tensor pooled;
        if (_pooling == SequencePooling.Last && mask is not null && Rnn.Directions == 1)
        {
            // the top layer's output at each sample's last kept step (its h at that step): padding after it is never read
            var steps = StepMask(mask);                                              // (N, T, 1)
            int n = steps.Dim(0), t = steps.Dim(1);
            var last = Tensor.Zeros(n, t, 1);
            var sp = steps.Span; var lp = last.Span;
            for (int i = 0; i < n; i++)
                for (int j = t - 1; j >= 0; j--)
                    if (sp[i * t + j] != 0f) { lp[i * t + j] = 1f; break; }
            pooled = (r.Output * last).Sum(1);
        }
        else if (_pooling == SequencePooling.Last)
        {
            int layersTimesDirections = r.HiddenState.Dim(0), n = r.HiddenState.Dim(1), h = r.HiddenState.Dim(2), d = Rnn.Directions;
            var top = r.HiddenState.Slice(0, layersTimesDirections - d, d);            // (D, N, H)
            pooled = d == 1 ? top.Reshape(n, h) : top.Permute(1, 0, 2).Reshape(n, d * h);
        }
        else if (mask is null) pooled = r.Output.Mean(1);
        else
        {
            var steps = StepMask(mask);                                              // (N, T, 1), no gradient
            var count = steps.Sum(1).Clamp(1f);                                     // (N, 1)
            pooled = (r.Output * steps).Sum(1) / count;
        }
        return ToLatent.Forward(pooled);
    }

    /// <summary>1 for each step with any kept value, else 0: (N, T, F) → (N, T, 1).</summary>
    internal static Tensor StepMask(Tensor mask)
    {
        int n = mask.Dim(0), t = mask.Dim(1), f = mask.Dim(2);
        var steps = Tensor.Zeros(n, t, 1);
        var m = mask.Span; var s = steps.Span;
        for (int i = 0; i < n * t; i++)
            for (int j = 0; j < f; j++)
                if (m[i * f + j] != 0f) { s[i] = 1f; break; }
        return steps;
    }
}

/// <summary>
/// Repeat-vector decoder: z is the input of every step, logits = Linear(RNN(repeat(z, T))). Entries <c>rnn.*</c> and <c>output.*</c>.
/// Shape: z (N, latentDim) → logits (N, T, F).
/// </summary>
public sealed class RepeatDecoder : Module
{
    private readonly int _steps;

    /// <summary>Creates the decoder for <paramref name="config"/> (forward only, <see cref="SequenceConfig.Layers"/> layers).</summary>
    /// <param name="config">Sizes (T, F, H, L, latentDim) and dropout.</param>
    /// <param name="cell">LSTM or GRU.</param>
    /// <param name="rng">Initial weights.</param>
    public RepeatDecoder(SequenceConfig config, RecurrentCell cell, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(config);
        _steps = config.Steps;
        Rnn = RegisterModule("rnn", RecurrentCells.Create(cell, config.LatentDim, config.Hidden, rng, config.Layers, config.Dropout, false));
        Output = RegisterModule("output", new Linear(config.Hidden, config.Channels, rng));
    }

    /// <summary>The recurrent layers.</summary>
    public RecurrentLayer Rnn { get; }

    /// <summary>The per-step Linear to the F channels.</summary>
    public Linear Output { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        int n = input.Dim(0), k = input.Dim(1);
        var repeated = input.Reshape(n, 1, k).BroadcastTo(n, _steps, k);
        return Output.Forward(Rnn.Forward(repeated));
    }
}

/// <summary>
/// Autoregressive decoder: the input of step t is [z, x_{t−1}] (x_{−1} = 0), logits_t = Linear(RNN state). Entries <c>rnn.*</c> and
/// <c>output.*</c>. <see cref="TeacherForced"/> feeds the true previous values (training); <see cref="Module.Forward"/> runs free,
/// feeding back the likelihood's mean of its own previous output. Shape: z (N, latentDim) → logits (N, T, F).
/// </summary>
public sealed class AutoregressiveDecoder : Module
{
    private readonly int _steps, _channels;
    private readonly Func<Tensor, Tensor> _mean;

    /// <summary>Creates the decoder for <paramref name="config"/>; <paramref name="mean"/> maps logits to the values fed back.</summary>
    /// <param name="config">Sizes (T, F, H, L, latentDim) and dropout.</param>
    /// <param name="cell">LSTM or GRU.</param>
    /// <param name="rng">Initial weights.</param>
    /// <param name="mean">The likelihood's mean function (logits (N, 1, F) → values (N, 1, F)).</param>
    public AutoregressiveDecoder(SequenceConfig config, RecurrentCell cell, Rng rng, Func<Tensor, Tensor> mean)
    {
        ArgumentNullException.ThrowIfNull(config);
        _steps = config.Steps;
        _channels = config.Channels;
        _mean = mean;
        Rnn = RegisterModule("rnn", RecurrentCells.Create(cell, config.LatentDim + config.Channels, config.Hidden, rng, config.Layers, config.Dropout, false));
        Output = RegisterModule("output", new Linear(config.Hidden, config.Channels, rng));
    }

    /// <summary>The recurrent layers.</summary>
    public RecurrentLayer Rnn { get; }

    /// <summary>The per-step Linear to the F channels.</summary>
    public Linear Output { get; }

    /// <summary>Free running: step by step, each step's mean fed back as the next input. Shape: z (N, latentDim) → logits (N, T, F).</summary>
    public override Tensor Forward(Tensor input)
    {
        int n = input.Dim(0), k = input.Dim(1);
        var z = input.Reshape(n, 1, k);
        var previous = Tensor.Zeros(n, 1, _channels);
        Tensor? h = null, c = null;
        var logits = new Tensor[_steps];
        for (int t = 0; t < _steps; t++)
        {
            var r = Rnn.Forward(Tensor.Concat([z, previous], 2), h, c);
            h = r.HiddenState; c = r.CellState;
            logits[t] = Output.Forward(r.Output);
            previous = _mean(logits[t]);
        }
        return _steps == 1 ? logits[0] : Tensor.Concat(logits, 1);
    }

    /// <summary>Teacher forcing: one run over all steps with the true previous values. Shape: z (N, latentDim), x (N, T, F) → logits (N, T, F).</summary>
    /// <param name="z">The codes.</param>
    /// <param name="x">The true sequences (no gradient flows into them).</param>
    public Tensor TeacherForced(Tensor z, Tensor x)
    {
        int n = z.Dim(0), k = z.Dim(1);
        var zero = Tensor.Zeros(n, 1, _channels);
        var previous = _steps == 1 ? zero : Tensor.Concat([zero, x.Detach().Slice(1, 0, _steps - 1)], 1);
        var inputs = Tensor.Concat([z.Reshape(n, 1, k).BroadcastTo(n, _steps, k), previous], 2);
        return Output.Forward(Rnn.Forward(inputs));
    }
}
