using Spectre.Console;

namespace Bottleneck.Cli;

/// <summary>
/// Where the CLI writes: a Spectre console for human-readable output (tables, progress), a plain writer for
/// System.CommandLine's help and version text, and an error writer for the one-line <c>error: ...</c> messages.
/// Tests pass their own writers to capture everything in-process.
/// </summary>
/// <param name="Console">Console for tables, progress and result lines.</param>
/// <param name="Output">Writer for help and version output.</param>
/// <param name="Error">Writer for error messages (stderr).</param>
/// <param name="Debug">Print stack traces for unexpected errors even without <c>--verbose</c> (set by BOTTLENECK_DEBUG=1).</param>
public sealed record CliEnvironment(IAnsiConsole Console, TextWriter Output, TextWriter Error, bool Debug = false)
{
    /// <summary>Environment variable that turns on stack traces for unexpected errors ("1" or "true").</summary>
    public const string DebugVariable = "BOTTLENECK_DEBUG";

    /// <summary>
    /// The process's real console: standard output and error, interactive (live progress bar, colours) only when
    /// standard output is a terminal; <see cref="Debug"/> from BOTTLENECK_DEBUG.
    /// </summary>
    public static CliEnvironment CreateDefault()
    {
        bool redirected = System.Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(System.Console.Out),
            Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
        });
        // Redirected output (a file, a pipe, CI) has no width; Spectre would assume 80 columns and wrap the wider tables (the
        // history with a column per loss term). Lines in a file may be long: give tables room instead.
        if (redirected) console.Profile.Width = 200;
        string? debug = Environment.GetEnvironmentVariable(DebugVariable);
        return new CliEnvironment(console, System.Console.Out, System.Console.Error,
            debug is "1" || string.Equals(debug, "true", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// An in-memory environment (non-interactive, no ANSI codes) writing to <paramref name="output"/> and
    /// <paramref name="error"/>; for tests and embedding.
    /// </summary>
    /// <param name="output">Receives console, help and version output.</param>
    /// <param name="error">Receives error messages.</param>
    /// <param name="width">Console width used for tables (default 120).</param>
    public static CliEnvironment CreateCaptured(TextWriter output, TextWriter error, int width = 120)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Interactive = InteractionSupport.No,
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
        });
        console.Profile.Width = width;
        return new CliEnvironment(console, output, error);
    }
}
