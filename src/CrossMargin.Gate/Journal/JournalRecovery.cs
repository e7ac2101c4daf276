using System.Diagnostics;
using CrossMargin.Core.Engine;
using CrossMargin.Gate.Host;

namespace CrossMargin.Gate.Journal;

/// <summary>How a start-up or a replay got its state.</summary>
/// <param name="Snapshot">The snapshot file the state started from, or null (the journal from its first record).</param>
/// <param name="SnapshotSequence">The last input in that snapshot (0 without one).</param>
/// <param name="Refused">Snapshots tried and refused, newest first, each with its reason.</param>
/// <param name="TailRecords">Journal records applied on top (after the snapshot).</param>
/// <param name="SnapshotLoad">Time to load and prove the snapshot.</param>
/// <param name="JournalPass">Time of the pass over the journal (check every record, apply the tail).</param>
/// <param name="JournalPasses">Passes over the journal: 1, or 2 when a snapshot turned out to be ahead of the journal.</param>
/// <param name="StateHash">The state hash of the recovered state (an operator compares it with <c>replay</c>).</param>
public sealed record RecoveryReport(string? Snapshot, long SnapshotSequence, IReadOnlyList<string> Refused, long TailRecords,
    TimeSpan SnapshotLoad, TimeSpan JournalPass, int JournalPasses, ulong StateHash)
{
    /// <inheritdoc />
    public override string ToString() =>
        (Snapshot is null ? "no snapshot used; " : $"snapshot {Path.GetFileName(Snapshot)} (input {SnapshotSequence:N0}) loaded in {SnapshotLoad.TotalSeconds:F2} s; ")
        + $"journal tail of {TailRecords:N0} inputs applied in {JournalPass.TotalSeconds:F2} s ({JournalPasses} pass(es) over the journal); recovered state {StateHash:x16}"
        + (Refused.Count > 0 ? "; refused: " + string.Join("; ", Refused) : "");
}

/// <summary>The state a recovery produced: the engine, the publishers' sender sequences, what the journal scan found.</summary>
public sealed record Recovered(RiskEngine Engine, PublisherSequences Publishers, JournalScan Scan, RecoveryReport Report)
{
    /// <summary>Sequence of the last input in the state (the journal's last record).</summary>
    public long LastSequence => Scan.NextSequence - 1;
}

/// <summary>
/// Restart (issue 9, item 2): the newest snapshot that loads and proves itself (<see cref="SnapshotFile.TryLoad"/>),
/// then the journal tail after its sequence — in one pass that also checks every record of the journal.
/// A refused snapshot falls back to the next older one, and then to the whole journal; a snapshot
/// ahead of the journal (its inputs no longer there, e.g. a torn tail cut after a power loss) is
/// refused too, since new inputs would reuse its sequence numbers. Cold path.
/// </summary>
public static class JournalRecovery
{
    /// <summary>
    /// Gate start-up: opens the journal for append (<see cref="JournalWriter.TryOpen{TVisitor}"/>, a torn tail
    /// cut) and recovers the state in the same pass. Returns the refusal, or null with the writer and state.
    /// Records from <paramref name="applyBefore"/> on are checked and their publishers tracked, but not applied
    /// (the gate feeds them through the risk processor again: their decisions were lost), and no snapshot past
    /// them is used.
    /// </summary>
    public static JournalError? TryOpen(string directory, JournalOptions options, Func<RiskEngine> build, bool useSnapshots,
        out JournalWriter? writer, out JournalOpenReport? opened, out Recovered? recovered, long applyBefore = long.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(options);
        JournalWriter? w = null;
        JournalOpenReport? o = null;
        var error = Recover(directory, options.Fingerprint, build, useSnapshots, (ref InputJournal.Apply apply, out JournalScan? scan) =>
        {
            w?.Dispose(); // an earlier pass's writer: that pass's snapshot was ahead of the journal
            return JournalWriter.TryOpen(directory, options, ref apply, out w, out o, out scan);
        }, out recovered, applyBefore);
        if (error is not null) w?.Dispose();
        (writer, opened) = error is null ? (w, o) : (null, null);
        return error;
    }

