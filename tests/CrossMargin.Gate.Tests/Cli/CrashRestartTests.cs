using System.Diagnostics;
using System.Text.RegularExpressions;
using CrossMargin.Aeron;
using CrossMargin.Aeron.Client;
using CrossMargin.Core.Engine;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Journal;
using CrossMargin.Gate.Telemetry;
using CrossMargin.Gate.Tests.JournalTests;
using CrossMargin.Messages;
using FsCheck;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace CrossMargin.Gate.Tests.Cli;

/// <summary>
/// Issue 9, item 5: <c>crossmargin run --journal</c> as a separate process under load from a sender
/// on loopback, killed with SIGKILL at generated points, restarted on the same journal (once with a
/// torn tail cut into it), and finally stopped gracefully. Nothing journaled is lost or doubled and
/// the state is the one the inputs give, whichever way it is computed.
/// </summary>
public class CrashRestartTests(ITestOutputHelper output)
{
    internal const int Accounts = 200;
    private const int KillPoints = 10;
    private const int TornRound = 4;
    internal static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Input number <paramref name="i"/> (0-based) of the sender: deposits, orders, fills, marks and withdrawals over 200 accounts and both perpetuals.</summary>
    internal static RiskInput InputAt(long i, int btc, int eth)
    {
        long a = (i / 8 * 13 + i % 8) % Accounts + 1; // every account over time (13 is prime to 200)
        int instr = i % 3 == 0 ? eth : btc;
        long mark = instr == btc ? 500_000 : 300_000;
        var side = i % 5 < 2 ? Side.Sell : Side.Buy;
        return (i % 8) switch
        {
            0 or 1 => new RiskInput { Kind = InputKind.Deposit, Account = a, Asset = 0, Amount = 500_000_000 + i % 1000 },
            2 => new RiskInput { Kind = InputKind.Order, Account = a, OrderId = i, Instrument = instr, Side = side, Qty = 1 + i % 9, Price = mark },
            3 or 4 => new RiskInput { Kind = InputKind.Fill, Account = a, Instrument = instr, Side = side, Qty = 1 + i % 5, Price = mark + i % 40 - 20, HasFee = true, Fee = 100 },
            5 => new RiskInput { Kind = InputKind.Mark, Instrument = instr, Price = mark + i % 2000 - 1000 },
            6 => new RiskInput { Kind = InputKind.Withdraw, Account = a, Asset = 0, Amount = 1_000_000 },
            _ => new RiskInput { Kind = InputKind.Cancel, Account = a, OrderId = i - 5 },
        };
    }

    /// <summary>
    /// An exchange-side sender on its own driver: encodes inputs next.. and offers them at a steady
    /// pace; it also consumes decisions, keeping each one's output sequence (the frame's reserved value).
    /// </summary>
    internal sealed class Sender : IDisposable
    {
        private readonly EmbeddedDriver _driver = new();
        private readonly ExclusivePublication _orderFlow;
        private readonly Subscription _decisions;
        private readonly byte[] _buffer = new byte[InputCodec.MaxLength];
        private readonly int _btc, _eth;
        private DelegateFragmentHandler _onDecision;

        public Sender(GateConfig config, int btc, int eth, List<long> outputSequences)
        {
            _orderFlow = _driver.AddPublication(config.OrderFlow.Channel, config.OrderFlow.StreamId);
            _decisions = _driver.AddSubscription(config.Decisions.Channel, config.Decisions.StreamId);
            _onDecision = new DelegateFragmentHandler((ReadOnlySpan<byte> _, in CrossMargin.Aeron.Protocol.FragmentHeader h) => outputSequences.Add(h.ReservedValue));
            (_btc, _eth) = (btc, eth);
        }

        /// <summary>Takes the decisions that arrived.</summary>
        public int Consume()
        {
            int n = 0, k;
            while ((k = _decisions.Poll(ref _onDecision, 256)) > 0) n += k;
            return n + _driver.DoWork();
        }

        /// <summary>Sequence (1-based) of the last input offered.</summary>
        public long Sent { get; private set; }

        public void Connect(long resumeAfter)
        {
            Sent = resumeAfter;
            var sw = Stopwatch.StartNew();
            while (!_orderFlow.IsConnected)
            {
                Assert.True(sw.Elapsed < Timeout, "the sender never connected");
                if (_driver.DoWork() == 0) Thread.Sleep(1);
            }
        }

