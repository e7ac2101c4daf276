using System.CommandLine;
using System.CommandLine.Help;
using CrossMargin.Core.Trigger;
using CrossMargin.Scenario;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Demo;
using CrossMargin.Gate.Operator;

namespace CrossMargin.Gate.Cli;

/// <summary>
/// The <c>crossmargin</c> command tree (System.CommandLine): <c>--help</c> on every command prints to
/// stdout and exits 0; a bad argument is one line on stderr and exit 2; a failed run is one line
/// saying why and exit 1. Nothing ends in a stack trace.
/// </summary>
public static class GateCommandLine
{
    /// <summary>Exit code of bad usage or configuration.</summary>
    public const int UsageExitCode = 2;

    /// <summary>Parses and runs <paramref name="args"/>; returns the process exit code.</summary>
    public static int Invoke(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("crossmargin: no command given; 'crossmargin --help' lists the commands");
            return UsageExitCode;
        }
        var root = Build();
        string name = "crossmargin";
        try
        {
            ParseResult parsed = root.Parse(args);
            if (parsed.Errors.Count > 0 && parsed.Action is not HelpAction)
            {
                bool atRoot = parsed.CommandResult.Command is RootCommand;
                string command = atRoot ? "crossmargin" : $"crossmargin {parsed.CommandResult.Command.Name}";
                // An unknown word says more than the "required command" that follows from it.
                var error = parsed.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parsed.Errors[0];
                string message = atRoot && parsed.UnmatchedTokens.Count > 0
                    ? $"unknown command '{parsed.UnmatchedTokens[0]}'; commands: {string.Join(", ", root.Subcommands.Select(c => c.Name))}"
                    : OneLine(error.Message);
                Console.Error.WriteLine($"crossmargin: {message} (see '{command} --help')");
                return UsageExitCode;
            }
            name = parsed.CommandResult.Command.Name;
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (CliException ex)
        {
            Console.Error.WriteLine($"crossmargin {name}: {OneLine(ex.Message)}");
            return ex.ExitCode;
        }
        catch (Journal.JournalException ex)
        {
            Console.Error.WriteLine($"crossmargin {name}: {OneLine(ex.Message)}");
            return UsageExitCode;
        }
        catch (GateConfigException ex)
        {
            Console.Error.WriteLine($"crossmargin {name}: {OneLine(ex.Message)}");
            return UsageExitCode;
        }
        catch (Exception ex)
        {
            // A bug or an environment failure: say what and where in one line, never a stack trace
            // (CROSSMARGIN_TRACE=1 prints it for a bug report).
            Console.Error.WriteLine($"crossmargin {name}: failed: {ex.GetType().Name}: {OneLine(ex.Message)}");
            if (Environment.GetEnvironmentVariable("CROSSMARGIN_TRACE") == "1") Console.Error.WriteLine(ex);
            return 1;
        }
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();

    /// <summary>The command tree.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand("CrossMargin gate: a low-latency cross-margin risk core over Aeron UDP.");
        root.Subcommands.Add(Demo());
        root.Subcommands.Add(Run());
        root.Subcommands.Add(Send());
        root.Subcommands.Add(Feed());
        root.Subcommands.Add(Stat());
        root.Subcommands.Add(Resume());
        root.Subcommands.Add(Scenario());
        root.Subcommands.Add(Replay());
        root.Subcommands.Add(ConfigCommand());
        root.Subcommands.Add(Help(root));
        return root;
    }

    private static Command Help(RootCommand root)
    {
        var topic = new Argument<string?>("COMMAND") { Description = "the command to describe", Arity = ArgumentArity.ZeroOrOne };
        var cmd = new Command("help", "describe the commands, or one command") { topic };
        cmd.SetAction(r =>
        {
            string? name = r.GetValue(topic);
            if (name is not null && !root.Subcommands.Any(c => c.Name == name))
                throw new CliException($"unknown command '{name}'; commands: {string.Join(", ", root.Subcommands.Select(c => c.Name))}");
            return root.Parse(name is null ? ["--help"] : [name, "--help"]).Invoke();
        });
        return cmd;
    }