    /// <summary>
    /// <c>replay</c>: the same recovery without opening the journal for append (nothing is cut or written).
    /// With <paramref name="fromStart"/>, snapshots are ignored and every record is applied.
    /// </summary>
    public static JournalError? Replay(string directory, ConfigFingerprint expected, Func<RiskEngine> build, bool acceptConfigChange, bool fromStart,
        out Recovered? recovered) =>
        Recover(directory, expected, build, !fromStart, (ref InputJournal.Apply apply, out JournalScan? scan) =>
        {
            scan = JournalReader.Scan(directory, expected, acceptConfigChange, ref apply);
            return scan.Error;
        }, out recovered);

    /// <summary>One pass over the journal with a visitor: the scan, or the refusal.</summary>
    private delegate JournalError? Pass(ref InputJournal.Apply apply, out JournalScan? scan);

    private static JournalError? Recover(string directory, ConfigFingerprint expected, Func<RiskEngine> build, bool useSnapshots, Pass pass, out Recovered? recovered,
        long applyBefore = long.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(build);
        recovered = null;
        var refused = new List<string>();
        // A snapshot holds every input through its sequence: none may hold one the caller applies again.
        long ceiling = useSnapshots ? applyBefore - 1 : -1;
        for (int passes = 1; ; passes++)
        {
            var (engine, publishers, header, path, load) = Start(directory, expected, build, ceiling, refused);
            long after = header?.InputSequence ?? 0;
            var apply = new InputJournal.Apply(engine, publishers, after, applyBefore);
            var sw = Stopwatch.StartNew();
            if (pass(ref apply, out var scan) is { } error) return error;
            if (scan!.Exists && Check(directory, scan, after) is { } late) return late;
            if (after > scan.NextSequence - 1)
            {
                refused.Add($"{Path.GetFileName(path)}: ahead of the journal (input {after:N0}, the journal ends at {scan.NextSequence - 1:N0})");
                ceiling = Math.Min(scan.NextSequence - 1, applyBefore - 1);
                continue;
            }
            recovered = new Recovered(engine, publishers, scan, new RecoveryReport(path, after, refused, apply.Count, load, sw.Elapsed, passes, engine.StateHash()));
            return null;
        }
    }

    /// <summary>A journal must reach back to the input after the snapshot (to its first record without one).</summary>
    private static JournalError? Check(string directory, JournalScan scan, long after) =>
        scan.Records > 0 && scan.FirstSequence > after + 1
            ? new JournalError(JournalErrorKind.StartsLate, directory, -1, scan.FirstSequence,
                after == 0 ? $"the journal starts at record {scan.FirstSequence}: the segments before it are missing"
                    : $"the journal starts at record {scan.FirstSequence}, the snapshot used ends at input {after}: the records between are missing")
            : null;

    /// <summary>The newest snapshot at or below <paramref name="ceiling"/> that loads, else a fresh engine; refusals are added to <paramref name="refused"/>.</summary>
    private static (RiskEngine Engine, PublisherSequences Publishers, SnapshotHeader? Header, string? Path, TimeSpan Load) Start(
        string directory, ConfigFingerprint expected, Func<RiskEngine> build, long ceiling, List<string> refused)
    {
        if (ceiling >= 0)
            foreach (var (sequence, path) in SnapshotFile.List(directory))
            {
                if (sequence > ceiling) continue;
                var sw = Stopwatch.StartNew();
                var engine = build();
                if (SnapshotFile.TryLoad(path, expected, engine, out var header) is { } why) { refused.Add(why); continue; }
                var publishers = new PublisherSequences();
                foreach (var p in header!.Publishers) publishers.Restore(p);
                return (engine, publishers, header, path, sw.Elapsed);
            }
        return (build(), new PublisherSequences(), null, null, default);
    }
}
