using System.CommandLine;
using System.Globalization;
using CrossMargin.Gate.Config;

namespace CrossMargin.Gate.Cli;

/// <summary>A failure the command line reports as one line (<c>crossmargin: …</c>) with an exit code.</summary>
/// <param name="message">What is wrong, naming the file, option or key.</param>
/// <param name="exitCode">2 for bad usage or configuration, 1 for a run that failed.</param>
public sealed class CliException(string message, int exitCode = 2) : Exception(message)
{
    /// <summary>The process exit code.</summary>
    public int ExitCode { get; } = exitCode;
}

/// <summary>Options shared by several commands, with their validation.</summary>
internal static class CliOptions
{
    /// <summary><c>--config FILE</c>: a gate configuration (the embedded default when absent).</summary>
    public static Option<string?> Config() => new("--config", "-c")
    {
        Description = "gate configuration file (JSON with comments); the embedded default when omitted",
        HelpName = "FILE",
    };

    /// <summary><c>--counters FILE</c> of <c>run</c> and <c>demo</c>.</summary>
    public static Option<string?> Counters() => new("--counters")
    {
        Description = "counters file for 'crossmargin stat' (default: derived from the order-flow channel)",
        HelpName = "FILE",
    };

    /// <summary><c>--prometheus PORT</c> of <c>run</c> and <c>demo</c>: loopback only, off by default.</summary>
    public static Option<int> Prometheus() => Int("--prometheus", "serve Prometheus metrics on 127.0.0.1:PORT (0: off)", 0, 0, 65535);

    /// <summary>An integer option bounded to <paramref name="min"/>..<paramref name="max"/>.</summary>
    public static Option<int> Int(string name, string description, int defaultValue, int min, int max, params string[] aliases)
    {
        var o = new Option<int>(name, aliases) { Description = description, DefaultValueFactory = _ => defaultValue, HelpName = "N" };
        o.Validators.Add(r =>
        {
            if (r.Tokens.Count == 0 || !int.TryParse(r.Tokens[0].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v)) return; // the parser reports it
            if (v < min || v > max) r.AddError($"{name} must be in {min.ToString("N0", CultureInfo.InvariantCulture)}..{max.ToString("N0", CultureInfo.InvariantCulture)}, not {v.ToString(CultureInfo.InvariantCulture)}");
        });
        return o;
    }

    /// <summary>A number option bounded to <paramref name="min"/>..<paramref name="max"/>.</summary>
    public static Option<double> Number(string name, string description, double defaultValue, double min, double max, params string[] aliases)
    {
        var o = new Option<double>(name, aliases) { Description = description, DefaultValueFactory = _ => defaultValue, HelpName = "N" };
        o.Validators.Add(r =>
        {
            if (r.Tokens.Count == 0 || !double.TryParse(r.Tokens[0].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)) return; // the parser reports it
            if (!(v >= min && v <= max)) r.AddError($"{name} must be in {min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)}, not {v.ToString(CultureInfo.InvariantCulture)}");
        });
        return o;
    }

    /// <summary>Loads <paramref name="path"/> (or the embedded default) and validates it for running.</summary>
    public static GateConfig LoadConfig(string? path, string? journal = null)
    {
        GateConfig config;
        if (path is null) config = GateConfig.LoadDefault();
        else
        {
            string text;
            try { text = File.ReadAllText(path); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { throw new CliException($"cannot read config '{path}': {ex.Message}"); }
            try { config = GateConfig.Parse(text); }
            catch (GateConfigException ex) { throw new CliException($"{path}: {ex.Message}"); }
        }
        if (journal is not null) config = config.WithJournal(journal);
        var problems = GateConfigCheck.ForRun(config);
        if (problems.Count > 0) throw new CliException($"{path ?? "embedded default config"}: {problems[0]}");
        return config;
    }

    /// <summary>Reads every line of a file, or stdin for <c>-</c>.</summary>
    public static List<string> ReadLines(string path)
    {
        try
        {
            using TextReader reader = path == "-" ? Console.In : new StreamReader(path);
            return Scenario.ScenarioRunner.ReadLines(reader);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { throw new CliException($"cannot read '{path}': {ex.Message}"); }
    }
}
