namespace Bottleneck.Cli;

/// <summary>Process exit codes of the <c>bottleneck</c> tool.</summary>
public static class ExitCodes
{
    /// <summary>The command succeeded.</summary>
    public const int Success = 0;

    /// <summary>An unexpected failure (a bug or an environment problem), or training diverged.</summary>
    public const int Failure = 1;

    /// <summary>A user mistake: bad option value, bad data SPEC, missing or unreadable file, corrupt model folder, width mismatch.</summary>
    public const int UsageError = 2;

    /// <summary>Interrupted by Ctrl+C (128 + SIGINT), after saving what could be saved.</summary>
    public const int Cancelled = 130;
}
