using System.Buffers.Binary;
using System.Net;
using CrossMargin.Aeron;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Driver.Sender;
using CrossMargin.Aeron.Client;
using CrossMargin.Aeron.Driver.Receiver;
using CrossMargin.Aeron.Transport;
using CrossMargin.Core.Engine;
using CrossMargin.Scenario;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Host;
using CrossMargin.Gate.Journal;
using CrossMargin.Messages;

namespace CrossMargin.Gate.Tests.Fuzz;

/// <summary>
/// The parsers at the trust boundary as fuzz targets: each takes arbitrary bytes, runs them through the real
/// code, and throws <see cref="FuzzFinding"/> when an invariant breaks (any other exception escaping is a
/// finding too). The same targets run under FsCheck in the default test run (FuzzPropertyTests) and under
/// afl++ through SharpFuzz (fuzz/CrossMargin.Fuzz, which compiles this file).
/// </summary>
/// <remarks>
/// Invariants: decoders never throw and what they accept re-encodes to the same value; a rejected input
/// (decode failure, parse error, engine refusal) leaves the state hash unchanged; every fragment is either
/// decoded or counted as a reject; receiver images and their memory stay within the receiver limits;
/// loaders fail only with their own exception type (a clear message, never a crash).
/// </remarks>
public static class FuzzTargets
{
    /// <summary>Target names for the afl++ harness and the scripts.</summary>
    public static readonly string[] Names = ["input", "output", "snapshot", "input-error", "aeron-receive", "aeron-control", "config", "scenario", "journal"];

    /// <summary>Runs the target called <paramref name="name"/> on <paramref name="data"/>.</summary>
    public static void Run(string name, ReadOnlySpan<byte> data)
    {
        switch (name)
        {
            case "input": InputDecoder(data); break;
            case "output": OutputDecoder(data); break;
            case "snapshot": SnapshotDecoder(data); break;
            case "input-error": InputErrorDecoder(data); break;
            case "aeron-receive": AeronReceive(data); break;
            case "aeron-control": AeronControl(data); break;
            case "config": ConfigLoader(data); break;
            case "scenario": Scenario(data); break;
            case "journal": Journal(data); break;
            default: throw new ArgumentException($"unknown fuzz target '{name}' (one of {string.Join(", ", Names)})");
        }
    }

    private static void Check(bool condition, string what)
    {
        if (!condition) throw new FuzzFinding(what);
    }

    /// <summary>SBE inputs: never throws; an accepted message re-encodes and decodes to the same input and sequence.</summary>
    public static void InputDecoder(ReadOnlySpan<byte> data)
    {
        var result = InputCodec.TryDecode(data, out RiskInput input, out long sequence);
        if (result != DecodeResult.Ok) return;
        Span<byte> buffer = stackalloc byte[InputCodec.MaxLength];
        int n = InputCodec.Encode(input, sequence, buffer);
        Check(n > 0, $"decoded {input.Kind} does not encode ({n})");
        Check(InputCodec.TryDecode(buffer[..n], out RiskInput again, out long s2) == DecodeResult.Ok && again.Equals(input) && s2 == sequence,
            $"decoded {input.Kind} does not round-trip");
    }

    /// <summary>SBE output events (what clients decode).</summary>
    public static void OutputDecoder(ReadOnlySpan<byte> data)
    {
        if (OutputCodec.TryDecode(data, out RiskEvent e, out long sequence) != DecodeResult.Ok) return;
        if (e.Kind is EventKind.Account or EventKind.Fund)
        {
            // A snapshot decodes to its account id only (OutputCodec's contract); its body is the snapshot decoder's.
            SnapshotDecoder(data);
            return;
        }
        Span<byte> buffer = stackalloc byte[1024];
        int n = OutputCodec.Encode(e, sequence, buffer);
        Check(n > 0, $"decoded {e.Kind} does not encode ({n})");
        Check(OutputCodec.TryDecode(buffer[..n], out RiskEvent again, out long s2) == DecodeResult.Ok && again.Equals(e) && s2 == sequence,
            $"decoded {e.Kind} does not round-trip");
    }

