using CrossMargin.Core.Engine;
using CrossMargin.Messages;

namespace CrossMargin.Gate.Journal;

/// <summary>The outcome of <see cref="InputJournal.Replay"/>.</summary>
/// <param name="Records">Inputs applied (0 when refused: a refused journal is never applied in part).</param>
/// <param name="Scan">What the scan found: the refusal, a torn tail, an accepted config change.</param>
public sealed record JournalReplay(long Records, JournalScan Scan)
{
    /// <summary>The refusal, or null.</summary>
    public JournalError? Error => Scan.Error;
}

/// <summary>
/// The input journal (design.md, "Nothing lost"): every input, in ring order, as the SBE message
/// the gate received, in checksummed records of a segmented journal (<see cref="JournalFormat"/>).
/// The gate publishes no decision before its input is journaled, and a restart replays the journal
/// to the same state hash.
/// </summary>
public static class InputJournal
{
    /// <summary>
    /// Applies every journaled input to <paramref name="engine"/> in order (outputs are discarded:
    /// they were published before). The whole journal is checked first — checksums, sequences, the
    /// config fingerprint against <paramref name="expected"/> (unless <paramref name="acceptConfigChange"/>),
    /// and that every message decodes — so a refused journal leaves the engine untouched. A torn tail
    /// at the very end is not applied and is reported in the result (the next open for append cuts it).
    /// With <paramref name="publishers"/>, every applied input's sender sequence is tracked under the
    /// publisher its record names, as the network thread tracked it live: a restarted gate then expects
    /// each publisher's next number and counts what it skipped while the gate was down. Records from
    /// <paramref name="applyBefore"/> on are not applied (their publishers are still tracked): a restart
    /// feeds them through the risk processor again because their decisions were lost (<see cref="DecisionJournal"/>).
    /// </summary>
    public static JournalReplay Replay(string directory, RiskEngine engine, ConfigFingerprint expected, bool acceptConfigChange = false,
        Host.PublisherSequences? publishers = null, long applyBefore = long.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(engine);
        var check = new DecodeCheck();
        var scan = JournalReader.Scan(directory, expected, acceptConfigChange, ref check);
        if (scan.Error is not null) return new JournalReplay(0, scan);
        if (scan.Records > 0 && scan.FirstSequence != JournalFormat.FirstSequence)
            return new JournalReplay(0, scan with
            {
                Error = new JournalError(JournalErrorKind.StartsLate, directory, -1, scan.FirstSequence,
                    $"the journal starts at record {scan.FirstSequence}: the segments before it are missing"),
            });
        var apply = new Apply(engine, publishers, 0, applyBefore);
        var applied = JournalReader.Scan(directory, expected, acceptConfigChange, ref apply);
        if (applied.Error is not null || applied.Records != scan.Records)
        {
            // The files changed between the passes (someone else writing?): say so rather than guess.
            return new JournalReplay(apply.Count, applied.Error is null ? applied with
            {
                Error = new JournalError(JournalErrorKind.Io, directory, -1, 0, "the journal changed while it was replayed"),
            } : applied);
        }
        return new JournalReplay(apply.Count, applied);
    }

    /// <summary>
    /// True when a record holds the input-error message the gate journals for a malformed input
    /// (it keeps its place in the order; replay counts it and applies nothing).
    /// </summary>
    public static bool IsMalformedRecord(ReadOnlySpan<byte> message) =>
        InputErrorCodec.TryDecode(message, out _, out _, out _) == DecodeResult.Ok;

    private struct DecodeCheck : IJournalVisitor
    {
        public readonly string? OnRecord(long sequence, int sessionId, int streamId, ReadOnlySpan<byte> message)
        {
            var result = InputCodec.TryDecode(message, out _, out _);
            if (result == DecodeResult.Ok || InputJournal.IsMalformedRecord(message)) return null;
            return $"message does not decode ({result})";
        }
    }

    /// <summary>
    /// Applies each record after <paramref name="after"/> and before <paramref name="applyBefore"/> to the
    /// engine and tracks the publisher of each after <paramref name="after"/> (records up to it are already
    /// in a snapshot's state and only checked by the reader's checksums; records from <paramref name="applyBefore"/>
    /// on are fed through the risk processor again by the caller, their decisions lost in a crash).
    /// </summary>
    internal struct Apply(RiskEngine engine, Host.PublisherSequences? publishers, long after = 0, long applyBefore = long.MaxValue) : IJournalVisitor
    {
        /// <summary>Records applied (malformed-input records included: they keep their place, apply nothing).</summary>
        public long Count;
        /// <summary>Sequence of the first record seen (0: none).</summary>
        public long First;

        public string? OnRecord(long sequence, int sessionId, int streamId, ReadOnlySpan<byte> message)
        {
            if (First == 0) First = sequence;
            if (sequence <= after) return null;
            var result = InputCodec.TryDecode(message, out RiskInput input, out long senderSequence);
            if (result == DecodeResult.Ok)
            {
                if (sequence < applyBefore) engine.Process(input);
                publishers?.Track(sessionId, streamId, senderSequence); // live, only decoded inputs are tracked too
            }
            else if (!InputJournal.IsMalformedRecord(message)) return $"message does not decode ({result})";
            if (sequence < applyBefore) Count++; // a malformed input: ordered, answered and journaled, never applied
            return null;
        }
    }
}
