using Bottleneck.Data;
using Bottleneck.ModelFiles;

namespace Bottleneck.Cli.Services;

/// <summary>A streamed row reader for a data SPEC (Parquet by row group, .npy memory-mapped) with its feature names.</summary>
/// <param name="Reader">The reader (the caller disposes it).</param>
/// <param name="FeatureNames">The columns' names (Parquet), or null.</param>
/// <param name="Image">The image shape of an (N, H, W) or (N, 1, H, W) .npy array, else null.</param>
internal sealed record StreamedRows(IRowReader Reader, string[]? FeatureNames, ImageShape? Image)
{
    /// <summary>Opens <paramref name="spec"/> for streaming when it is a Parquet or .npy file (and checks Parquet column names against
    /// the model's); null for other kinds (CSV has its own streamed path, the rest is read into memory).</summary>
    /// <param name="spec">The data.</param>
    /// <param name="labelColumn">Label column for Parquet (the SPEC's when null).</param>
    /// <param name="saved">The model, whose recorded column names a Parquet file's must match.</param>
    /// <exception cref="DataException">The file cannot be opened, or its columns are not the model's.</exception>
    public static StreamedRows? Open(DataSpec spec, string? labelColumn, SavedModel saved)
    {
        switch (spec.Kind)
        {
            case DataKind.Parquet:
            {
                var reader = new ParquetRowReader(spec.Path!, labelColumn ?? spec.LabelColumn);
                try { ModelStore.CheckColumns(saved, reader.FeatureNames, reader.Source); }
                catch { reader.Dispose(); throw; }
                return new StreamedRows(reader, reader.FeatureNames, null);
            }
            case DataKind.Npy:
            {
                var reader = new NpyRowReader(spec.Path!, spec.LabelsPath);
                return new StreamedRows(reader, null, reader.Image);
            }
            default:
                return null;
        }
    }
}