    [ThreadStatic] private static AccountSnapshot? _snapshot, _snapshotAgain;
    [ThreadStatic] private static byte[]? _snapshotBuffer;

    /// <summary>SBE account snapshots with their repeating groups, into a destination of the wire maxima and into a small one.</summary>
    public static void SnapshotDecoder(ReadOnlySpan<byte> data)
    {
        var small = new AccountSnapshot(2, 2);
        AccountSnapshotCodec.TryDecode(data, small, out _); // too-small destination: refused as a value, never an overrun
        var s = _snapshot ??= new AccountSnapshot(AccountSnapshotCodec.MaxBalances, AccountSnapshotCodec.MaxPositions);
        if (AccountSnapshotCodec.TryDecode(data, s, out long sequence) != DecodeResult.Ok) return;
        var buffer = _snapshotBuffer ??= new byte[AccountSnapshotCodec.MaxLength];
        int n = AccountSnapshotCodec.Encode(s, sequence, buffer);
        Check(n > 0, $"decoded snapshot does not encode ({n})");
        var again = _snapshotAgain ??= new AccountSnapshot(AccountSnapshotCodec.MaxBalances, AccountSnapshotCodec.MaxPositions);
        Check(AccountSnapshotCodec.TryDecode(buffer.AsSpan(0, n), again, out long s2) == DecodeResult.Ok && s2 == sequence
              && again.Account == s.Account && again.Health == s.Health && again.Equity == s.Equity && again.Im == s.Im && again.Mm == s.Mm
              && again.OpenLoss == s.OpenLoss && again.AssetCount == s.AssetCount && again.PositionCount == s.PositionCount
              && again.Balances.AsSpan(0, s.AssetCount).SequenceEqual(s.Balances.AsSpan(0, s.AssetCount))
              && again.Positions.AsSpan(0, s.PositionCount).SequenceEqual(s.Positions.AsSpan(0, s.PositionCount)),
            "decoded snapshot does not round-trip");
    }

    /// <summary>SBE input_error decisions.</summary>
    public static void InputErrorDecoder(ReadOnlySpan<byte> data)
    {
        if (InputErrorCodec.TryDecode(data, out long sequence, out var status, out var decodeResult) != DecodeResult.Ok) return;
        Span<byte> buffer = stackalloc byte[InputErrorCodec.Length];
        int n = InputErrorCodec.Encode(sequence, status, decodeResult, buffer);
        Check(n > 0, $"decoded input_error does not encode ({n})");
        Check(InputErrorCodec.TryDecode(buffer[..n], out long s2, out var st2, out var dr2) == DecodeResult.Ok && s2 == sequence && st2 == status && dr2 == decodeResult,
            "decoded input_error does not round-trip");
    }

    /// <summary>Receiver limits of the fuzzed receive path: small, so hostile SETUPs meet every refusal.</summary>
    /// <remarks>A property, not a static field: the afl++ harness may run no instrumented code (here, ImageFootprint) before the fork server starts.</remarks>
    public static ReceiverLimits FuzzLimits => new(256 * 1024, ProtocolConstants.MaxMtu, 3, 4 * ReceiverLimits.ImageFootprint(64 * 1024));

    /// <summary>Stream id the fuzzed subscription listens on (the datagrams' stream ids are fuzzed around it).</summary>
    public const int FuzzStreamId = 1002;

    /// <summary>
    /// Splits fuzz data into datagrams: each is [u16 little-endian length][bytes]; a short tail is the last datagram.
    /// </summary>
    public static int NextDatagram(ReadOnlySpan<byte> data, ref int offset, out ReadOnlySpan<byte> datagram)
    {
        datagram = default;
        if (offset >= data.Length) return 0;
        if (data.Length - offset < 2) { datagram = data[offset..]; offset = data.Length; return 1; }
        int length = Math.Min(BinaryPrimitives.ReadUInt16LittleEndian(data[offset..]), data.Length - offset - 2);
        datagram = data.Slice(offset + 2, length);
        offset += 2 + length;
        return 1;
    }