    private static Command Demo()
    {
        var config = CliOptions.Config();
        var duration = CliOptions.Int("--duration", "seconds of offered load (the drain after it is bounded separately)", 10, 1, 3600, "--seconds");
        var accounts = CliOptions.Int("--accounts", "simulated accounts", 2000, 1, 50_000_000);
        var rate = CliOptions.Int("--rate", "inputs per second the simulated exchange offers", 50_000, 1, 10_000_000);
        var journal = new Option<string?>("--journal") { Description = "keep the input journal in DIR (must not exist); a temporary directory otherwise", HelpName = "DIR" };
        var plain = new Option<bool>("--plain") { Description = "plain progress lines even on a terminal (the default when stdout is redirected)" };
        var counters = CliOptions.Counters();
        var prometheus = CliOptions.Prometheus();
        var cmd = new Command("demo", "the gate fed by a simulated exchange over Aeron UDP on loopback; live view, verdict and replay check")
        { config, duration, accounts, rate, journal, plain, counters, prometheus };
        cmd.SetAction(r => DemoCommand.Execute(new DemoOptions
        {
            Config = CliOptions.LoadConfig(r.GetValue(config)),
            JournalPath = r.GetValue(journal),
            Seconds = r.GetValue(duration),
            Accounts = r.GetValue(accounts),
            Rate = r.GetValue(rate),
            Plain = r.GetValue(plain),
            CountersPath = r.GetValue(counters),
            PrometheusPort = r.GetValue(prometheus),
        }));
        return cmd;
    }

    private static Command Run()
    {
        var config = CliOptions.Config();
        var seconds = CliOptions.Int("--seconds", "stop (and drain) after N seconds; 0 runs until SIGINT/SIGTERM", 0, 0, int.MaxValue);
        var journal = new Option<string?>("--journal") { Description = "input journal directory: checked and replayed at start (a torn tail is cut and reported), then appended before decisions are published", HelpName = "DIR" };
        var interval = CliOptions.Number("--status-interval", "seconds between status lines (0: none)", 5, 0, 3600);
        var counters = CliOptions.Counters();
        var prometheus = CliOptions.Prometheus();
        var drain = CliOptions.Number("--drain-timeout", "seconds allowed to drain on stop", 10, 0.1, 3600);
        var cmd = new Command("run", "the gate alone on the configured Aeron channels until SIGINT or SIGTERM, then a graceful drain")
        { config, seconds, journal, interval, counters, prometheus, drain };
        cmd.SetAction(r => RunCommand.Execute(new RunOptions
        {
            Config = CliOptions.LoadConfig(r.GetValue(config), r.GetValue(journal)),
            Seconds = r.GetValue(seconds),
            StatusInterval = TimeSpan.FromSeconds(r.GetValue(interval)),
            CountersPath = r.GetValue(counters),
            PrometheusPort = r.GetValue(prometheus),
            DrainTimeout = TimeSpan.FromSeconds(r.GetValue(drain)),
        }, Console.Out, Console.Error));
        return cmd;
    }

