using System.Diagnostics;
using System.Text;
using System.Text.Json;
using CrossMargin.Aeron;
using CrossMargin.Concurrency;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Client;
using CrossMargin.Core.Engine;
using CrossMargin.Core.Model;
using CrossMargin.Scenario;
using CrossMargin.Gate.Cli;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Host;
using CrossMargin.Messages;

namespace CrossMargin.Gate.Operator;

/// <summary>
/// <c>crossmargin send</c>: publishes scenario-format inputs to a running gate over Aeron and prints
/// the decisions it gets back in the scenario output format, so any scenario runs through the network.
/// </summary>
/// <remarks>
/// <para>Definitions cannot travel on the wire: the gate's instruments come from its configuration.
/// Definition lines in the file are therefore checked, k-th asset against the gate's k-th asset and
/// k-th instrument against its k-th instrument; a difference stops the run (<c>line N:</c>, exit 2).
/// A file without definitions is parsed against the gate's own definitions.</para>
/// <para>Every input goes on the order-flow stream, in file order, so the gate applies them in the
/// order the scenario gives (one stream is one total order). A fund query after the last input is
/// the barrier: its answer means every earlier decision has arrived; it is not printed.</para>
/// <para>Like the scenario CLI, output stops at the first line that cannot be applied. The CLI
/// applies nothing after that line; a live gate has already received the inputs after it (they
/// were sent ahead) and applied them: their decisions are not printed.</para>
/// </remarks>
public static class ScenarioSender
{
    private readonly record struct Sent(int Line, string? UnknownInstrumentId);

    /// <summary>Sends <paramref name="lines"/>; returns 0, 2 for a bad line (<c>line N: …</c> on <paramref name="stderr"/>), or throws <see cref="CliException"/>.</summary>
    public static int Send(GateConfig config, IReadOnlyList<string> lines, TextWriter stdout, TextWriter stderr, TimeSpan timeout)
    {
        // 1. Parse everything first, against the gate's definitions.
        var (assetLines, instrumentLines) = GateConfigTemplate.DefinitionLines(config);
        var (shadow, parser) = Catalog(config, ScenarioRunner.CapacitiesFor(lines).Accounts);
        var inputs = new List<RiskInput>();
        var sent = new List<Sent>();
        int assetsSeen = 0, instrumentsSeen = 0;
        int badLine = 0;
        string? badMessage = null;
        for (int n = 0; n < lines.Count && badLine == 0; n++)
        {
            string line = lines[n];
            if (string.IsNullOrWhiteSpace(line)) continue;
            if (DefinitionType(line) is { } type)
            {
                var reference = type == "asset" ? assetLines : instrumentLines;
                int k = type == "asset" ? assetsSeen++ : instrumentsSeen++;
                if (k >= reference.Count) { badLine = n + 1; badMessage = $"{type} #{k + 1} is not defined by the gate's config ({reference.Count} {type}s there)"; break; }
                if (GateConfigTemplate.Difference(line, reference[k]) is { } diff)
                { badLine = n + 1; badMessage = $"{type} #{k + 1} differs from the gate's config at '{diff}' (the gate has {reference[k]})"; }
                continue;
            }
            if (!parser.TryParse(line, out var kind, out var input, out var error)) { badLine = n + 1; badMessage = error; break; }
            if (kind != LineKind.Input) continue;
            if (input.Kind == InputKind.Deposit) shadow.Process(input); // deposits create accounts the parser checks (halts)
            inputs.Add(input);
            sent.Add(new Sent(n + 1, parser.LastInstrumentId));
        }

        // 2. Send them and collect the decisions up to the barrier.
        var received = Exchange(config, shadow, inputs, sent, timeout, out long errorSequence, out ProcessStatus errorStatus, out DecodeResult errorDecode);
        foreach (var (sequence, text) in received)
        {
            if (errorSequence > 0 && sequence >= errorSequence) break;
            stdout.Write(text);
            stdout.Write('\n');
        }
        stdout.Flush();
        if (errorSequence > 0)
        {
            int line = sent[(int)errorSequence - 1].Line;
            if (errorDecode == DecodeResult.WrongStream)
                throw new CliException($"line {line}: the gate does not accept this kind of input on order flow (stream roles); a gate that replays scenarios needs \"security\": {{ \"roles\": \"scenario\" }} (crossmargin config --from-scenario writes it)", 1);
            if (errorDecode != DecodeResult.Ok) throw new CliException($"line {line}: the gate could not decode the input ({errorDecode})", 1);
            stderr.WriteLine($"line {line}: {ProcessStatusText.Describe(errorStatus)}");
            return ScenarioRunner.ErrorExitCode;
        }
        if (badLine > 0)
        {
            stderr.WriteLine($"line {badLine}: {badMessage}");
            return ScenarioRunner.ErrorExitCode;
        }
        return 0;
    }

