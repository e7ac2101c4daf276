using CrossMargin.Gate.Config;
using CrossMargin.Gate.Telemetry;

namespace CrossMargin.Gate.Tests.Cli;

/// <summary>The command line as an operator meets it: help on stdout with exit 0, one-line errors with exit 2, failures that say why.</summary>
public class CommandLineTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    [InlineData("help", "send")]
    [InlineData("demo", "--help")]
    [InlineData("run", "--help")]
    [InlineData("send", "--help")]
    [InlineData("feed", "--help")]
    [InlineData("stat", "--help")]
    [InlineData("scenario", "--help")]
    [InlineData("replay", "--help")]
    [InlineData("config", "--help")]
    [InlineData("help", "--help")]
    public void Help_goes_to_stdout_and_exits_0(params string[] args)
    {
        var (code, stdout, stderr) = GateProcess.Run(Timeout, null, args);
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Contains("Usage:", stdout);
    }

    [Fact]
    public void The_root_help_lists_every_command()
    {
        var (_, stdout, _) = GateProcess.Run(Timeout, null, "--help");
        foreach (var command in new[] { "demo", "run", "send", "feed", "stat", "scenario", "replay", "config", "help" })
            Assert.Contains("  " + command, stdout);
    }

    [Theory]
    [InlineData("crossmargin: no command given")]
    [InlineData("crossmargin: unknown command 'bogus'", "bogus")]
    [InlineData("crossmargin: Unrecognized command or argument '--bogus'", "run", "--bogus")]
    [InlineData("crossmargin: --duration must be in 1..3,600, not 0", "demo", "--duration", "0")]
    [InlineData("crossmargin: Cannot parse argument 'x' for option '--rate'", "demo", "--rate", "x")]
    [InlineData("crossmargin: Required argument 'FILE' missing", "send")]
    [InlineData("crossmargin replay: no journal at '/no/such.journal'", "replay", "/no/such.journal")]
    [InlineData("crossmargin config: cannot read config '/no/such.json'", "config", "--config", "/no/such.json")]
    [InlineData("crossmargin demo: --journal: '/proc/version' is a file; a journal is a directory", "demo", "--journal", "/proc/version")]
    [InlineData("crossmargin help: unknown command 'nope'", "help", "nope")]
    public void Bad_usage_is_one_line_on_stderr_and_exit_2(string expected, params string[] args)
    {
        var (code, stdout, stderr) = GateProcess.Run(Timeout, null, args);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith(expected, stderr, StringComparison.Ordinal);
        Assert.Equal(1, stderr.Count(c => c == '\n'));
    }

    [Fact]
    public void A_config_run_cannot_use_is_refused_by_config_with_file_key_and_problem()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cm-bad-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, GateConfig.DefaultJson().Replace("127.0.0.1:40457", "127.0.0.1:70000"));
        try
        {
            var (code, _, stderr) = GateProcess.Run(Timeout, null, "config", "--config", path);
            Assert.Equal(2, code);
            Assert.Equal($"crossmargin config: {path}: config.aeron.orderFlow.channel: endpoint '127.0.0.1:70000' needs a port in 1..65535\n", stderr);
            (code, _, stderr) = GateProcess.Run(Timeout, null, "run", "--config", path);
            Assert.Equal(2, code);
            Assert.StartsWith($"crossmargin run: {path}: config.aeron.orderFlow.channel:", stderr, StringComparison.Ordinal);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_second_gate_on_busy_ports_exits_1_saying_why()
    {
        var ports = GateProcess.FreeUdpPorts(3);
        string path = Path.Combine(Path.GetTempPath(), $"cm-busy-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, GateConfig.DefaultJson().Replace("127.0.0.1:40456", $"127.0.0.1:{ports[0]}").Replace("127.0.0.1:40457", $"127.0.0.1:{ports[1]}")
            .Replace("127.0.0.1:40458", $"127.0.0.1:{ports[2]}").Replace("\"termLength\": 16777216", "\"termLength\": 65536"));
        string counters = path + ".counters";
        try
        {
            using var first = GateProcess.Start("run", "--config", path, "--counters", counters);
            first.WaitUntilRunning(Timeout);
            var (code, _, stderr) = GateProcess.Run(Timeout, null, "run", "--config", path, "--counters", counters + "2");
            Assert.Equal(1, code);
            Assert.StartsWith("crossmargin run: cannot open the Aeron channels", stderr, StringComparison.Ordinal);
            Assert.Equal(1, stderr.Count(c => c == '\n'));
            // stat from a third process sees the first gate running.
            var (statCode, statOut, _) = GateProcess.Run(Timeout, null, "stat", "--counters", counters);
            Assert.Equal(0, statCode);
            Assert.Contains($"gate pid {first.Pid} running, state running", statOut);
            first.Signal(2); // SIGINT drains like SIGTERM
            Assert.True(first.WaitForExit(Timeout));
            Assert.Equal(0, first.ExitCode);
            Assert.Contains("SIGINT: draining", first.Stdout);
            Assert.Contains("state hash ", first.Stdout);
            (statCode, statOut, _) = GateProcess.Run(Timeout, null, "stat", "--counters", counters);
            Assert.Contains("not running, state stopped", statOut);
        }
        finally
        {
            File.Delete(path);
            File.Delete(counters);
        }
    }

    [Fact]
    public void Stat_watch_rereads_the_file_with_rates_until_sigint()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cm-watch-{Guid.NewGuid():N}.counters");
        try
        {
            using var writer = new CountersWriter(path, ["inputs.processed", "ring.inbound.used"]);
            writer.Publish([0, 5], GateState.Running);
            using var stat = GateProcess.Start("stat", "--counters", path, "--watch", "--interval", "0.2");
            var deadline = DateTime.UtcNow.AddSeconds(30);
            for (long n = 1; DateTime.UtcNow < deadline && !stat.Stdout.Contains("/s", StringComparison.Ordinal); n++)
            {
                writer.Publish([n * 1000, 5], GateState.Running); // a counter that moves, a level that does not
                Thread.Sleep(50);
            }
            stat.Signal(2);
            Assert.True(stat.WaitForExit(TimeSpan.FromSeconds(30)));
            Assert.Equal(0, stat.ExitCode);
            string output = stat.Stdout;
            Assert.True(output.Split("state running").Length > 2, output); // more than one reading
            Assert.Matches(@"processed\s+[\d,]+\s+[\d,]+/s", output);
            Assert.DoesNotMatch(@"used\s+5\s+[\d,]+/s", output); // occupancy is a level, not a rate
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Stat_without_a_gate_says_which_file_it_looked_for()
    {
        var (code, _, stderr) = GateProcess.Run(Timeout, null, "stat", "--counters", "/no/such.counters");
        Assert.Equal(1, code);
        Assert.Equal("crossmargin stat: no counters file '/no/such.counters' (is a gate running with this configuration?)\n", stderr);
    }
}
