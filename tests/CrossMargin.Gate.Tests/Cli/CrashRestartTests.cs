using System.Diagnostics;
using System.Text.RegularExpressions;
using CrossMargin.Aeron;
using CrossMargin.Aeron.Client;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Core.Engine;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Demo;
using CrossMargin.Gate.Journal;
using CrossMargin.Gate.Telemetry;
using CrossMargin.Gate.Tests.JournalTests;
using CrossMargin.Messages;
using CrossMargin.Messages.Recovery;
using FsCheck;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace CrossMargin.Gate.Tests.Cli;

/// <summary>
/// Issue 9, item 5: <c>crossmargin run --journal</c> as a separate process under load from an exchange
/// on loopback, killed with SIGKILL at generated points, restarted on the same journal (once with a
/// torn tail cut into it), and finally stopped gracefully. The exchange keeps sending while the gate
/// is down; the restarted gate asks for what it missed (recovery protocol) and the exchange sends it
/// again from its sent log. Nothing the exchange sent is missing from the journal, no decision is lost
/// or doubled on the consumer side (missed ones are asked for from the gate's on-disk decision log),
/// and the state is the one the inputs give, whichever way it is computed.
/// </summary>
public class CrashRestartTests(ITestOutputHelper output)
{
    internal const int Accounts = 200;
    private const int KillPoints = 10;
    private const int TornRound = 4;
    private const int PerMillisecond = 4;
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
    /// The exchange, on its own thread and driver for the whole test (one order-flow publication: one
    /// publisher identity across every gate restart): numbers inputs 1, 2, 3… at a steady pace and
    /// keeps sending whether or not a gate is there (an input offered to no gate is still sent: it is
    /// in the sent log); serves the gate's RecoveryRequests from that log; consumes decisions, dropping
    /// duplicates by output sequence, and asks the gate for missed ones on the decision replay channel.
    /// </summary>
    private sealed class Exchange : IDisposable
    {
        private readonly GateConfig _config;
        private readonly int _btc, _eth;
        private readonly Thread _thread;
        private volatile bool _running = true;
        private long _limit = long.MaxValue, _sent, _intoTheVoid, _duplicates, _unavailable, _ignored;
        private volatile bool _deaf;

        /// <summary>While set, the consumer loses every decision it receives (as one that was not subscribed would): it asks for them later.</summary>
        public bool Deaf { set => _deaf = value; }

        /// <summary>Decisions lost while deaf.</summary>
        public long Ignored => Interlocked.Read(ref _ignored);
        private readonly Dictionary<long, byte[]> _decisions = [];
        private readonly Queue<RecoveryRange> _asks = new();
        private RecoveryServer? _server;

        public Exchange(GateConfig config, int btc, int eth)
        {
            (_config, _btc, _eth) = (config, btc, eth);
            _thread = new Thread(Run) { IsBackground = true, Name = "crash-exchange" };
            _thread.Start();
        }

        public Exception? Fault { get; private set; }
        public long Sent => Interlocked.Read(ref _sent);
        public long IntoTheVoid => Interlocked.Read(ref _intoTheVoid);
        public long Duplicates => Interlocked.Read(ref _duplicates);
        public long Unavailable => Interlocked.Read(ref _unavailable);
        public (long Requests, long Replayed) Served { get { var s = _server; return s is null ? (0, 0) : (s.Requests, s.Replayed); } }

        /// <summary>Stops generating after input <paramref name="last"/>.</summary>
        public void Limit(long last) => Interlocked.Exchange(ref _limit, last);

        /// <summary>Decisions received so far and the highest output sequence among them.</summary>
        public (int Count, long Highest) Received { get { lock (_decisions) return (_decisions.Count, _highest); } }

        private long _highest;

        /// <summary>Decisions received so far by output sequence (a copy).</summary>
        public Dictionary<long, byte[]> Decisions() { lock (_decisions) return new(_decisions); }

        /// <summary>Asks the gate to send decisions <paramref name="from"/>..<paramref name="to"/> again.</summary>
        public void Ask(long from, long to) { lock (_asks) _asks.Enqueue(new RecoveryRange(from, from, to, 0, _config.Decisions.StreamId)); }

