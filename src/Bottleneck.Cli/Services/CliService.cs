using System.Text.RegularExpressions;
using Bottleneck.Data;
using Bottleneck.IO;
using Bottleneck.Training;
using Spectre.Console;

namespace Bottleneck.Cli.Services;

/// <summary>
/// Base of the command services: holds the console and the error writer and turns exceptions into exit codes.
/// User mistakes (<see cref="DataException"/>, <see cref="ModelFileException"/>, <see cref="ArgumentException"/>
/// including ShapeException, missing files, I/O refusals) print one <c>error: ...</c> line and give
/// <see cref="ExitCodes.UsageError"/>; anything else prints the message and gives <see cref="ExitCodes.Failure"/>, with the
/// stack trace only in verbose mode.
/// </summary>
public abstract partial class CliService
{
    /// <summary>Creates the service.</summary>
    /// <param name="console">Console for tables, progress and result lines.</param>
    /// <param name="error">Writer for error and warning lines (stderr).</param>
    /// <param name="verbose">Print stack traces of unexpected errors.</param>
    protected CliService(IAnsiConsole console, TextWriter error, bool verbose)
    {
        Console = console ?? throw new ArgumentNullException(nameof(console));
        Error = error ?? throw new ArgumentNullException(nameof(error));
        Verbose = verbose;
    }

    /// <summary>Console for human-readable output.</summary>
    protected IAnsiConsole Console { get; }

    /// <summary>Writer for error and warning lines.</summary>
    protected TextWriter Error { get; }

    /// <summary>Whether unexpected errors print their stack trace.</summary>
    protected bool Verbose { get; }

    /// <summary>True when progress may be drawn live (an interactive console); false prints plain lines.</summary>
    protected bool Live => Console.Profile.Capabilities.Interactive && Console.Profile.Capabilities.Ansi;

    /// <summary>Writes one plain line to standard output, unwrapped (for key/value lines and machine-readable text).</summary>
    protected void Line(string text = "")
    {
        Console.Profile.Out.Writer.WriteLine(text);
        Console.Profile.Out.Writer.Flush();
    }

    /// <summary>Writes a <c>warning: ...</c> line to the error writer.</summary>
    protected void Warn(string message) => Error.WriteLine("warning: " + message);

    /// <summary>Runs <paramref name="body"/> and maps its exceptions to exit codes (see the class summary).</summary>
    /// <param name="body">The command.</param>
    /// <param name="cancellation">The command's cancellation (Ctrl+C, SIGTERM), installed as the <see cref="CancellationScope"/> of
    /// <paramref name="body"/> so that the library's batch loops stop promptly; default none.</param>
    protected int Guard(Func<int> body, CancellationToken cancellation = default)
    {
        using var scope = CancellationScope.Install(cancellation);
        try
        {
            cancellation.ThrowIfCancellationRequested();   // stopped before it started: do nothing
            return body();
        }
        catch (OperationCanceledException)
        {
            Error.WriteLine("error: interrupted (Ctrl+C or SIGTERM); no output file was written or replaced");
            return ExitCodes.Cancelled;
        }
        catch (Exception e) when (IsUserError(e))
        {
            Error.WriteLine("error: " + OneLine(e));
            return ExitCodes.UsageError;
        }
        catch (TrainingDivergedException e)
        {
            Error.WriteLine("error: training diverged: " + OneLine(e));
            return ExitCodes.Failure;
        }
        catch (Exception e)
        {
            Error.WriteLine($"error: unexpected {e.GetType().Name}: {OneLine(e)}");
            if (Verbose) Error.WriteLine(e.ToString());
            else Error.WriteLine($"(run with --verbose or set {CliEnvironment.DebugVariable}=1 for the stack trace)");
            return ExitCodes.Failure;
        }
    }

    /// <summary>Whether <paramref name="e"/> is a mistake the user can fix (exit code 2).</summary>
    public static bool IsUserError(Exception e) =>
        e is DataException or ModelFileException or ArgumentException or FileNotFoundException or DirectoryNotFoundException
            or UnauthorizedAccessException or PathTooLongException
        || (e is IOException && e.GetType() == typeof(IOException));

    /// <summary>
    /// The exception's message as one line: without the " (Parameter 'x')" suffix and "Actual value was" line that
    /// <see cref="ArgumentException"/> appends, other line breaks joined with "; ".
    /// </summary>
    public static string OneLine(Exception e)
    {
        string m = e.Message;
        if (e is ArgumentOutOfRangeException)
        {
            int nl = m.IndexOf('\n');
            if (nl >= 0) m = m[..nl];
        }
        m = ParameterSuffix().Replace(m, "");
        var lines = m.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? e.GetType().Name : string.Join("; ", lines);
    }

    [GeneratedRegex(@"\s*\(Parameter '[^']*'\)")]
    private static partial Regex ParameterSuffix();
}
