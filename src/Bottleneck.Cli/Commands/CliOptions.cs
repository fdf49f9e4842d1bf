using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Bottleneck.Anomaly;

namespace Bottleneck.Cli.Commands;

/// <summary>Option factories and value checks shared by the commands (every command gets fresh option instances).</summary>
internal static class CliOptions
{
    /// <summary>The accepted data SPEC forms, for help texts.</summary>
    public const string SpecHelp =
        "demo[:COUNT] (built-in 28x28 glyph images), mnist[:DIR][:train|test], csv:FILE[:label=COLUMN], npy:FILE[:labels=FILE], images:DIR[:size=HxW][:channels=1|3][:patch=P[,stride=S]][:skip-bad] (PNG/JPEG/BMP/GIF folder), " +
        "sequences:FILE[:label=COL] (one sequence per row), series:FILE.csv[:columns=A,B][:time=COL][:label=COL]:window=W[,stride=S][:until=TIME|FRACTION] (sliding windows), " +
        "graph:cora:DIR or graph:EDGES.csv[:features=FILE.csv] (gae, vgae), ratings:FILE[:sep=TAB|COMMA|PIPE][:implicit=T][:scale=MIN..MAX] (autorec, mult-dae, mult-vae)";

    /// <summary>A required string option.</summary>
    public static Option<string> Required(string name, string helpName, string description) =>
        new(name) { Description = description, Required = true, HelpName = helpName };

    /// <summary>A string option with a default shown in help.</summary>
    public static Option<string> Text(string name, string helpName, string description, string defaultValue) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue, HelpName = helpName };

    /// <summary>A string option restricted to <paramref name="choices"/> (case-insensitive), lower-cased on read.</summary>
    public static Option<string> Choice(string name, string description, string defaultValue, params string[] choices)
    {
        var o = new Option<string>(name) { Description = description, DefaultValueFactory = _ => defaultValue, HelpName = "NAME" };
        o.CompletionSources.Add(choices);
        o.Validators.Add(r =>
        {
            string? v = r.GetValueOrDefault<string>();
            if (!choices.Contains(v?.Trim(), StringComparer.OrdinalIgnoreCase))
                r.AddError($"{name} must be one of {string.Join(", ", choices)}; got \"{v}\"");
        });
        return o;
    }

    /// <summary>A flag (no value).</summary>
    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>An integer option with a minimum.</summary>
    public static Option<int> Int(string name, string description, int defaultValue, int min)
    {
        var o = new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultValue, HelpName = "N" };
        o.Validators.Add(r =>
        {
            if (!TryGet(r, out int v)) return;
            if (v < min) r.AddError($"{name} must be >= {min}, got {v}");
        });
        return o;
    }

    /// <summary>A typed option with a default shown in help and no range check: the library validates the value and its message names the option.</summary>
    public static Option<T> Value<T>(string name, string helpName, string description, T defaultValue) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue, HelpName = helpName };

    /// <summary>A string option restricted to <paramref name="choices"/> (case-insensitive) with no default (null when not given).</summary>
    public static Option<string?> OptionalChoice(string name, string description, params string[] choices)
    {
        var o = new Option<string?>(name) { Description = description, HelpName = "NAME" };
        o.CompletionSources.Add(choices);
        o.Validators.Add(r =>
        {
            string? v = r.GetValueOrDefault<string?>();
            if (v != null && !choices.Contains(v.Trim(), StringComparer.OrdinalIgnoreCase))
                r.AddError($"{name} must be one of {string.Join(", ", choices)}; got \"{v}\"");
        });
        return o;
    }

    /// <summary>An optional anomaly-threshold rule (no default); a validator rejects text <see cref="Threshold.Parse"/> does not accept, listing the forms.</summary>
    public static Option<string?> ThresholdRule(string name, string description)
    {
        var o = new Option<string?>(name) { Description = description, HelpName = "RULE" };
        o.Validators.Add(r =>
        {
            try { if (r.GetValueOrDefault<string?>() is { } v) Threshold.Parse(v); }
            catch (FormatException e) { r.AddError($"{name}: {e.Message}"); }
        });
        return o;
    }

    /// <summary>An optional string option without a default (null when absent).</summary>
    public static Option<string?> Optional(string name, string helpName, string description) =>
        new(name) { Description = description, HelpName = helpName };

    /// <summary>The option's value, or false when it could not be converted (the parser reports that error itself).</summary>
    private static bool TryGet<T>(OptionResult r, out T value)
    {
        try { value = r.GetValueOrDefault<T>(); return true; }
        catch (InvalidOperationException) { value = default!; return false; }
    }

    /// <summary>
    /// A comma-separated list of positive integers ("512,128"); "none" or "" means an empty list. The value stays text
    /// (so help shows the default as typed); <see cref="ParseIntList"/> converts it, and a validator reports bad input.
    /// </summary>
    public static Option<string> IntList(string name, string description, string defaultValue)
    {
        var o = new Option<string>(name) { Description = description, DefaultValueFactory = _ => defaultValue, HelpName = "W1,W2,..." };
        o.Validators.Add(r =>
        {
            try { ParseIntList(r.GetValueOrDefault<string>(), name); }
            catch (ArgumentException e) { r.AddError(e.Message); }
        });
        return o;
    }

    /// <summary>Parses "512,128" (spaces allowed; "none" or empty = no values) into positive integers.</summary>
    /// <exception cref="ArgumentException">A part is not a positive integer; the message names <paramref name="optionName"/>.</exception>
    public static int[] ParseIntList(string? text, string optionName)
    {
        text = (text ?? "").Trim();
        if (text.Length == 0 || text.Equals("none", StringComparison.OrdinalIgnoreCase)) return [];
        var values = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v >= 1) values.Add(v);
            else throw new ArgumentException($"{optionName} takes comma-separated positive integers (e.g. 512,128) or none, got \"{text}\"");
        }
        return values.ToArray();
    }
}

