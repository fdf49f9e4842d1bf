namespace Bottleneck.Data;

/// <summary>
/// A problem with input data that the user can fix: a missing, malformed, truncated or inconsistent data file,
/// or a bad data SPEC. The message always names the file (when there is one) and, where relevant, the row,
/// column, value or shape involved, so callers can print <see cref="Exception.Message"/> without a stack trace.
/// </summary>
public sealed class DataException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Complete, user-facing message (should already name the file).</param>
    /// <param name="file">The file involved, or null (default) when there is none.</param>
    /// <param name="inner">The underlying exception, or null (default).</param>
    public DataException(string message, string? file = null, Exception? inner = null) : base(message, inner)
    {
        FilePath = file;
    }

    /// <summary>The file the problem was found in, or null.</summary>
    public string? FilePath { get; }
}