        /// <summary>Offers inputs up to <paramref name="last"/> (or until <paramref name="stop"/>), 64 per millisecond at most.</summary>
        public void Run(long last, Func<bool> stop)
        {
            while (Sent < last && !stop())
            {
                for (int k = 0; k < 64 && Sent < last; k++)
                {
                    int n = InputCodec.Encode(InputAt(Sent, _btc, _eth), Sent + 1, _buffer);
                    if (_orderFlow.Offer(_buffer.AsSpan(0, n)) < 0) break; // back-pressured, or the gate is gone
                    Sent++;
                }
                Consume();
                Thread.Sleep(1);
            }
            for (int k = 0; k < 20; k++) Consume();
        }

        public void Dispose() => _driver.Dispose();
    }

    /// <summary>The default config on loopback <paramref name="ports"/>, 200 accounts, small rings, scenario roles, plus <paramref name="sections"/> (JSON members).</summary>
    internal static string RunConfigJson(int[] ports, string sections = "") => GateConfig.DefaultJson()
        .Replace("127.0.0.1:40456", $"127.0.0.1:{ports[0]}").Replace("127.0.0.1:40457", $"127.0.0.1:{ports[1]}").Replace("127.0.0.1:40458", $"127.0.0.1:{ports[2]}")
        .Replace("\"accounts\": 20000", $"\"accounts\": {Accounts}")
        .Replace("\"inbound\": 65536", "\"inbound\": 4096").Replace("\"outbound\": 262144", "\"outbound\": 4096")
        // One sender keeps one total order over one stream (marks included): the scenario role mode.
        .Replace("\"threads\":", "\"security\": { \"roles\": \"scenario\" },\n  " + sections + "\"threads\":");