        private void Run()
        {
            try
            {
                using var driver = new EmbeddedDriver();
                var orderFlow = driver.AddPublication(_config.OrderFlow.Channel, _config.OrderFlow.StreamId);
                var decisions = driver.AddSubscription(_config.Decisions.Channel, _config.Decisions.StreamId);
                var requests = driver.AddSubscription(_config.Recovery!.Channel, _config.Recovery.StreamId);
                var replay = driver.AddPublication(_config.DecisionReplay!.Channel, _config.DecisionReplay.StreamId);
                // With a key the gate signs its RecoveryRequests and serves only signed replay requests.
                using var authentication = _config.HmacKey is { } key ? new MessageAuthentication(key) : null;
                var server = _server = new RecoveryServer(orderFlow, 1 << 20, 64, authentication);
                var onDecision = new DelegateFragmentHandler(OnDecision);
                var buffer = new byte[InputCodec.MaxLength];
                var ask = new byte[RecoveryRequestCodec.Length + MessageAuthentication.TagLength];
                var clock = Stopwatch.StartNew();
                long due = 0;
                while (_running)
                {
                    int work = driver.DoWork() + decisions.Poll(ref onDecision, 256) + requests.Poll(ref server, 16) + server.DoWork();
                    long target = Math.Min(Interlocked.Read(ref _limit), clock.ElapsedMilliseconds * PerMillisecond);
                    while (due < target)
                    {
                        int n = InputCodec.Encode(InputAt(due, _btc, _eth), due + 1, buffer);
                        long result = orderFlow.Offer(buffer.AsSpan(0, n));
                        if (result == PublicationResult.BackPressured || result == PublicationResult.AdminAction) break; // a gate is there: wait for it
                        server.Record(due + 1, buffer.AsSpan(0, n)); // sent, whether a gate took it or not
                        if (result < 0) Interlocked.Increment(ref _intoTheVoid);
                        due++;
                        Interlocked.Exchange(ref _sent, due);
                        work++;
                    }
                    lock (_asks)
                    {
                        while (_asks.Count > 0 && replay.IsConnected)
                        {
                            var range = _asks.Peek();
                            int n = RecoveryRequestCodec.Encode(range, ask);
                            if (authentication is not null) n = authentication.Sign(ask, n);
                            if (replay.Offer(ask.AsSpan(0, n)) < 0) break;
                            _asks.Dequeue();
                        }
                    }
                    if (work == 0) Thread.Sleep(1);
                }
            }
            catch (Exception ex) { Fault = ex; }
        }

        private void OnDecision(ReadOnlySpan<byte> buffer, in FragmentHeader header)
        {
            if (header.ReservedValue == 0)
            {
                if (MessageHeader.TemplateOf(buffer) == RecoveryUnavailableCodec.TemplateId) Interlocked.Increment(ref _unavailable);
                return;
            }
            if (_deaf) { Interlocked.Increment(ref _ignored); return; }
            lock (_decisions)
            {
                // Duplicates are dropped by output sequence (a replayed or re-sent decision); they must be the same decision.
                if (_decisions.TryGetValue(header.ReservedValue, out var seen))
                {
                    Interlocked.Increment(ref _duplicates);
                    if (!seen.AsSpan().SequenceEqual(buffer)) Fault ??= new InvalidOperationException($"output sequence {header.ReservedValue} arrived with two different decisions");
                    return;
                }
                _decisions[header.ReservedValue] = buffer.ToArray();
                _highest = Math.Max(_highest, header.ReservedValue);
            }
        }

        public void Dispose()
        {
            _running = false;
            _thread.Join();
        }
    }

