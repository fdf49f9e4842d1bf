using Bottleneck.Data;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Models.Recommendation;

/// <summary>
/// The rows of a rating matrix as <see cref="RowBatch"/>es for a recommendation model: user rows (Mult-DAE, Mult-VAE, U-AutoRec)
/// or item rows (I-AutoRec), with the observation mask for AutoRec (squared error on observed ratings only) and none for the
/// multinomial kinds (an unobserved item is a 0 count). A batch of masked rating rows is a <see cref="RowBatch"/> with a mask,
/// so the composed <see cref="Autoencoder"/>'s step serves these kinds unchanged.
/// </summary>
/// <remarks>Shapes: each batch's input, target and mask are (n, D) with D the row width (items for user rows, users for item rows).</remarks>
public sealed class RatingRows : IBatchSource
{
    private readonly float[] _input, _target;
    private readonly float[]? _mask;

    /// <summary>Creates the source over dense row-major arrays.</summary>
    /// <param name="input">What the encoder sees, rows × width.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="width">D, values per row.</param>
    /// <param name="target">What the reconstruction is scored against (default the input).</param>
    /// <param name="mask">1 where the target counts in the loss, or null (default) for every value.</param>
    /// <param name="name">For messages (default "ratings").</param>
    /// <exception cref="ArgumentException">An array's length is not rows × width.</exception>
    public RatingRows(float[] input, int rows, int width, float[]? target = null, float[]? mask = null, string name = "ratings")
    {
        ArgumentNullException.ThrowIfNull(input);
        long size = (long)rows * width;
        if (input.Length != size || (target != null && target.Length != size) || (mask != null && mask.Length != size))
            throw new ArgumentException($"rating rows: arrays must hold {rows} × {width} = {size} values");
        _input = input; _target = target ?? input; _mask = mask; Count = rows; Width = width; Name = name;
    }

    /// <summary>
    /// The rows of <paramref name="known"/> as <paramref name="model"/> takes them, scored against <paramref name="scored"/> (same ids)
    /// when given: item rows for I-AutoRec, user rows otherwise; the mask of the scored ratings for AutoRec, none for the multinomial kinds.
    /// </summary>
    /// <param name="model">An autorec, mult-dae or mult-vae model.</param>
    /// <param name="known">The interactions the model is shown.</param>
    /// <param name="scored">The interactions its output is scored on (default <paramref name="known"/>).</param>
    /// <exception cref="ArgumentException">Not a recommendation model, or the matrix's width is not the model's.</exception>
    public static RatingRows For(AutoencoderModel model, RatingMatrix known, RatingMatrix? scored = null)
    {
        var layout = RowLayout.Of(model);
        ArgumentNullException.ThrowIfNull(known);
        int rows = layout.ByItem ? known.Items.Count : known.Users.Count, width = layout.ByItem ? known.Users.Count : known.Items.Count;
        if (width != model.InputDim)
            throw new ArgumentException($"{known.Source}: {(layout.ByItem ? "users" : "items")} {width}, the {model.Config.Kind} model expects {model.InputDim}");
        var (input, observed) = known.Dense(layout.ByItem);
        if (scored is null) return new RatingRows(input, rows, width, mask: layout.Masked ? observed : null, name: known.Source);
        var (target, mask) = scored.Dense(layout.ByItem);
        return new RatingRows(input, rows, width, target, layout.Masked ? mask : null, scored.Source);
    }

    /// <inheritdoc/>
    public int Count { get; }

    /// <summary>D, values per row.</summary>
    public int Width { get; }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>The input rows, row-major.</summary>
    public ReadOnlySpan<float> Input => _input;

    /// <inheritdoc/>
    public Batch Load(ReadOnlySpan<int> indices)
    {
        var x = Tensor.Empty([indices.Length, Width]);
        Gather(_input, indices, x.Span);
        Tensor? target = null, mask = null;
        if (!ReferenceEquals(_target, _input)) { target = Tensor.Empty([indices.Length, Width]); Gather(_target, indices, target.Span); }
        if (_mask != null) { mask = Tensor.Empty([indices.Length, Width]); Gather(_mask, indices, mask.Span); }
        return new RowBatch(x, target, mask);
    }

    private void Gather(float[] source, ReadOnlySpan<int> indices, Span<float> destination)
    {
        for (int i = 0; i < indices.Length; i++)
        {
            int r = indices[i];
            if ((uint)r >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), r, $"row index at position {i} must be in [0, {Count})");
            source.AsSpan(r * Width, Width).CopyTo(destination.Slice(i * Width, Width));
        }
    }
}

/// <summary>How a recommendation model reads the rating matrix: item or user rows, masked (explicit ratings) or not (clicks).</summary>
/// <param name="ByItem">Rows are items (I-AutoRec) rather than users.</param>
/// <param name="Masked">The loss counts observed entries only (AutoRec); false for the multinomial kinds.</param>
/// <param name="Explicit">The model predicts rating values (AutoRec: RMSE) rather than a ranking (Mult-DAE, Mult-VAE).</param>
public sealed record RowLayout(bool ByItem, bool Masked, bool Explicit)
{
    /// <summary>The layout of <paramref name="model"/>.</summary>
    /// <exception cref="ArgumentException">The model is not of a recommendation kind.</exception>
    public static RowLayout Of(AutoencoderModel model) => (model ?? throw new ArgumentNullException(nameof(model))).Config switch
    {
        AutoRecConfig a => new RowLayout(a.Orientation == AutoRecOrientation.Item, true, true),
        MultConfig => new RowLayout(false, false, false),
        var c => throw new ArgumentException($"a {c.Kind} model is not a recommender (autorec, mult-dae, mult-vae)"),
    };

    /// <summary>Whether <paramref name="model"/> is of a recommendation kind.</summary>
    public static bool IsRecommender(AutoencoderModel model) => model?.Config is AutoRecConfig or MultConfig;
}