    [Fact]
    public void Killed_at_generated_points_the_gate_restarts_from_its_journal_and_ends_in_the_state_of_the_inputs()
    {
        var ports = GateProcess.FreeUdpPorts(3);
        string dir = Directory.CreateTempSubdirectory("cm-crash-").FullName;
        string journal = Path.Combine(dir, "journal"), counters = Path.Combine(dir, "gate.counters"), configPath = Path.Combine(dir, "gate.json");
        try
        {
            string json = RunConfigJson(ports);
            File.WriteAllText(configPath, json);
            var config = GateConfig.Parse(json);
            var reference = config.BuildEngine();
            int btc = reference.FindInstrument("BTC-PERP"), eth = reference.FindInstrument("ETH-PERP");
            var fingerprint = ConfigFingerprint.Of(config);

            // Kill delays (ms after the sender started) and the bytes cut off the tail once, generated.
            var delays = Gen.Choose(150, 900).Sample(KillPoints).ToArray();
            int cut = Gen.Choose(1, 12).Sample(1)[0];
            long journaled = 0;
            int recovered = 0;
            var outputSequences = new List<long>(); // every decision the exchange received, across all runs
            for (int round = 0; round < KillPoints; round++)
            {
                using var gate = GateProcess.Start("run", "--config", configPath, "--journal", journal, "--status-interval", "0", "--counters", counters);
                gate.WaitUntilRunning(Timeout);
                Assert.Contains($"replayed {journaled:N0} journaled inputs", gate.Stdout);
                if (round > 0) recovered++;
                using (var sender = new Sender(config, btc, eth, outputSequences))
                {
                    sender.Connect(resumeAfter: journaled);
                    var sw = Stopwatch.StartNew();
                    sender.Run(long.MaxValue, () => sw.ElapsedMilliseconds >= delays[round]);
                    gate.Signal(9); // SIGKILL mid-load
                    Assert.True(gate.WaitForExit(Timeout));
                    Assert.True(sender.Sent > journaled, $"round {round}: nothing sent");
                }

                // What survived: a gapless prefix of what was sent, each input exactly once, in order.
                var (scan, records) = JournalKit.ReadAll(journal, fingerprint);
                Assert.Null(scan.Error);
                Assert.True(records.Count >= journaled, $"round {round}: the journal lost records ({records.Count} < {journaled})");
                for (int r = 0; r < records.Count; r++)
                {
                    Assert.Equal(r + 1, records[r].Sequence);
                    Assert.Equal(DecodeResult.Ok, InputCodec.TryDecode(records[r].Message, out _, out long tag));
                    Assert.Equal(r + 1, tag);
                }
                journaled = records.Count;
                if (round == TornRound)
                {
                    // A torn write: the last record loses its last bytes; the restart must cut it back and carry on.
                    string last = JournalKit.Segments(journal)[^1];
                    using (var f = new FileStream(last, FileMode.Open)) f.SetLength(f.Length - cut);
                    (scan, records) = JournalKit.ReadAll(journal, fingerprint);
                    Assert.Null(scan.Error);
                    Assert.NotNull(scan.TornTail);
                    Assert.Equal(journaled - 1, records.Count);
                    journaled = records.Count;
                }
                output.WriteLine($"kill {round + 1}: after {delays[round]} ms, {journaled:N0} inputs journaled");
            }

            // Last run: restart (the torn tail was cut on an earlier one), send the rest, stop gracefully.
            long total = journaled + 2000, finalStart = journaled;
            string finalStdout;
            int finalRunDecisions;
            using (var gate = GateProcess.Start("run", "--config", configPath, "--journal", journal, "--status-interval", "0", "--counters", counters))
            {
                gate.WaitUntilRunning(Timeout);
                Assert.Contains($"replayed {journaled:N0} journaled inputs", gate.Stdout);
                recovered++;
                int before = outputSequences.Count;
                using (var sender = new Sender(config, btc, eth, outputSequences))
                {
                    sender.Connect(resumeAfter: journaled);
                    sender.Run(total, () => false);
                    Assert.Equal(total, sender.Sent);
                    var sw = Stopwatch.StartNew();
                    while (true)
                    {
                        Assert.True(CountersReader.TryRead(counters, out var snap, out var error), error);
                        if (snap!.Get("inputs.processed") + snap.Get("inputs.replayed") == total) break;
                        Assert.True(sw.Elapsed < Timeout, $"processed {snap.Get("inputs.processed")} + replayed {snap.Get("inputs.replayed")} of {total}");
                        sender.Run(total, () => true);
                        Thread.Sleep(20);
                    }
                    gate.Signal(15); // the stop sends every logged decision while the exchange is subscribed
                    Assert.True(gate.WaitForExit(Timeout), "no stop after SIGTERM");
                    for (int k = 0; k < 200; k++) { sender.Consume(); Thread.Sleep(1); }
                }
                Assert.True(gate.ExitCode == 0, $"exit {gate.ExitCode}: {gate.Stderr}");
                Assert.DoesNotContain("never sent", gate.Stdout);
                finalStdout = gate.Stdout;
                finalRunDecisions = outputSequences.Count - before;
            }
            var stopHash = Regex.Match(finalStdout, "state hash ([0-9a-f]{16})");
            Assert.True(stopHash.Success, finalStdout);

            // The same state three ways: the gate's graceful stop, a clean replay of the journal, and
            // the sender's inputs 1..total applied directly.
            var (code, replayOut, replayErr) = GateProcess.Run(Timeout, null, "replay", journal, "--config", configPath);
            Assert.True(code == 0, replayErr);
            Assert.Contains($"replayed {total:N0} inputs", replayOut);
            Assert.Equal(stopHash.Groups[1].Value, Regex.Match(replayOut, "state hash ([0-9a-f]{16})").Groups[1].Value);
            var direct = config.BuildEngine();
            long applied = 0, events = 0, finalDecisions = 0, allDecisions = 0;
            for (long i = 0; i < total; i++)
            {
                bool ok = direct.Process(InputAt(i, btc, eth)) == ProcessStatus.Applied;
                if (ok) applied++;
                events += direct.Events.Span.Length;
                long decided = ok ? direct.Events.Span.Length : 1; // a refused input: one input_error
                allDecisions += decided;
                if (i >= finalStart) finalDecisions += decided;
            }
            // On the consumer side: output sequences only ever rise, across every kill and restart
            // (none doubled), and the last run delivered every decision of its inputs.
            for (int k = 1; k < outputSequences.Count; k++)
                Assert.True(outputSequences[k] > outputSequences[k - 1], $"decision {k}: output sequence {outputSequences[k]} after {outputSequences[k - 1]}");
            Assert.Equal(finalDecisions, finalRunDecisions);
            // Never more than the inputs decide (a decision sent before a kill is not sent again); one
            // logged but unsent at a kill is not re-sent yet (that needs the recovery request).
            Assert.True(outputSequences.Count <= allDecisions, $"{outputSequences.Count} decisions received, the inputs decide {allDecisions}");
            Assert.Equal(direct.StateHash().ToString("x16"), stopHash.Groups[1].Value);
            Assert.True(applied > total / 2, $"only {applied} of {total} inputs applied: the load does too little");
            output.WriteLine($"direct run: {applied:N0} of {total:N0} inputs applied, {events:N0} events, {direct.AccountCount} accounts; the exchange received {outputSequences.Count:N0} of {allDecisions:N0} decisions, {finalRunDecisions:N0} in the last run");
            output.WriteLine($"kill points tried {KillPoints}, restarts recovered {recovered} (torn tail of {cut} bytes cut on restart {TornRound + 2}); {total:N0} inputs; state hash {stopHash.Groups[1].Value}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
