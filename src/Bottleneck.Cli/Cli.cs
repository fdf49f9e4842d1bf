using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Runtime.InteropServices;
using Bottleneck.Cli.Commands;

namespace Bottleneck.Cli;

/// <summary>
/// The <c>bottleneck</c> command line: builds the command tree and runs it. Parse errors and bad option values print one
/// <c>error: ...</c> line and return <see cref="ExitCodes.UsageError"/>; no command prints the help.
/// </summary>
public static class Cli
{
    /// <summary>Name of the global option that prints stack traces for unexpected errors.</summary>
    public const string VerboseOptionName = "--verbose";

    /// <summary>Runs the tool on the real console, turning Ctrl+C and SIGTERM into cancellation (the command stops at its next batch,
    /// writes nothing partial and exits 130); a second Ctrl+C or SIGTERM ends the process at once.</summary>
    /// <param name="args">Command-line arguments.</param>
    /// <returns>The process exit code (see <see cref="ExitCodes"/>).</returns>
    public static async Task<int> RunAsync(string[] args)
    {
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (cts.IsCancellationRequested) return;   // second Ctrl+C: let the runtime terminate the process
            e.Cancel = true;
            Console.Error.WriteLine("stopping after the current step (press Ctrl+C again to abort immediately)...");
            cts.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
        {
            if (cts.IsCancellationRequested) return;   // a second SIGTERM (or Ctrl+C then SIGTERM) ends the process at once
            ctx.Cancel = true;
            Console.Error.WriteLine("stopping on SIGTERM (a second one ends the process at once)...");
            cts.Cancel();
        });
        try
        {
            return await RunAsync(args, CliEnvironment.CreateDefault(), cts.Token);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>Runs the tool in-process with the given environment (used by tests).</summary>
    /// <param name="args">Command-line arguments.</param>
    /// <param name="env">Console and writers.</param>
    /// <param name="cancellation">Cancels long-running commands (train stops after the current step and exits 130).</param>
    /// <returns>The exit code (see <see cref="ExitCodes"/>).</returns>
    public static async Task<int> RunAsync(string[] args, CliEnvironment env, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(env);
        var root = CreateRootCommand(env);
        var result = root.Parse(args.Length == 0 ? ["--help"] : args);
        if (result.Action is ParseErrorAction)
        {
            string command = result.CommandResult.Command is RootCommand ? "bottleneck" : $"bottleneck {result.CommandResult.Command.Name}";
            string message = result.Errors.Count > 0 ? OneLine(result.Errors[0].Message) : "invalid command line";
            if (result.CommandResult.Command is RootCommand rootCommand && result.UnmatchedTokens.Count > 0)
                message = $"unknown command or option '{result.UnmatchedTokens[0]}'; commands: {string.Join(", ", rootCommand.Subcommands.Select(c => c.Name))}";
            env.Error.WriteLine($"error: {message} (see '{command} --help')");
            return ExitCodes.UsageError;
        }
        // Environment settings that would fail at the first matrix product are refused before any work, as a usage error.
        if (result.CommandResult.Command is not RootCommand && (Kernels.Gemm.EnvironmentProblem() ?? IO.InputFile.EnvironmentProblem()) is { } envProblem)
        {
            env.Error.WriteLine($"error: {envProblem}");
            return ExitCodes.UsageError;
        }
        var config = new InvocationConfiguration
        {
            Output = env.Output,
            Error = env.Error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null,   // Ctrl+C is handled by RunAsync(string[]) so training can stop cleanly
        };
        try
        {
            return await result.InvokeAsync(config, cancellation);
        }
        catch (Exception e)
        {
            // Services map their own exceptions; this only catches failures outside them.
            env.Error.WriteLine($"error: unexpected {e.GetType().Name}: {Services.CliService.OneLine(e)}");
            if (IsVerbose(result, env)) env.Error.WriteLine(e.ToString());
            return ExitCodes.Failure;
        }
    }

    private static string OneLine(string message) =>
        string.Join(" ", message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>Builds the root command with every subcommand, writing to <paramref name="env"/>.</summary>
    public static RootCommand CreateRootCommand(CliEnvironment env)
    {
        var root = new RootCommand(
            "Bottleneck trains autoencoders and uses them to encode, reconstruct and evaluate data and to detect anomalies.\n\n" +
            "Data SPECs: " + CliOptions.SpecHelp + ".\n" +
            "Exit codes: 0 success, 1 unexpected failure, 2 usage or data error, 130 interrupted.\n\n" +
            "Examples:\n" +
            "  bottleneck train --epochs 2                       # demo data, model in runs/model\n" +
            "  bottleneck info --model runs/model\n" +
            "  bottleneck evaluate --model runs/model --data demo\n" +
            "  bottleneck encode --model runs/model --data demo --out codes.csv\n" +
            "  bottleneck train --data csv:cardio.csv:label=label --normal-only label=0 --out runs/cardio\n" +
            "  bottleneck detect --model runs/cardio --data csv:cardio.csv:label=label --out scores.csv");
        var verbose = new Option<bool>(VerboseOptionName)
        {
            Description = $"Print stack traces for unexpected errors (also: {CliEnvironment.DebugVariable}=1)",
            Recursive = true,
        };
        root.Add(verbose);
        CommandParts.Attach(root, verbose);
        root.Add(TrainCommand.Create(env));
        root.Add(EncodeCommand.Create(env));
        root.Add(ReconstructCommand.Create(env));
        root.Add(DenoiseCommand.Create(env));
        root.Add(UpscaleCommand.Create(env));
        root.Add(EvaluateCommand.Create(env));
        root.Add(RecommendCommand.Create(env));
        root.Add(DetectCommand.Create(env));
        root.Add(InfoCommand.Create(env));
        root.Add(ExportCommand.Create(env));
        root.Add(ImportCommand.Create(env));
        root.Add(GenerateCommands.Sample(env));
        root.Add(GenerateCommands.Interpolate(env));
        root.Add(GenerateCommands.Traverse(env));
        root.Add(LinksCommand.Create(env));
        root.Add(PlotCommand.Create(env));
        root.Add(ReportCommand.Create(env));
        CustomizeHelp(root);
        return root;
    }

    /// <summary>
    /// The root's help lists each command with the first line of its description only (the full text with examples is
    /// in <c>bottleneck COMMAND --help</c>); command help is System.CommandLine's.
    /// </summary>
    private static void CustomizeHelp(RootCommand root)
    {
        var help = root.Options.OfType<HelpOption>().FirstOrDefault();
        if (help?.Action is HelpAction inner) help.Action = new RootHelpAction(inner);
    }

    private sealed class RootHelpAction(HelpAction inner) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            if (parseResult.CommandResult.Command is not RootCommand root) return inner.Invoke(parseResult);
            var w = parseResult.InvocationConfiguration.Output;
            w.WriteLine("Usage:");
            w.WriteLine("  bottleneck COMMAND [options]");
            w.WriteLine();
            w.WriteLine("Commands:");
            int width = root.Subcommands.Max(c => c.Name.Length) + 2;
            foreach (var c in root.Subcommands)
                w.WriteLine($"  {c.Name.PadRight(width)}{(c.Description ?? "").Split('\n')[0]}");
            w.WriteLine();
            w.WriteLine("Options:");
            w.WriteLine($"  {"--verbose".PadRight(16)}Print stack traces for unexpected errors (also: {CliEnvironment.DebugVariable}=1)");
            w.WriteLine($"  {"-h, --help".PadRight(16)}Show help (also after a command: bottleneck train --help)");
            w.WriteLine($"  {"--version".PadRight(16)}Show the version");
            w.WriteLine();
            w.WriteLine(root.Description);
            w.WriteLine();
            w.WriteLine("Run 'bottleneck COMMAND --help' for the options, defaults and examples of a command.");
            return ExitCodes.Success;
        }
    }

    /// <summary>Whether stack traces are wanted: <c>--verbose</c> was given or the environment enables debugging.</summary>
    public static bool IsVerbose(ParseResult result, CliEnvironment env)
    {
        if (env.Debug) return true;
        try { return result.GetValue(CommandParts.Of<Option<bool>>(result.RootCommandResult.Command)); }
        catch (ArgumentException) { return false; }   // a root command not made by CreateRootCommand
    }
}
