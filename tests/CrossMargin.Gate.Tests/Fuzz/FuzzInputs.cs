using System.Text;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Core.Engine;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Journal;
using CrossMargin.Messages;
using FsCheck;
using FsCheck.Fluent;

namespace CrossMargin.Gate.Tests.Fuzz;

/// <summary>
/// FsCheck generators of fuzz inputs: valid seeds (SBE messages, Aeron streams, the default config, the worked
/// scenarios, journals) and the mutations a hostile or broken sender produces: random bytes, truncation,
/// oversize (trailing garbage), bit flips, edge values written over fields, slices duplicated or removed.
/// The afl++ seed corpus is written from the same seeds (<see cref="Seeds"/>).
/// </summary>
public static class FuzzInputs
{
    private static readonly Gen<long> AnyLong = Gen.Frequency(
        (1, Gen.Elements(0L, 1L, -1L, long.MinValue, long.MaxValue)),
        (3, Gen.Choose(int.MinValue, int.MaxValue).Two().Select(t => ((long)t.Item1 << 32) ^ (uint)t.Item2)),
        (3, Gen.Choose(-1000, 1_000_000).Select(x => (long)x)));

    private static readonly Gen<int> AnyInt = Gen.Frequency((1, Gen.Elements(0, -1, int.MinValue, int.MaxValue)), (4, Gen.Choose(-5, 300)));

    private static readonly Gen<byte[]> RandomBytes = Gen.Choose(0, 96).SelectMany(n => Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf(n));

    /// <summary>Valid SBE inputs of every kind (fields the kind does not carry are ignored by the encoder).</summary>
    public static readonly Gen<byte[]> ValidInput =
        from kind in Gen.Elements(Enum.GetValues<InputKind>().Where(k => k != InputKind.None).ToArray())
        from longs in AnyLong.ArrayOf(8)
        from ints in AnyInt.ArrayOf(2)
        from bools in Gen.Elements(true, false).ArrayOf(5)
        from side in Gen.Elements(Side.Buy, Side.Sell)
        from scope in Gen.Elements(Enum.GetValues<HaltScope>())
        let input = new RiskInput
        {
            Kind = kind, Account = longs[0], OrderId = longs[1], Qty = longs[2], Price = longs[3], Amount = longs[4], Fee = longs[5],
            LiquidationFeeRatePpm = longs[6], LiquidationBufferPpm = longs[7], Instrument = ints[0], Asset = ints[1] & 0xFFFF, Side = side,
            ReduceOnly = bools[0], Liquidation = bools[1], HasOrderId = bools[2], HasFee = bools[3], Flag = bools[4], Scope = scope,
        }
        from sequence in AnyLong
        select Encode(buffer => InputCodec.Encode(input, sequence, buffer), InputCodec.MaxLength);

    /// <summary>Plausible inputs for the default configuration's engine (accounts 1..8, instruments 0..1, real prices), so fuzzed streams reach deep engine states.</summary>
    public static readonly Gen<byte[]> PlausibleInput =
        from kind in Gen.Elements(InputKind.Deposit, InputKind.Deposit, InputKind.Order, InputKind.Fill, InputKind.Fill, InputKind.Mark, InputKind.Cancel, InputKind.Withdraw, InputKind.Query, InputKind.Isolate, InputKind.MarginMode)
        from account in Gen.Choose(1, 8)
        from instrument in Gen.Choose(0, 1)
        from side in Gen.Elements(Side.Buy, Side.Sell)
        from qty in Gen.Choose(1, 3000)
        from pricePct in Gen.Choose(60, 140)
        from amount in Gen.Choose(1, 3_000_000)
        from orderId in Gen.Choose(1, 20)
        from flag in Gen.Elements(true, false)
        let mark = instrument == 0 ? 500_000L : 300_000L
        let input = new RiskInput
        {
            Kind = kind, Account = account, Instrument = instrument, Side = side, Qty = qty, Price = mark * pricePct / 100, OrderId = orderId,
            Amount = kind == InputKind.Isolate ? (flag ? 1 : -1) * amount * 100L : amount * 1000L, Asset = 0, HasFee = kind == InputKind.Fill, Flag = flag,
        }
        from sequence in Gen.Choose(1, 1000)
        select Encode(buffer => InputCodec.Encode(input, sequence, buffer), InputCodec.MaxLength);