    /// <summary>
    /// The gate's receive path without the socket: datagrams into a subscription (SETUP/DATA/PAD/RTTM and
    /// anything else), fragments polled and decoded as the gate does, decoded inputs applied to an engine.
    /// No exception; images and image memory within the limits; every fragment decoded or counted; a fragment
    /// that does not decode, or an input the engine refuses, leaves the state hash unchanged.
    /// </summary>
    /// <returns>Fragments decoded and applied (the test of the generators checks seeds reach the engine).</returns>
    public static long AeronReceive(ReadOnlySpan<byte> data)
    {
        long now = 1_000_000_000;
        var limits = FuzzLimits;
        using var driver = new EmbeddedDriver(new DriverOptions { PreTouchTermBuffers = false, ReceiverLimits = limits });
        driver.Clock = () => now;
        var sub = driver.AddSubscription("aeron:udp?endpoint=127.0.0.1:0", FuzzStreamId);
        // Replies (SMs, NAKs, RTTM) go to this address: the subscription's own socket, which discards what it cannot parse.
        var source = SocketAddressV4.From(sub.LocalEndPoint);
        var sink = new EngineSink(FuzzEngine());
        int offset = 0;
        while (NextDatagram(data, ref offset, out var datagram) > 0)
        {
            sub.Endpoint.Dispatch(datagram, source, now);
            now += 3_000_000; // time moves: NAK, SM and liveness timers fire as the stream goes on
            driver.DoWork();
            sub.Poll(ref sink, 64);
            Check(sub.ImageCount <= limits.MaxImagesPerSubscription, $"{sub.ImageCount} images");
            Check(driver.ImageMemory <= limits.MaxTermMemory, $"image memory {driver.ImageMemory}");
        }
        Check(sink.Fragments == sink.Decoded + sink.Rejected, "a fragment was neither decoded nor counted");
        return sink.Decoded;
    }

    /// <summary>The gate's handling of one fragment, checked: decode or count; a refusal moves no state.</summary>
    private struct EngineSink(RiskEngine engine) : IFragmentHandler
    {
        public long Fragments, Decoded, Rejected;

        public void OnFragment(ReadOnlySpan<byte> buffer, in FragmentHeader header)
        {
            Fragments++;
            ulong before = engine.StateHash();
            if (InputCodec.TryDecode(buffer, out RiskInput input, out _) != DecodeResult.Ok)
            {
                Rejected++;
                Check(engine.StateHash() == before, "a fragment that does not decode changed the state");
                return;
            }
            Decoded++;
            var status = engine.Process(input);
            if (status != ProcessStatus.Applied) Check(engine.StateHash() == before, $"{input.Kind} refused with {status} changed the state");
            Check(engine.VerifyCaches() is null, $"after {input.Kind}: {engine.VerifyCaches()}");
        }
    }

    [ThreadStatic] private static GateConfig? _config;

    /// <summary>A fresh engine of the default configuration, sized small so hashing per input is cheap.</summary>
    public static RiskEngine FuzzEngine()
    {
        _config ??= GateConfig.Parse(GateConfig.DefaultJson().Replace("\"accounts\": 20000", "\"accounts\": 32").Replace("\"ordersPerAccount\": 16", "\"ordersPerAccount\": 4"));
        return _config.BuildEngine();
    }

    /// <summary>
    /// A publication's control path (SM, NAK, RTTM, ERR and anything else from receivers): no exception, a
    /// malformed frame is counted, and the publication still offers afterwards.
    /// </summary>
    public static void AeronControl(ReadOnlySpan<byte> data)
    {
        long now = 1_000_000_000;
        using var driver = new EmbeddedDriver(new DriverOptions { PreTouchTermBuffers = false });
        driver.Clock = () => now;
        var sub = driver.AddSubscription("aeron:udp?endpoint=127.0.0.1:0", FuzzStreamId); // where the data goes: discarded unread
        var pub = driver.AddPublication($"aeron:udp?endpoint=127.0.0.1:{sub.LocalEndPoint.Port}|term-length=64k|session-id=77|init-term-id=5", FuzzStreamId);
        var source = SocketAddressV4.From(sub.LocalEndPoint);
        Span<byte> message = stackalloc byte[200];
        byte[] copy = new byte[ushort.MaxValue];
        int offset = 0;
        while (NextDatagram(data, ref offset, out var datagram) > 0)
        {
            datagram.CopyTo(copy);
            long invalid = pub.Sender.InvalidControlFrames;
            pub.Sender.OnControlFrame(copy.AsSpan(0, datagram.Length), source, now);
            bool malformed = datagram.Length < FrameHeader.Length || FrameHeader.ReadVersion(datagram) != ProtocolConstants.Version;
            Check(!malformed || pub.Sender.InvalidControlFrames == invalid + 1, "a malformed control frame was dropped uncounted");
            pub.Offer(message);
            now += 3_000_000;
            driver.DoWork();
        }
    }