    /// <summary>The decisions inputs 1..<paramref name="total"/> give, in order, encoded as the gate sends them (no queries in this load).</summary>
    private static List<byte[]> ExpectedDecisions(GateConfig config, long total, int btc, int eth, out RiskEngine engine, out long applied)
    {
        engine = config.BuildEngine();
        var expected = new List<byte[]>();
        var buffer = new byte[OutputCodec.MaxLength];
        applied = 0;
        for (long i = 0; i < total; i++)
        {
            var status = engine.Process(InputAt(i, btc, eth));
            if (status != ProcessStatus.Applied)
            {
                expected.Add(buffer.AsSpan(0, InputErrorCodec.Encode(i + 1, status, DecodeResult.Ok, buffer)).ToArray());
                continue;
            }
            applied++;
            foreach (var e in engine.Events.Span) expected.Add(buffer.AsSpan(0, OutputCodec.Encode(in e, i + 1, buffer)).ToArray());
        }
        return expected;
    }

    /// <summary>The default config on loopback <paramref name="ports"/>, 200 accounts, small rings, scenario roles, plus <paramref name="sections"/> (JSON members).</summary>
    internal static string RunConfigJson(int[] ports, string sections = "") => GateConfig.DefaultJson()
        .Replace("127.0.0.1:40456", $"127.0.0.1:{ports[0]}").Replace("127.0.0.1:40457", $"127.0.0.1:{ports[1]}").Replace("127.0.0.1:40458", $"127.0.0.1:{ports[2]}")
        .Replace("\"accounts\": 20000", $"\"accounts\": {Accounts}")
        .Replace("\"inbound\": 65536", "\"inbound\": 4096").Replace("\"outbound\": 262144", "\"outbound\": 4096")
        // One sender keeps one total order over one stream (marks included): the scenario role mode.
        .Replace("\"threads\":", "\"security\": { \"roles\": \"scenario\" },\n  " + sections + "\"threads\":");

