using CrossMargin.Gate.Config;
using CrossMargin.Gate.Telemetry;

namespace CrossMargin.Gate.Tests.Cli;

/// <summary><c>feed</c> into a running gate, and <c>aeron-samples</c> at its edges, as separate processes.</summary>
public class OperatorToolTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public void Feed_publishes_a_random_walk_and_csv_ticks_that_the_gate_counts()
    {
        var ports = GateProcess.FreeUdpPorts(3);
        string dir = Directory.CreateTempSubdirectory("cm-feed-").FullName;
        try
        {
            string config = Path.Combine(dir, "gate.json");
            File.WriteAllText(config, GateConfig.DefaultJson().Replace("127.0.0.1:40456", $"127.0.0.1:{ports[0]}").Replace("127.0.0.1:40457", $"127.0.0.1:{ports[1]}")
                .Replace("127.0.0.1:40458", $"127.0.0.1:{ports[2]}").Replace("\"termLength\": 16777216", "\"termLength\": 1048576"));
            string counters = Path.Combine(dir, "gate.counters");
            using var gate = GateProcess.Start("run", "--config", config, "--counters", counters, "--status-interval", "0");
            gate.WaitUntilRunning(Timeout);

            var (code, stdout, stderr) = GateProcess.Run(Timeout, null, "feed", "--config", config, "--count", "300", "--rate", "3000");
            Assert.True(code == 0, stderr);
            Assert.Contains("feed: sent 300 ticks", stdout);
            string csv = Path.Combine(dir, "ticks.csv");
            File.WriteAllText(csv, "# instrument,price\nBTC-PERP,50010.5\nmark,ETH-PERP,3001.25\n\nindex,BTC,49000\n");
            (code, stdout, stderr) = GateProcess.Run(Timeout, null, "feed", "--config", config, "--csv", csv);
            Assert.True(code == 0, stderr);
            Assert.Contains("feed: sent 3 ticks", stdout);
            long? marks = null, index = null;
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (DateTime.UtcNow < deadline)
            {
                Assert.True(CountersReader.TryRead(counters, out var s, out var error), error);
                (marks, index) = (s!.Get("inputs.mark"), s.Get("inputs.index"));
                if (marks == 302 && index == 1) break;
                Thread.Sleep(100);
            }
            Assert.Equal(302, marks);
            Assert.Equal(1, index);

            // A tick off the instrument's grid is refused before anything is sent, naming the line.
            File.WriteAllText(csv, "BTC-PERP,50010.55\n");
            (code, _, stderr) = GateProcess.Run(Timeout, null, "feed", "--config", config, "--csv", csv);
            Assert.Equal(2, code);
            Assert.StartsWith($"crossmargin feed: {csv}:1: ", stderr, StringComparison.Ordinal);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Theory]
    [InlineData("aeron-samples throughput: -L 999999999: longer than the largest message", "throughput", "-L", "999999999")]
    [InlineData("aeron-samples basic-publisher: channel must start with 'aeron:'", "basic-publisher", "-c", "notauri")]
    [InlineData("aeron-samples ping: -m 'x': expected a whole number", "ping", "-m", "x")]
    [InlineData("aeron-samples: unknown command 'bogus'", "bogus")]
    [InlineData("aeron-samples: no command given", new string[0])]
    public void Aeron_samples_answer_bad_arguments_with_one_line_and_exit_2(string expected, params string[] args)
    {
        var (code, _, stderr) = GateProcess.RunSamples(Timeout, args);
        Assert.Equal(2, code);
        Assert.StartsWith(expected, stderr, StringComparison.Ordinal);
        Assert.Equal(1, stderr.Count(c => c == '\n'));
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("basic-publisher", "--help")]
    [InlineData("basic-subscriber", "--help")]
    [InlineData("ping", "--help")]
    [InlineData("pong", "--help")]
    [InlineData("throughput", "--help")]
    [InlineData("streaming-publisher", "--help")]
    [InlineData("rate-subscriber", "--help")]
    public void Aeron_samples_help_goes_to_stdout_and_exits_0(params string[] args)
    {
        var (code, stdout, stderr) = GateProcess.RunSamples(Timeout, args);
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Contains("Usage:", stdout);
    }

    [Fact]
    public void Aeron_samples_throughput_runs_and_ends_its_stream()
    {
        int port = GateProcess.FreeUdpPorts(1)[0];
        var (code, stdout, stderr) = GateProcess.RunSamples(Timeout, "throughput", "-c", $"aeron:udp?endpoint=127.0.0.1:{port}|term-length=65536", "-m", "20k", "-L", "64");
        Assert.True(code == 0, stderr);
        Assert.Contains("Total: 20000 messages", stdout);
    }
}