    /// <summary>
    /// An engine holding <paramref name="config"/>'s definitions (room for <paramref name="accounts"/> accounts)
    /// and a scenario parser past them, to parse inputs against the gate's ids.
    /// </summary>
    internal static (RiskEngine Engine, ScenarioParser Parser) Catalog(GateConfig config, int accounts)
    {
        var (assetLines, instrumentLines) = GateConfigTemplate.DefinitionLines(config);
        var engine = new RiskEngine(new Capacities
        {
            Accounts = Math.Max(accounts, 1), Instruments = Math.Max(config.Instruments.Count, 1), Assets = config.Assets.Count + 1, OrdersPerAccount = 1,
        }, Core.Kernels.KernelMode.Scalar);
        var parser = new ScenarioParser(engine);
        foreach (var def in assetLines.Concat(instrumentLines))
            if (!parser.TryParse(def, out _, out _, out var error)) throw new CliException($"the gate's definitions do not parse as scenario lines: {error}");
        return (engine, parser);
    }

    private static string? DefinitionType(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
                && t.GetString() is "asset" or "instrument" ? t.GetString() : null;
        }
        catch (JsonException) { return null; } // the parser reports it
    }

    private static List<(long Sequence, string Text)> Exchange(GateConfig config, RiskEngine definitions, List<RiskInput> inputs, List<Sent> sent, TimeSpan timeout,
        out long errorSequence, out ProcessStatus errorStatus, out DecodeResult errorDecode)
    {
        using var driver = new EmbeddedDriver();
        var orderFlow = driver.AddPublication(GateHost.WithTransportParams(config.OrderFlow.Channel, config), config.OrderFlow.StreamId);
        Subscription decisions;
        try { decisions = driver.AddSubscription(config.Decisions.Channel, config.Decisions.StreamId); }
        catch (System.Net.Sockets.SocketException ex)
        {
            throw new CliException($"cannot subscribe to the decisions channel {config.Decisions.Channel} ({ex.Message}); is another client reading it?", 1);
        }
        var collector = new DecisionCollector(definitions, sent, inputs.Count + 1);
        using var authentication = config.HmacKey is { } key ? new MessageAuthentication(key) : null;
        // With recovery configured, the gate may ask for inputs it missed: served from what this run sent (signed requests only, with a key).
        var requests = config.Recovery is { } rc ? driver.AddSubscription(rc.Channel, rc.StreamId) : null;
        var server = requests is null ? null : new Demo.RecoveryServer(orderFlow, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)inputs.Count + 1),
            InputCodec.MaxLength + MessageAuthentication.TagLength, authentication);
        int Serve() => server is null ? 0 : requests!.Poll(ref server, 16) + server.DoWork();
        var idle = new BackoffIdleStrategy();
        var clock = Stopwatch.StartNew();
        while (!(orderFlow.IsConnected && decisions.IsConnected))
        {
            if (clock.Elapsed > timeout)
                throw new CliException($"no gate answered within {timeout.TotalSeconds:F0} s (order flow {config.OrderFlow.Channel} stream {config.OrderFlow.StreamId} {(orderFlow.IsConnected ? "connected" : "not connected")}, decisions {config.Decisions.Channel} stream {config.Decisions.StreamId} {(decisions.IsConnected ? "connected" : "not connected")})", 1);
            idle.Idle(driver.DoWork());
        }
        var buffer = new byte[InputCodec.MaxLength + MessageAuthentication.TagLength];
        for (int i = 0; i <= inputs.Count; i++)
        {
            var input = i < inputs.Count ? inputs[i] : new RiskInput { Kind = InputKind.FundQuery }; // the barrier
            int n = InputCodec.Encode(input, i + 1, buffer);
            if (n <= 0) throw new CliException($"line {(i < sent.Count ? sent[i].Line : 0)}: the input cannot be encoded for the wire ({n})");
            if (authentication is not null) n = authentication.Sign(buffer, n); // the gate verifies the trailer
            clock.Restart();
            while (orderFlow.Offer(buffer.AsSpan(0, n)) < 0)
            {
                if (clock.Elapsed > timeout) throw new CliException($"the gate has not taken input {i + 1} for {timeout.TotalSeconds:F0} s (back-pressured or disconnected)", 1);
                idle.Idle(driver.DoWork() + decisions.Poll(ref collector, 256) + Serve());
            }
            server?.Record(i + 1, buffer.AsSpan(0, n));
            driver.DoWork();
            decisions.Poll(ref collector, 256);
            Serve();
        }
        clock.Restart();
        long lastCount = 0;
        while (!collector.Done)
        {
            int work = driver.DoWork() + decisions.Poll(ref collector, 256) + Serve();
            if (collector.Lines.Count != lastCount) { lastCount = collector.Lines.Count; clock.Restart(); }
            if (clock.Elapsed > timeout) throw new CliException($"no decision from the gate for {timeout.TotalSeconds:F0} s; {collector.Lines.Count} received, the last input's answer missing", 1);
            idle.Idle(work);
        }
        orderFlow.Close(); // end of stream: the gate sees this sender leave at once
        var linger = Stopwatch.StartNew();
        while (driver.PublicationCount > 0 && linger.Elapsed < TimeSpan.FromSeconds(1)) idle.Idle(driver.DoWork());
        errorSequence = collector.ErrorSequence;
        errorStatus = collector.ErrorStatus;
        errorDecode = collector.ErrorDecode;
        return collector.Lines;
    }

    /// <summary>Decodes and renders decisions of this sender's inputs (sequence 1..barrier).</summary>
    private sealed class DecisionCollector(RiskEngine definitions, List<Sent> sent, long barrier) : IFragmentHandler
    {
        private readonly EventJson _json = new(definitions);
        private readonly AccountSnapshot _snapshot = new(definitions);
        private readonly StringBuilder _sb = new(512);
        public readonly List<(long, string)> Lines = [];
        public bool Done;
        public long ErrorSequence;
        public ProcessStatus ErrorStatus;
        public DecodeResult ErrorDecode;

        private readonly HashSet<long> _seen = [];

        public void OnFragment(ReadOnlySpan<byte> buffer, in FragmentHeader header)
        {
            // Consumers drop duplicates by output sequence (the frame's reserved value): a re-sent or replayed decision is printed once.
            if (header.ReservedValue != 0 && !_seen.Add(header.ReservedValue)) return;
            if (!MessageHeader.TryWrap(buffer, out var h)) return;
            long sequence;
            _sb.Clear();
            if (h.TemplateId == InputErrorCodec.TemplateId)
            {
                if (InputErrorCodec.TryDecode(buffer, out sequence, out var status, out var decode) != DecodeResult.Ok || sequence < 1 || sequence > barrier) return;
                if (ErrorSequence == 0) { ErrorSequence = sequence; ErrorStatus = status; ErrorDecode = decode; }
                if (sequence == barrier) Done = true;
                return;
            }
            if (h.TemplateId == AccountSnapshotCodec.TemplateId)
            {
                if (AccountSnapshotCodec.TryDecode(buffer, _snapshot, out sequence) != DecodeResult.Ok || sequence < 1 || sequence > barrier) return;
                if (sequence == barrier) { Done = true; return; }
                _json.WriteAccount(_sb, _snapshot, _snapshot.Account == AccountSnapshotCodec.FundAccount ? "fund" : "account");
            }
            else
            {
                if (OutputCodec.TryDecode(buffer, out RiskEvent e, out sequence) != DecodeResult.Ok || sequence < 1 || sequence > barrier) return;
                if (sequence == barrier) return;
                _json.Write(_sb, in e, sent[(int)sequence - 1].UnknownInstrumentId);
            }
            Lines.Add((sequence, _sb.ToString()));
        }
    }
}