    [Fact]
    public void Killed_at_generated_points_while_the_exchange_keeps_sending_the_gate_recovers_every_input_and_every_decision()
    {
        var ports = GateProcess.FreeUdpPorts(5);
        string dir = Directory.CreateTempSubdirectory("cm-crash-").FullName;
        string journal = Path.Combine(dir, "journal"), counters = Path.Combine(dir, "gate.counters"), configPath = Path.Combine(dir, "gate.json");
        try
        {
            string json = GateConfig.DefaultJson()
                .Replace("127.0.0.1:40456", $"127.0.0.1:{ports[0]}").Replace("127.0.0.1:40457", $"127.0.0.1:{ports[1]}").Replace("127.0.0.1:40458", $"127.0.0.1:{ports[2]}")
                .Replace("\"mtu\": 1408", $"\"recovery\": {{ \"channel\": \"aeron:udp?endpoint=127.0.0.1:{ports[3]}\", \"streamId\": 1004 }},\n" +
                                          $"    \"decisionReplay\": {{ \"channel\": \"aeron:udp?endpoint=127.0.0.1:{ports[4]}\", \"streamId\": 1005 }},\n    \"mtu\": 1408")
                .Replace("\"accounts\": 20000", $"\"accounts\": {Accounts}")
                .Replace("\"inbound\": 65536", "\"inbound\": 4096").Replace("\"outbound\": 262144", "\"outbound\": 4096")
                // One sender keeps one total order over one stream (marks included): the scenario role mode.
                .Replace("\"threads\":", "\"security\": { \"roles\": \"scenario\" },\n  \"recovery\": { \"bufferMessages\": 65536, \"buffers\": 2, \"timeoutMs\": 200, \"retries\": 25 },\n  \"threads\":");
            File.WriteAllText(configPath, json);
            var config = GateConfig.Parse(json);
            Assert.NotNull(config.Recovery);
            var reference = config.BuildEngine();
            int btc = reference.FindInstrument("BTC-PERP"), eth = reference.FindInstrument("ETH-PERP");
            var fingerprint = ConfigFingerprint.Of(config);

            // Kill delays (ms after the gate came up), outages (ms the exchange sends to no gate) and the bytes cut off the tail once, generated.
            var delays = Gen.Choose(150, 900).Sample(KillPoints).ToArray();
            var outages = Gen.Choose(50, 400).Sample(KillPoints).ToArray();
            int cut = Gen.Choose(1, 12).Sample(1)[0];
            var deaf = Gen.Choose(0, KillPoints - 1).Sample(2).ToHashSet();
            long redone = 0;
            long journaled = 0;
            int recovered = 0;
            var recoveryTimes = new List<(long Missing, double Seconds)>();
            using var exchange = new Exchange(config, btc, eth);
            for (int round = 0; round < KillPoints; round++)
            {
                long sentAtStart = exchange.Sent;
                var restart = Stopwatch.StartNew();
                using var gate = GateProcess.Start("run", "--config", configPath, "--journal", journal, "--status-interval", "0", "--counters", counters);
                gate.WaitUntilRunning(Timeout);
                Assert.Contains($"replayed {journaled:N0} journaled inputs", gate.Stdout);
                if (round > 0)
                {
                    // Everything sent while it was down is asked for and applied: the journal catches up past it.
                    long missed = exchange.Sent - journaled;
                    Until(() => Journaled(counters) >= sentAtStart, $"round {round}: inputs sent during the outage recovered", gate);
                    recoveryTimes.Add((missed, restart.Elapsed.TotalSeconds));
                    recovered++;
                }
                exchange.Deaf = deaf.Contains(round); // this round's decisions never reach the consumer: it asks for them at the end
                Thread.Sleep(delays[round]);
                gate.Signal(9); // SIGKILL mid-load
                exchange.Deaf = false;
                if (Regex.Match(gate.Stdout, "([0-9,]+) journaled inputs fed through the processor again") is { Success: true } m) redone += long.Parse(m.Groups[1].Value.Replace(",", ""));
                Assert.True(gate.WaitForExit(Timeout));
                Assert.Null(exchange.Fault);
                Thread.Sleep(outages[round]); // the exchange goes on sending to nobody

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
                    // A torn write: the last record loses its last bytes; the restart must cut it back, and recovery brings it back.
                    string last = JournalKit.Segments(journal)[^1];
                    using (var f = new FileStream(last, FileMode.Open)) f.SetLength(f.Length - cut);
                    (scan, records) = JournalKit.ReadAll(journal, fingerprint);
                    Assert.Null(scan.Error);
                    Assert.NotNull(scan.TornTail);
                    Assert.Equal(journaled - 1, records.Count);
                    journaled = records.Count;
                }
                output.WriteLine($"kill {round + 1}: after {delays[round]} ms up, {outages[round]} ms down; {journaled:N0} inputs journaled, {exchange.Sent:N0} sent");
            }

            // Last run: restart, let the exchange send up to `total`, catch up every decision, stop gracefully.
            string finalStdout;
            long total;
            using (var gate = GateProcess.Start("run", "--config", configPath, "--journal", journal, "--status-interval", "0", "--counters", counters))
            {
                var restart = Stopwatch.StartNew();
                long missed = exchange.Sent - journaled;
                gate.WaitUntilRunning(Timeout);
                Assert.Contains($"replayed {journaled:N0} journaled inputs", gate.Stdout);
                total = exchange.Sent + 2000;
                exchange.Limit(total);
                Until(() => exchange.Sent == total, "the exchange sent everything", gate);
                Until(() => Processed(counters) == total, $"all {total} inputs processed", gate);
                recoveryTimes.Add((missed, restart.Elapsed.TotalSeconds));
                recovered++;
                var expected = ExpectedDecisions(config, total, btc, eth, out var direct, out long applied);
                Until(() => exchange.Received.Highest >= expected.Count, "the last decision sent", gate);
                // Ask for what the consumer missed (sent to no subscriber, or lost in a kill): from the gate's on-disk decision log.
                var missing = Missing(exchange.Decisions(), expected.Count);
                long asked = missing.Sum(r => r.To - r.From + 1);
                Assert.True(asked >= exchange.Ignored, $"{asked} decisions missing, {exchange.Ignored} lost on purpose");
                var replayClock = Stopwatch.StartNew();
                foreach (var (from, to) in missing) exchange.Ask(from, to);
                Until(() => exchange.Received.Count == expected.Count, $"the {asked} missed decisions replayed", gate);
                double replaySeconds = replayClock.Elapsed.TotalSeconds;
                if (Regex.Match(gate.Stdout, "([0-9,]+) journaled inputs fed through the processor again") is { Success: true } fed) redone += long.Parse(fed.Groups[1].Value.Replace(",", ""));
                gate.Signal(15);
                Assert.True(gate.WaitForExit(Timeout), "no stop after SIGTERM");
                Assert.True(gate.ExitCode == 0, $"exit {gate.ExitCode}: {gate.Stderr}");
                Assert.DoesNotContain("RECOVERY FAILED", gate.Stdout);
                finalStdout = gate.Stdout;

                // No decision lost or doubled: output sequences 1..n carry exactly the decisions of inputs 1..total, in order.
                var decisions = exchange.Decisions();
                Assert.Equal(expected.Count, decisions.Count);
                for (int k = 0; k < expected.Count; k++)
                    Assert.True(decisions.TryGetValue(k + 1, out var d) && d.AsSpan().SequenceEqual(expected[k]), $"output sequence {k + 1} is not the {k + 1}th decision of the inputs");
                Assert.Equal(0, exchange.Unavailable);
                Assert.Null(exchange.Fault);
                var stopHash = Regex.Match(finalStdout, "state hash ([0-9a-f]{16})");
                Assert.True(stopHash.Success, finalStdout);
                Assert.Equal(direct.StateHash().ToString("x16"), stopHash.Groups[1].Value);
                Assert.True(applied > total / 2, $"only {applied} of {total} inputs applied: the load does too little");

                // The same state from a clean replay of the journal.
                var (code, replayOut, replayErr) = GateProcess.Run(Timeout, null, "replay", journal, "--config", configPath);
                Assert.True(code == 0, replayErr);
                Assert.Contains($"replayed {total:N0} inputs", replayOut);
                Assert.Equal(stopHash.Groups[1].Value, Regex.Match(replayOut, "state hash ([0-9a-f]{16})").Groups[1].Value);
                var (served, replayed) = exchange.Served;
                output.WriteLine($"{total:N0} inputs ({exchange.IntoTheVoid:N0} sent while no gate took them), {applied:N0} applied; recovery requests {served:N0}, inputs sent again {replayed:N0}; " +
                                 $"{expected.Count:N0} decisions, {asked:N0} missed by the consumer ({exchange.Ignored:N0} lost on purpose in rounds {string.Join(",", deaf.Select(r => r + 1))}) and replayed from the decision log in {replaySeconds:F2} s (in {missing.Count} requests), " +
                                 $"{exchange.Duplicates:N0} duplicates dropped; {redone:N0} journaled inputs fed through the processor again after kills (their decisions were not on disk)");
                output.WriteLine($"kill points tried {KillPoints}, restarts recovered {recovered} (torn tail of {cut} bytes cut on restart {TornRound + 2}); state hash {stopHash.Groups[1].Value}");
                foreach (var (m, s) in recoveryTimes) output.WriteLine($"restart with {m:N0} inputs missed: caught up {s:F2} s after the process started");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static long? Counter(string counters, string name) =>
        CountersReader.TryRead(counters, out var snap, out _) ? snap!.Get(name) : null;

    /// <summary>Inputs the running gate took in order: replayed at start plus processed.</summary>
    private static long Processed(string counters) => (Counter(counters, "inputs.processed") ?? 0) + (Counter(counters, "inputs.replayed") ?? 0);

    private static long Journaled(string counters) => Processed(counters);

    private static void Until(Func<bool> done, string what, GateProcess gate)
    {
        var sw = Stopwatch.StartNew();
        while (!done())
        {
            Assert.True(sw.Elapsed < Timeout, $"timed out waiting for {what}; gate stdout: {gate.Stdout} stderr: {gate.Stderr}");
            Thread.Sleep(20);
        }
    }

    private static List<(long From, long To)> Missing(Dictionary<long, byte[]> have, long last)
    {
        var runs = new List<(long, long)>();
        for (long s = 1; s <= last; s++)
        {
            if (have.ContainsKey(s)) continue;
            long start = s;
            while (s + 1 <= last && !have.ContainsKey(s + 1)) s++;
            runs.Add((start, s));
        }
        return runs;
    }
}