    /// <summary>Valid SBE output events of every kind.</summary>
    public static readonly Gen<byte[]> ValidOutput =
        from kind in Gen.Elements(Enum.GetValues<EventKind>().Where(k => k is not (EventKind.Account or EventKind.Fund)).ToArray())
        from longs in AnyLong.ArrayOf(8)
        from ints in AnyInt.ArrayOf(2)
        from bools in Gen.Elements(true, false).ArrayOf(2)
        from reason in Gen.Elements(Enum.GetValues<RejectReason>())
        from health in Gen.Elements(Enum.GetValues<HealthState>()).Two()
        from side in Gen.Elements(Side.Buy, Side.Sell)
        let e = new RiskEvent
        {
            Kind = kind, Account = longs[0], OrderId = longs[1], Equity = longs[2], Im = longs[3], Mm = longs[4], Qty = longs[5], Price = longs[6],
            Amount = longs[7], Instrument = ints[0], Asset = ints[1] & 0xFFFF, Isolated = bools[0], Accepted = bools[1], Reason = reason,
            From = health.Item1, To = health.Item2, Side = side,
        }
        from sequence in AnyLong
        select Encode(buffer => OutputCodec.Encode(e, sequence, buffer), 1024);

    /// <summary>Valid account snapshots with 0..6 balances and 0..6 positions.</summary>
    public static readonly Gen<byte[]> ValidSnapshot =
        from longs in AnyLong.ArrayOf(5)
        from health in Gen.Elements(Enum.GetValues<HealthState>())
        from balances in AnyLong.ArrayOf().Select(a => a.Take(6).ToArray())
        from positions in (from p in AnyLong.ArrayOf(4) from instrument in AnyInt from iso in Gen.Elements(true, false) from h in Gen.Elements(Enum.GetValues<HealthState>())
                           select new PositionView { Instrument = instrument, Qty = p[0], Basis = p[1], Upnl = p[2], Margin = p[3], Isolated = iso, Health = h })
                          .ArrayOf().Select(a => a.Take(6).ToArray())
        from sequence in AnyLong
        select Encode(buffer =>
        {
            var s = new AccountSnapshot(8, 8)
            {
                Account = longs[0], Equity = longs[1], Im = longs[2], Mm = longs[3], OpenLoss = longs[4], Health = health,
                AssetCount = balances.Length, PositionCount = positions.Length,
            };
            balances.CopyTo(s.Balances, 0);
            positions.CopyTo(s.Positions, 0);
            return AccountSnapshotCodec.Encode(s, sequence, buffer);
        }, AccountSnapshotCodec.MaxLength);

    /// <summary>Valid input_error decisions.</summary>
    public static readonly Gen<byte[]> ValidInputError =
        from sequence in AnyLong
        from status in Gen.Elements(Enum.GetValues<ProcessStatus>())
        from result in Gen.Elements(Enum.GetValues<DecodeResult>())
        select Encode(buffer => InputErrorCodec.Encode(sequence, status, result, buffer), InputErrorCodec.Length);

    private static byte[] Encode(Func<byte[], int> encode, int capacity)
    {
        var buffer = new byte[capacity];
        int n = encode(buffer);
        return n > 0 ? buffer[..n] : [];
    }

    /// <summary>One hostile or broken variant of <paramref name="seed"/>.</summary>
    public static Gen<byte[]> Mutate(byte[] seed) => Gen.Frequency(
        (2, Gen.Constant(seed)),
        (2, Gen.Choose(0, Math.Max(0, seed.Length - 1)).Select(n => seed[..n])),                                   // truncated
        (2, RandomBytes.Select(tail => seed.Concat(tail).ToArray())),                                               // oversized
        (3, Gen.Choose(0, int.MaxValue).ArrayOf().Select(flips => FlipBits(seed, flips))),                          // bit flips
        (3, Gen.Choose(0, int.MaxValue).Zip(Gen.Elements(0, -1, 1, 0xFFFF, 0x8000, int.MaxValue, int.MinValue, 64, 65536)) // edge value over a field
            .Select(t => Overwrite(seed, t.Item1, t.Item2))),
        (1, Gen.Choose(0, int.MaxValue).Two().Select(t => Splice(seed, t.Item1, t.Item2))),                        // slice removed or repeated
        (1, RandomBytes));                                                                                           // noise

    /// <summary>A mutated variant of a seed drawn from <paramref name="seeds"/>, sometimes mutated twice.</summary>
    public static Gen<byte[]> Mutated(Gen<byte[]> seeds) => seeds.SelectMany(Mutate).SelectMany(m => Gen.Frequency((3, Gen.Constant(m)), (1, Mutate(m))));