    /// <summary>Gate configuration text: a <see cref="GateConfig"/> or a <see cref="GateConfigException"/>, nothing else.</summary>
    public static void ConfigLoader(ReadOnlySpan<byte> data)
    {
        string text = System.Text.Encoding.UTF8.GetString(data);
        try
        {
            var config = GateConfig.Parse(text);
            Check(config.ReceiverLimits.Problem() is null, "accepted receiver limits that a driver refuses");
        }
        catch (GateConfigException ex) { Check(ex.Message.StartsWith("config", StringComparison.Ordinal), $"message does not name the field: {ex.Message}"); }
    }

    /// <summary>
    /// Scenario lines: the runner ends with 0 or 2 and never throws; a line the parser refuses, or an input the
    /// engine refuses, leaves the state hash unchanged.
    /// </summary>
    public static void Scenario(ReadOnlySpan<byte> data)
    {
        var lines = ScenarioRunner.ReadLines(new StringReader(System.Text.Encoding.UTF8.GetString(data)));
        int rc = ScenarioRunner.Run(lines, TextWriter.Null, TextWriter.Null);
        Check(rc is 0 or ScenarioRunner.ErrorExitCode, $"exit code {rc}");
        var engine = new RiskEngine(ScenarioRunner.CapacitiesFor(lines));
        var parser = new ScenarioParser(engine);
        foreach (string line in lines)
        {
            ulong before = engine.StateHash();
            if (!parser.TryParse(line, out var kind, out var input, out string? error))
            {
                Check(!string.IsNullOrEmpty(error), "a refused line without a message");
                Check(engine.StateHash() == before, "a refused line changed the state");
                continue;
            }
            if (kind != LineKind.Input) continue;
            var status = engine.Process(input);
            if (status != ProcessStatus.Applied) Check(engine.StateHash() == before, $"{input.Kind} refused with {status} changed the state");
        }
        Check(engine.VerifyCaches() is null, $"caches: {engine.VerifyCaches()}");
    }

    [ThreadStatic] private static string? _journalDirectory;

    /// <summary>
    /// A journal segment: replay applies it or refuses it as a value (a <see cref="JournalError"/> naming the
    /// segment or directory), never throws, and a refused journal changes no state.
    /// </summary>
    public static void Journal(ReadOnlySpan<byte> data)
    {
        string dir = _journalDirectory ??= Path.Combine(Path.GetTempPath(), $"cm-fuzz-journal-{Environment.ProcessId}-{Environment.CurrentManagedThreadId}");
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, JournalFormat.SegmentFileName(0)), data.ToArray());
        var engine = FuzzEngine();
        ulong before = engine.StateHash();
        var publishers = new PublisherSequences();
        var replay = InputJournal.Replay(dir, engine, FuzzInputs.JournalFingerprint, publishers: publishers);
        long tracked = 0;
        foreach (var p in publishers.Entries()) tracked += p.Messages;
        Check(tracked <= replay.Records, $"{tracked} sender sequences tracked from {replay.Records} records");
        if (replay.Error is { } error)
        {
            Check(replay.Records == 0 && engine.StateHash() == before && tracked == 0, $"a refused journal ({error.Kind}) changed the state");
            Check(!string.IsNullOrEmpty(error.ToString()), "a refusal without a message");
        }
        Check(engine.VerifyCaches() is null, $"caches: {engine.VerifyCaches()}");
    }
}

/// <summary>An invariant a fuzz target checks was broken.</summary>
public sealed class FuzzFinding(string message) : Exception(message);