    private static Command Send()
    {
        var config = CliOptions.Config();
        var file = new Argument<string>("FILE") { Description = "scenario-format JSON lines ('-' for stdin); definition lines must match the gate's config" };
        var timeout = CliOptions.Number("--timeout", "seconds to wait for the gate (connect, and each decision batch)", 10, 0.1, 3600);
        var cmd = new Command("send", "publish scenario inputs to a running gate and print its decisions in the scenario output format")
        { config, file, timeout };
        cmd.SetAction(r =>
        {
            var cfg = CliOptions.LoadConfig(r.GetValue(config));
            var lines = CliOptions.ReadLines(r.GetValue(file)!);
            var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false, NewLine = "\n" };
            int code = ScenarioSender.Send(cfg, lines, stdout, Console.Error, TimeSpan.FromSeconds(r.GetValue(timeout)));
            stdout.Flush();
            return code;
        });
        return cmd;
    }

    private static Command Feed()
    {
        var config = CliOptions.Config();
        var csv = new Option<string?>("--csv") { Description = "ticks from a CSV file: instrument,price (or type,id,price with type mark|index); '-' for stdin; a random walk when absent", HelpName = "FILE" };
        var rate = CliOptions.Number("--rate", "ticks per second", 1000, 0.001, 10_000_000);
        var count = CliOptions.Int("--count", "stop after N ticks (0: no limit)", 0, 0, int.MaxValue);
        var seconds = CliOptions.Number("--seconds", "stop after N seconds (0: no limit)", 0, 0, 1e7);
        var instrument = new Option<string[]>("--instrument") { Description = "instruments of the random walk (default: all configured)", HelpName = "ID", AllowMultipleArgumentsPerToken = true };
        var step = CliOptions.Int("--step-bp", "random walk: largest step per tick in basis points of the price", 5, 1, 10_000);
        var seed = CliOptions.Int("--seed", "random walk seed", 1, int.MinValue, int.MaxValue);
        var cmd = new Command("feed", "publish mark ticks to a running gate's market-data channel, from CSV or a random walk, at a rate")
        { config, csv, rate, count, seconds, instrument, step, seed };
        cmd.SetAction(r => TickFeeder.Execute(new FeedOptions
        {
            Config = CliOptions.LoadConfig(r.GetValue(config)),
            CsvPath = r.GetValue(csv),
            Rate = r.GetValue(rate),
            Count = r.GetValue(count),
            Seconds = r.GetValue(seconds),
            Instruments = r.GetValue(instrument) ?? [],
            StepBp = r.GetValue(step),
            Seed = r.GetValue(seed),
        }, Console.Out));
        return cmd;
    }

    private static Command Resume()
    {
        var config = CliOptions.Config();
        var session = CliOptions.Int("--session", "Aeron session id of the halted publisher (as the RECOVERY FAILED line names it; 0 with --stream 0: every halted publisher)", 0, int.MinValue, int.MaxValue);
        var stream = CliOptions.Int("--stream", "its stream id", 0, int.MinValue, int.MaxValue);
        var timeout = CliOptions.Number("--timeout", "seconds to wait for the gate's admin channel", 10, 0.1, 3600);
        var journal = new Option<string?>("--journal")
        {
            Description = "lift it in the journal's publisher-halts file of a stopped gate instead (no admin channel needed; refused while a gate holds the journal)",
            HelpName = "DIR",
        };
        var cmd = new Command("resume", "lift the new-risk halt a gate put on a publisher whose missing order flow could not be recovered (over the admin channel, or in a stopped gate's journal)")
        { config, session, stream, timeout, journal };
        cmd.SetAction(r => r.GetValue(journal) is { } dir
            ? Operator.ResumeCommand.ExecuteOffline(dir, r.GetValue(session), r.GetValue(stream), Console.Out)
            : Operator.ResumeCommand.Execute(CliOptions.LoadConfig(r.GetValue(config)), r.GetValue(session), r.GetValue(stream), Console.Out, TimeSpan.FromSeconds(r.GetValue(timeout))));
        return cmd;
    }

    private static Command Stat()
    {
        var config = CliOptions.Config();
        var counters = new Option<string?>("--counters") { Description = "counters file (default: the one of the gate configured by --config)", HelpName = "FILE" };
        var watch = new Option<bool>("--watch", "-w") { Description = "live: redraw every interval until Ctrl+C" };
        var interval = CliOptions.Number("--interval", "seconds between readings with --watch", 1, 0.05, 3600);
        var cmd = new Command("stat", "read a running gate's counters (memory-mapped file) from another process, once or live")
        { config, counters, watch, interval };
        cmd.SetAction(r =>
        {
            string path = r.GetValue(counters) ?? Telemetry.GateTelemetryFiles.DefaultPath(CliOptions.LoadConfig(r.GetValue(config)));
            return StatCommand.Execute(path, r.GetValue(watch), TimeSpan.FromSeconds(r.GetValue(interval)), Console.Out);
        });
        return cmd;
    }

    private static Command Scenario()
    {
        var file = new Argument<string>("FILE") { Description = "scenario JSON lines ('-' for stdin)" };
        var trigger = new Option<string>("--trigger")
        {
            Description = "how mark ticks find the parts to re-evaluate: index (safe bands, the default) or scan (every holder); outputs are identical",
            HelpName = "index|scan",
            DefaultValueFactory = _ => "index",
        };
        trigger.AcceptOnlyFromAmong("index", "scan");
        var cmd = new Command("scenario", "run a scenario through the risk state machine; events to stdout, 'line N: …' and exit 2 on a bad line") { file, trigger };
        cmd.SetAction(r =>
        {
            var lines = CliOptions.ReadLines(r.GetValue(file)!);
            TriggerModes.TryParse(r.GetValue(trigger)!, out var mode);
            var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false, NewLine = "\n" };
            int code = ScenarioRunner.Run(lines, stdout, Console.Error, trigger: mode);
            stdout.Flush();
            return code;
        });
        return cmd;
    }

    private static Command Replay()
    {
        var dir = new Argument<string>("DIR") { Description = "input journal directory written by 'run --journal' or 'demo --journal'" };
        var config = CliOptions.Config();
        var accept = new Option<bool>("--accept-config-change") { Description = "replay a journal written under another configuration (its fingerprint differs); refused otherwise" };
        var fromStart = new Option<bool>("--from-start") { Description = "ignore the snapshots next to the journal and apply every record from the first" };
        var cmd = new Command("replay", "check an input journal and replay it into a fresh engine, from the newest valid snapshot unless --from-start; prints the input count and the state hash; refuses a damaged journal")
        { dir, config, accept, fromStart };
        cmd.SetAction(r =>
        {
            string path = r.GetValue(dir)!;
            var gateConfig = CliOptions.LoadConfig(r.GetValue(config));
            Journal.Recovered? recovered;
            Journal.JournalError? error;
            try { error = Journal.JournalRecovery.Replay(path, Journal.ConfigFingerprint.Of(gateConfig), () => gateConfig.BuildEngine(), r.GetValue(accept), r.GetValue(fromStart), out recovered); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { throw new CliException($"{path}: {ex.Message}", 1); }
            if (error is not null) throw new CliException(error.ToString());
            var scan = recovered!.Scan;
            if (!scan.Exists) throw new CliException($"no journal at '{path}'");
            if (scan.TornTail is { } torn) Console.Error.WriteLine($"crossmargin replay: {torn} not replayed (a crash mid-append; the gate cuts it when it next opens the journal)");
            if (scan.ConfigChanged) Console.Error.WriteLine("crossmargin replay: the journal was written under another config (accepted by --accept-config-change)");
            foreach (var why in recovered.Report.Refused) Console.Error.WriteLine($"crossmargin replay: snapshot refused: {why}");
            if (recovered.Report.Snapshot is { } used) Console.Error.WriteLine($"crossmargin replay: {recovered.Report}");
            var engine = recovered.Engine;
            Console.WriteLine($"replayed {recovered.LastSequence:N0} inputs; accounts {engine.AccountCount:N0}; insurance fund {engine.FundBalance / 1e6:N2} USD; state hash {engine.StateHash():x16}");
            return 0;
        });
        return cmd;
    }

    private static Command ConfigCommand()
    {
        var config = CliOptions.Config();
        var fromScenario = new Option<string?>("--from-scenario") { Description = "print a gate config whose assets and instruments are those of a scenario file (for 'send')", HelpName = "FILE" };
        var port = CliOptions.Int("--base-port", "with --from-scenario: market data on PORT, order flow PORT+1, decisions PORT+2 (127.0.0.1)", 40456, 1, 65533);
        var cmd = new Command("config", "validate a configuration as 'run' would use it; print the embedded default without --config")
        { config, fromScenario, port };
        cmd.SetAction(r =>
        {
            if (r.GetValue(fromScenario) is { } scenario)
            {
                var lines = CliOptions.ReadLines(scenario);
                int p = r.GetValue(port);
                string json;
                try { json = GateConfigTemplate.FromScenario(lines, p, p + 1, p + 2); }
                catch (GateConfigException ex) { throw new CliException($"{scenario}: {ex.Message}"); }
                Console.Write(json);
                return 0;
            }
            string? path = r.GetValue(config);
            if (path is null) { Console.Write(GateConfig.DefaultJson()); return 0; }
            var c = CliOptions.LoadConfig(path);
            Console.WriteLine($"config OK: {c.Instruments.Count} instruments, {c.Assets.Count + 1} assets, capacity {c.Capacities.Accounts:N0} accounts; " +
                              $"market data {c.MarketData.Channel} stream {c.MarketData.StreamId}, order flow {c.OrderFlow.Channel} stream {c.OrderFlow.StreamId}, decisions {c.Decisions.Channel} stream {c.Decisions.StreamId}");
            return 0;
        });
        return cmd;
    }
}