    private static byte[] FlipBits(byte[] seed, int[] positions)
    {
        if (seed.Length == 0) return seed;
        var copy = (byte[])seed.Clone();
        foreach (int p in positions.Take(6)) copy[p % copy.Length] ^= (byte)(1 << (p / copy.Length % 8));
        return copy;
    }

    private static byte[] Overwrite(byte[] seed, int at, int value)
    {
        if (seed.Length < 2) return seed;
        var copy = (byte[])seed.Clone();
        int offset = at % (copy.Length - 1);
        if (copy.Length - offset >= 4 && at % 2 == 0) BitConverter.TryWriteBytes(copy.AsSpan(offset), value);
        else BitConverter.TryWriteBytes(copy.AsSpan(offset), (ushort)value);
        return copy;
    }

    private static byte[] Splice(byte[] seed, int a, int b)
    {
        if (seed.Length == 0) return seed;
        int from = a % seed.Length, length = b % (seed.Length - from + 1);
        return b % 2 == 0
            ? [.. seed[..from], .. seed[(from + length)..]]
            : [.. seed[..(from + length)], .. seed[from..]];
    }

    /// <summary>Fuzz data for the Aeron targets: datagrams as [u16 length][bytes].</summary>
    public static byte[] Frame(IEnumerable<byte[]> datagrams)
    {
        var all = new List<byte>();
        foreach (var d in datagrams)
        {
            all.AddRange(BitConverter.GetBytes((ushort)d.Length));
            all.AddRange(d);
        }
        return [.. all];
    }

    /// <summary>
    /// A well-formed Aeron stream into <see cref="FuzzTargets.FuzzStreamId"/>: a SETUP (64 KiB terms), then DATA
    /// frames at consecutive term offsets carrying <paramref name="messages"/>, a heartbeat, and an RTTM.
    /// </summary>
    public static List<byte[]> AeronStream(int sessionId, int initialTermId, IEnumerable<byte[]> messages)
    {
        var datagrams = new List<byte[]>();
        var setup = new byte[SetupFlyweight.Length];
        new SetupFlyweight(setup).Write(0, 0, sessionId, FuzzTargets.FuzzStreamId, initialTermId, initialTermId, 64 * 1024, 1408, 0);
        datagrams.Add(setup);
        int termOffset = 0;
        foreach (var message in messages)
        {
            int frameLength = DataHeader.Length + message.Length;
            var frame = new byte[ProtocolConstants.Align(frameLength, ProtocolConstants.FrameAlignment)];
            new DataHeader(frame).Write(frameLength, FrameFlags.Unfragmented, FrameType.Data, termOffset, sessionId, FuzzTargets.FuzzStreamId, initialTermId);
            message.CopyTo(frame, DataHeader.Length);
            datagrams.Add(frame); // a datagram carries whole aligned frames, as the sender's term scan sends them
            termOffset += frame.Length;
        }
        var heartbeat = new byte[DataHeader.Length];
        new DataHeader(heartbeat).Write(0, FrameFlags.Unfragmented, FrameType.Data, termOffset, sessionId, FuzzTargets.FuzzStreamId, initialTermId);
        datagrams.Add(heartbeat);
        var rttm = new byte[RttMeasurementFlyweight.Length];
        new RttMeasurementFlyweight(rttm).Write(FrameFlags.RttmReply, sessionId, FuzzTargets.FuzzStreamId, 42, 0, 0);
        datagrams.Add(rttm);
        return datagrams;
    }

    /// <summary>Aeron receive-path fuzz data: a good stream of plausible and hostile messages, some datagrams mutated, reordered or repeated.</summary>
    public static readonly Gen<byte[]> AeronReceiveData =
        from session in Gen.Elements(1, 7, -3)
        from initialTermId in Gen.Elements(0, 5, int.MaxValue, int.MinValue)
        from messages in Gen.Frequency((3, PlausibleInput), (1, Mutated(ValidInput))).ArrayOf().Select(a => a.Take(40).ToArray())
        let stream = AeronStream(session, initialTermId, messages)
        from mutated in Gen.CollectToList(stream, d => Gen.Frequency((6, Gen.Constant(d)), (1, Mutate(d))))
        from swaps in Gen.Choose(0, 1000).Two().ArrayOf().Select(a => a.Take(3).ToArray())
        from extra in Gen.Frequency((3, Gen.Constant(0)), (1, Gen.Choose(1, 6)))
        select Frame(Reorder(mutated.ToList(), swaps).Concat(mutated.Take(extra)));