/// <summary>
/// The typed option objects of each command created, kept with the command so that a parse result is bound through them
/// (<c>r.GetValue(options.Model)</c>), never by option name. Tests parse the real command tree and bind the same way.
/// </summary>
/// <summary>The <c>--decimal point|comma</c> option of the commands that read CSV data through a SPEC.</summary>
internal static class DecimalOption
{
    /// <summary>Creates the option (default point: invariant-culture numbers).</summary>
    public static Option<string> Create() => CliOptions.Choice("--decimal",
        "Decimal separator of numbers in csv: data: point (default; a cell such as 0,5 is then an error naming file, row and column) or comma " +
        "(the same as csv:FILE:decimal=comma)", "point", "point", "comma");

    /// <summary>The SPEC with <c>:decimal=comma</c> appended when <paramref name="mode"/> is comma (a non-csv SPEC is then refused by
    /// its parser, naming the option).</summary>
    public static string Apply(string spec, string? mode) =>
        string.Equals(mode, "comma", StringComparison.OrdinalIgnoreCase) && !spec.EndsWith(":decimal=comma", StringComparison.OrdinalIgnoreCase)
            ? spec + ":decimal=comma" : spec;
}

internal static class CommandParts
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Command, object> Table = new();

    /// <summary>Keeps <paramref name="parts"/> with <paramref name="command"/>; returns them.</summary>
    public static T Attach<T>(Command command, T parts) where T : class
    {
        Table.Add(command, parts);
        return parts;
    }

    /// <summary>The parts of the command <paramref name="result"/> parsed.</summary>
    /// <exception cref="ArgumentException">The command was not made with parts of type <typeparamref name="T"/>.</exception>
    public static T Of<T>(ParseResult result) where T : class => Of<T>(result.CommandResult.Command);

    /// <summary>The parts kept with <paramref name="command"/>.</summary>
    /// <exception cref="ArgumentException">The command was not made with parts of type <typeparamref name="T"/>.</exception>
    public static T Of<T>(Command command) where T : class =>
        Table.TryGetValue(command, out var parts) && parts is T t ? t
            : throw new ArgumentException($"the command '{command.Name}' was not made with {typeof(T).Name}");
}
