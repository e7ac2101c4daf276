using System.Text.RegularExpressions;
using CrossMargin.Core.Engine;
using CrossMargin.Scenario;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Operator;
using CrossMargin.Gate.Telemetry;

namespace CrossMargin.Gate.Tests.Cli;

/// <summary>
/// Every worked example through the network: <c>crossmargin run</c> as a separate process (a fresh
/// gate per scenario, its definitions from the scenario, loopback ports chosen free), <c>crossmargin
/// send</c> as another, and the output compared byte for byte with the expected file and with the
/// scenario CLI (stdout, the <c>line N:</c> error and the exit code).
/// </summary>
public class SendEndToEndTests
{
    public static TheoryData<string> Scenarios()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(TestSupport.ScenarioDirectory, "*.jsonl").Where(f => !f.EndsWith(".expected.jsonl", StringComparison.Ordinal)).Order())
            data.Add(Path.GetFileNameWithoutExtension(f));
        return data;
    }

    [Fact]
    public void Every_worked_example_is_covered() => Assert.Equal(17, Scenarios().Count);

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void A_worked_example_sent_to_a_running_gate_prints_exactly_the_scenario_output(string name)
    {
        string scenario = Path.Combine(TestSupport.ScenarioDirectory, name + ".jsonl");
        var lines = File.ReadAllLines(scenario).ToList();
        var ports = GateProcess.FreeUdpPorts(3);
        string dir = Directory.CreateTempSubdirectory("cm-e2e-").FullName;
        try
        {
            string configPath = Path.Combine(dir, "gate.json");
            string json = GateConfigTemplate.FromScenario(lines, ports[0], ports[1], ports[2]);
            File.WriteAllText(configPath, json);
            string counters = Path.Combine(dir, "gate.counters");
            using var gate = GateProcess.Start("run", "--config", configPath, "--status-interval", "0", "--counters", counters);
            gate.WaitUntilRunning(TimeSpan.FromSeconds(60));

            var (code, stdout, stderr) = GateProcess.Run(TimeSpan.FromSeconds(60), null, "send", "--config", configPath, scenario);

            // The scenario CLI on the same file, in this process: the reference for all three streams.
            var cliOut = new StringWriter { NewLine = "\n" };
            var cliErr = new StringWriter { NewLine = "\n" };
            int cliCode = ScenarioRunner.Run(lines, cliOut, cliErr);
            Assert.Equal(cliOut.ToString(), stdout);
            Assert.Equal(cliErr.ToString(), stderr);
            Assert.Equal(cliCode, code);
            string expected = Path.Combine(TestSupport.ScenarioDirectory, name + ".expected.jsonl");
            if (File.Exists(expected)) Assert.Equal(File.ReadAllText(expected), stdout);

            // The counters another process reads agree: every decision printed, plus the barrier's fund answer.
            if (code == 0)
            {
                long printed = stdout.Count(c => c == '\n');
                long? sent = null;
                var deadline = DateTime.UtcNow.AddSeconds(5);
                while (DateTime.UtcNow < deadline)
                {
                    Assert.True(CountersReader.TryRead(counters, out var snap, out var error), error);
                    sent = snap!.Get("decisions.sent");
                    if (sent == printed + 1) break;
                    Thread.Sleep(100);
                }
                Assert.Equal(printed + 1, sent);
            }

            // SIGTERM drains and stops the gate cleanly with a summary and the state hash of the inputs applied directly.
            gate.Signal(15);
            Assert.True(gate.WaitForExit(TimeSpan.FromSeconds(30)), "the gate did not stop after SIGTERM");
            Assert.True(gate.ExitCode == 0, $"exit {gate.ExitCode}: {gate.Stderr}");
            Assert.Contains("SIGTERM: draining", gate.Stdout);
            var hash = Regex.Match(gate.Stdout, "state hash ([0-9a-f]{16})");
            Assert.True(hash.Success, gate.Stdout);
            Assert.Equal(DirectHash(GateConfig.Parse(json), lines).ToString("x16"), hash.Groups[1].Value);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The state a gate built from <paramref name="config"/> reaches with the file's inputs (up to a line that does not parse) and the barrier query.</summary>
    private static ulong DirectHash(GateConfig config, List<string> lines)
    {
        var engine = config.BuildEngine();
        var (catalog, parser) = ScenarioSender.Catalog(config, lines.Count);
        foreach (var line in lines)
        {
            if (line.Contains("\"type\":\"asset\"", StringComparison.Ordinal) || line.Contains("\"type\":\"instrument\"", StringComparison.Ordinal)) continue;
            if (!parser.TryParse(line, out var kind, out var input, out _)) break;
            if (kind != LineKind.Input) continue;
            if (input.Kind == InputKind.Deposit) catalog.Process(input);
            engine.Process(input); // an input the engine refuses changes nothing, on the gate too
        }
        engine.Process(new RiskInput { Kind = InputKind.FundQuery });
        return engine.StateHash();
    }
}