    private static List<byte[]> Reorder(List<byte[]> datagrams, (int, int)[] swaps)
    {
        foreach (var (a, b) in swaps)
        {
            int i = 1 + a % Math.Max(1, datagrams.Count - 1), j = 1 + b % Math.Max(1, datagrams.Count - 1); // the SETUP stays first
            if (i < datagrams.Count && j < datagrams.Count) (datagrams[i], datagrams[j]) = (datagrams[j], datagrams[i]);
        }
        return datagrams;
    }

    /// <summary>Control frames a publication may receive: SMs (also SETUP-eliciting and EOS), NAKs, RTTMs and ERRs for its session, mutated.</summary>
    public static readonly Gen<byte[]> AeronControlData =
        (from type in Gen.Elements(FrameType.StatusMessage, FrameType.StatusMessage, FrameType.Nak, FrameType.RttMeasurement, FrameType.Error, FrameType.Setup, (short)0x7F)
         from flags in Gen.Elements((byte)0, FrameFlags.SendSetup, FrameFlags.StatusEndOfStream, FrameFlags.RttmReply)
         from termId in Gen.Elements(5, 6, 4, 0, int.MaxValue)
         from termOffset in Gen.Elements(0, 32, 65504, 65536, -32, int.MaxValue)
         from length in Gen.Elements(0, 32, 4096, 65536, int.MaxValue, -1)
         from receiverId in Gen.Elements(1L, 2L, 0L)
         select ControlFrame(type, flags, termId, termOffset, length, receiverId))
        .SelectMany(Mutate).ArrayOf().Select(a => Frame(a.Take(30)));

    private static byte[] ControlFrame(short type, byte flags, int termId, int termOffset, int length, long receiverId)
    {
        const int session = 77, stream = FuzzTargets.FuzzStreamId;
        switch (type)
        {
            case FrameType.StatusMessage:
            {
                var f = new byte[StatusMessageFlyweight.Length];
                new StatusMessageFlyweight(f).Write(flags, session, stream, termId, termOffset, length, receiverId);
                return f;
            }
            case FrameType.Nak:
            {
                var f = new byte[NakFlyweight.Length];
                new NakFlyweight(f).Write(session, stream, termId, termOffset, length);
                return f;
            }
            case FrameType.RttMeasurement:
            {
                var f = new byte[RttMeasurementFlyweight.Length];
                new RttMeasurementFlyweight(f).Write(flags, session, stream, length, 0, receiverId);
                return f;
            }
            default:
            {
                var f = new byte[ErrorFlyweight.HeaderLength + 8];
                new FrameHeader(f).Write(f.Length, flags, type);
                BitConverter.TryWriteBytes(f.AsSpan(ErrorFlyweight.SessionIdOffset), session);
                BitConverter.TryWriteBytes(f.AsSpan(ErrorFlyweight.StreamIdOffset), stream);
                BitConverter.TryWriteBytes(f.AsSpan(ErrorFlyweight.ReceiverIdOffset), receiverId);
                BitConverter.TryWriteBytes(f.AsSpan(ErrorFlyweight.ErrorLengthOffset), length);
                return f;
            }
        }
    }

    /// <summary>The default configuration, mutated as text: lines dropped or repeated, numbers swapped for edge values, bytes flipped.</summary>
    public static readonly Gen<byte[]> ConfigData = Gen.Frequency(
        (3, TextMutation(GateConfig.DefaultJson())),
        (1, Mutated(Gen.Constant(Encoding.UTF8.GetBytes(GateConfig.DefaultJson())))));

    private static readonly string[] EdgeTokens =
        ["0", "-1", "70000", "4", "1073741824", "2147483648", "99999999999999999999", "1e308", "\"x\"", "null", "true", "[]", "{}", "\"\"", "0.0000001", "-0"];

    private static Gen<byte[]> TextMutation(string text)
    {
        string[] lines = text.Split('\n');
        return from edits in (from kind in Gen.Choose(0, 3) from line in Gen.Choose(0, lines.Length - 1) from token in Gen.Elements(EdgeTokens) select (kind, line, token)).ArrayOf()
               select Encoding.UTF8.GetBytes(string.Join('\n', Edit(lines, edits.Take(4))));
    }

    private static List<string> Edit(string[] lines, IEnumerable<(int Kind, int Line, string Token)> edits)
    {
        var list = lines.ToList();
        foreach (var (kind, at, token) in edits)
        {
            if (list.Count == 0) break;
            int i = at % list.Count;
            switch (kind)
            {
                case 0: list.RemoveAt(i); break;
                case 1: list.Insert(i, list[i]); break;
                case 2: list[i] = System.Text.RegularExpressions.Regex.Replace(list[i], "(?<=: *)(-?[0-9][0-9.]*|\"[^\"]*\"|true|false)", token); break;
                default: list[i] = list[i].Length > 0 ? list[i][..(at % list[i].Length)] : token; break;
            }
        }
        return list;
    }

    private static string[]? _scenarios;

    /// <summary>The worked scenarios (copies of shared/scenarios), each a seed.</summary>
    public static string[] Scenarios => _scenarios ??= Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Scenarios"), "*.jsonl")
        .Where(f => !f.EndsWith(".expected.jsonl", StringComparison.Ordinal)).Order().Select(File.ReadAllText).ToArray();

    /// <summary>Worked scenarios mutated as text (lines dropped, repeated, values swapped for edge tokens, cut) or as bytes.</summary>
    public static Gen<byte[]> ScenarioData() => Gen.Elements(Scenarios).SelectMany(s => Gen.Frequency(
        (3, TextMutation(s)),
        (1, Mutated(Gen.Constant(Encoding.UTF8.GetBytes(s))))));

    /// <summary>A journal of plausible and hostile records, mutated.</summary>
    public static readonly Gen<byte[]> JournalData =
        Gen.Frequency((3, PlausibleInput), (1, ValidInput)).ArrayOf().Select(records => Journal(records.Take(30)))
            .SelectMany(j => Gen.Frequency((1, Gen.Constant(j)), (3, Mutate(j))));

    /// <summary>The config fingerprint fuzzed journal segments are written under (and replayed against).</summary>
    public static readonly ConfigFingerprint JournalFingerprint = ConfigFingerprint.FromBytes(Enumerable.Repeat((byte)0x5A, JournalFormat.FingerprintLength).ToArray());

    /// <summary>One journal segment (segment 0): header, then framed records with sequences from 1.</summary>
    public static byte[] Journal(IEnumerable<byte[]> records)
    {
        var list = records.Where(r => r.Length > 0).ToList();
        var bytes = new byte[JournalFormat.SegmentHeaderLength + list.Sum(r => r.Length + JournalFormat.RecordOverhead)];
        JournalFormat.WriteSegmentHeader(bytes, 0, JournalFormat.FirstSequence, JournalFingerprint.Bytes);
        int offset = JournalFormat.SegmentHeaderLength;
        long sequence = JournalFormat.FirstSequence;
        foreach (var r in list)
        {
            // Two publishers taking turns on one stream: replay tracks each under its own session.
            offset += JournalFormat.WriteRecord(bytes.AsSpan(offset), sequence, (int)(sequence & 1) + 1, 1001, r);
            sequence++;
        }
        return bytes;
    }

    /// <summary>Generator of fuzz data for a target.</summary>
    public static Gen<byte[]> For(string target) => target switch
    {
        "input" => Mutated(Gen.Frequency((1, ValidInput), (1, PlausibleInput))),
        "output" => Mutated(ValidOutput),
        "snapshot" => Mutated(ValidSnapshot),
        "input-error" => Mutated(ValidInputError),
        "aeron-receive" => AeronReceiveData,
        "aeron-control" => AeronControlData,
        "config" => ConfigData,
        "scenario" => ScenarioData(),
        "journal" => JournalData,
        _ => throw new ArgumentException(target),
    };

    /// <summary>Seeds for the afl++ corpus of a target: unmutated valid inputs.</summary>
    public static IEnumerable<byte[]> Seeds(string target, int count) => target switch
    {
        "config" => [Encoding.UTF8.GetBytes(GateConfig.DefaultJson())],
        "scenario" => Scenarios.Select(Encoding.UTF8.GetBytes),
        "aeron-receive" => PlausibleInput.ArrayOf().Select(m => Frame(AeronStream(7, 5, m.Take(20)))).Sample(count),
        "journal" => PlausibleInput.ArrayOf().Select(m => Journal(m.Take(20))).Sample(count),
        "input" => ValidInput.Sample(count).Concat(PlausibleInput.Sample(count)),
        "output" => ValidOutput.Sample(count),
        "snapshot" => ValidSnapshot.Sample(count),
        "input-error" => ValidInputError.Sample(count),
        _ => For(target).Sample(count),
    };
}
