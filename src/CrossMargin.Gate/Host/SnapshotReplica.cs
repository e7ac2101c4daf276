using System.Diagnostics;
using CrossMargin.Core.Engine;
using CrossMargin.Gate.Journal;

namespace CrossMargin.Gate.Host;

/// <summary>When the replica writes a snapshot: every N inputs, every N seconds, or only when asked.</summary>
/// <param name="EveryInputs">Inputs applied since the last snapshot that make the next one due (0: not by count).</param>
/// <param name="EverySeconds">Seconds since the last snapshot that make the next one due, if an input arrived meanwhile (0: not by time).</param>
/// <param name="Keep">Snapshots kept (older ones are deleted once a new one is in place).</param>
public sealed record SnapshotPolicy(long EveryInputs, int EverySeconds, int Keep = 3)
{
    /// <summary>Parses <c>journal.snapshotEvery</c>: a number of inputs (<c>1000000</c>), seconds (<c>60s</c>) or <c>request</c> (only when asked).</summary>
    public static bool TryParse(string text, int keep, out SnapshotPolicy? policy, out string? error)
    {
        policy = null; error = null;
        if (text == "request") { policy = new SnapshotPolicy(0, 0, keep); return true; }
        bool seconds = text.EndsWith('s');
        if (!long.TryParse(seconds ? text[..^1] : text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long n) || n < 1
            || (seconds && n > int.MaxValue))
        {
            error = $"'{text}' is not a number of inputs (e.g. 1000000), of seconds (e.g. 60s), or 'request'";
            return false;
        }
        policy = seconds ? new SnapshotPolicy(0, (int)n, keep) : new SnapshotPolicy(n, 0, keep);
        return true;
    }
}

/// <summary>
/// The snapshotter (issue 9, item 2), as LMAX does it: a replica engine on its own thread that follows
/// the journal (<see cref="JournalTail"/>, records up to <see cref="JournalWriter.OsSequence"/>), applies
/// each input as the risk processor did, and writes snapshots of itself (<see cref="SnapshotFile.Write"/>)
/// when due or asked. The risk thread never waits for it and shares no state with it: its pause for a
/// snapshot is zero by construction (the cost is a second engine's memory and the replica's CPU).
/// </summary>
/// <remarks>
/// The replica starts from the snapshot the gate started from (loaded again, off the start-up path) and
/// catches up the journal tail. A fault (a journal record that does not check, a full disk) stops the
/// replica only: it is reported in <see cref="Fault"/> and the gate runs on without new snapshots.
/// </remarks>
public sealed class SnapshotReplica : IDisposable
{
    private readonly string _directory;
    private readonly RiskEngine _engine;
    private readonly ConfigFingerprint _fingerprint;
    private readonly Func<long> _durableUpTo;
    private readonly SnapshotPolicy _policy;
    private readonly string? _startSnapshot;
    private readonly bool _sync;
    private readonly Thread _thread;
    private volatile bool _stop;
    private int _requested;
    private long _requestedUpTo; // the journal's end when the operator asked: the snapshot holds at least that
    private long _applied, _written;
    private volatile SnapshotWritten? _last;
    private volatile string? _fault;
    private long _maxWriteTicks;

    /// <summary>
    /// Starts a replica on the journal in <paramref name="directory"/>: from <paramref name="startSnapshot"/>
    /// (null: the journal's first record), following records up to <paramref name="journaledUpTo"/>().
    /// </summary>
    /// <remarks>
    /// The replica's engine is built here, on the caller's thread (the gate's start-up, before the risk
    /// thread runs): allocating a second engine's arrays later would bring full GCs that stop every
    /// thread. After that the replica allocates only small, short-lived objects per snapshot.
    /// </remarks>
    public SnapshotReplica(string directory, Func<RiskEngine> build, ConfigFingerprint fingerprint, Func<long> journaledUpTo, SnapshotPolicy policy,
        string? startSnapshot, bool sync = true)
    {
        ArgumentNullException.ThrowIfNull(build);
        _engine = build();
        (_directory, _fingerprint, _durableUpTo, _policy, _startSnapshot, _sync) = (directory, fingerprint, journaledUpTo, policy, startSnapshot, sync);
        _thread = new Thread(Run) { Name = "gate-snapshot", IsBackground = true, Priority = ThreadPriority.BelowNormal };
        _thread.Start();
    }

    /// <summary>Asks for a snapshot as soon as the replica has caught up (an operator's request). Any thread.</summary>
    public void Request()
    {
        Volatile.Write(ref _requestedUpTo, _durableUpTo());
        Interlocked.Exchange(ref _requested, 1);
    }

    /// <summary>Sequence of the last input the replica applied. Any thread.</summary>
    public long AppliedSequence => Volatile.Read(ref _applied);

    /// <summary>Snapshots written by this replica. Any thread.</summary>
    public long Written => Volatile.Read(ref _written);

    /// <summary>The last snapshot written, or null. Any thread.</summary>
    public SnapshotWritten? Last => _last;

    /// <summary>Longest snapshot write so far (serialise, fsync, rename, prune).</summary>
    public TimeSpan MaxWriteTime => TimeSpan.FromTicks(Volatile.Read(ref _maxWriteTicks));

    /// <summary>Why the replica stopped, or null while it runs. Any thread.</summary>
    public string? Fault => _fault;

    /// <summary>Raised on the replica's thread after each snapshot is in place.</summary>
    public event Action<SnapshotWritten>? SnapshotWritten;

    private void Run()
    {
        try
        {
            var engine = _engine;
            var publishers = new PublisherSequences();
            long from = 0;
            if (_startSnapshot is not null)
            {
                if (SnapshotFile.TryLoad(_startSnapshot, _fingerprint, engine, out var header) is { } why) { _fault = $"replica start: {why}"; return; }
                foreach (var p in header!.Publishers) publishers.Restore(p);
                from = header.InputSequence;
            }
            Volatile.Write(ref _applied, from);
            if (JournalTail.TryOpen(_directory, from + 1, out var tail) is { } bad) { _fault = $"replica start: {bad}"; return; }
            using (tail)
            {
                var apply = new InputJournal.Apply(engine, publishers);
                long lastSnapshot = from;
                bool held = _startSnapshot is not null; // a snapshot file holds the state at lastSnapshot
                var since = Stopwatch.StartNew();
                while (!_stop)
                {
                    int n = tail!.Poll(_durableUpTo(), 4096, ref apply, out string? error);
                    if (n < 0) { _fault = $"replica: {error}"; return; }
                    long applied = tail.NextSequence - 1;
                    Volatile.Write(ref _applied, applied);
                    bool asked = Volatile.Read(ref _requested) != 0; // between two inputs: any point is a consistent state
                    if (asked && applied < Volatile.Read(ref _requestedUpTo)) asked = false; // not caught up with the request yet
                    else if (asked && applied == lastSnapshot)
                    {
                        // The newest snapshot already holds this state: writing it again would only replace the file.
                        // With no snapshot and nothing applied yet (a request right after start), it waits for the first input.
                        if (held) Interlocked.Exchange(ref _requested, 0);
                        asked = false;
                    }
                    bool due = applied > lastSnapshot && ((_policy.EveryInputs > 0 && applied - lastSnapshot >= _policy.EveryInputs)
                        || (_policy.EverySeconds > 0 && since.Elapsed.TotalSeconds >= _policy.EverySeconds));
                    if (asked || due)
                    {
                        Interlocked.Exchange(ref _requested, 0);
                        var written = SnapshotFile.Write(_directory, engine, applied, _fingerprint, publishers.Entries(), sync: _sync, keep: _policy.Keep);
                        lastSnapshot = applied;
                        held = true;
                        since.Restart();
                        if (written.Elapsed.Ticks > Volatile.Read(ref _maxWriteTicks)) Volatile.Write(ref _maxWriteTicks, written.Elapsed.Ticks);
                        _last = written;
                        Interlocked.Increment(ref _written);
                        SnapshotWritten?.Invoke(written);
                    }
                    else if (n == 0) Thread.Sleep(1);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { _fault = $"replica: {ex.Message}"; }
    }

    /// <summary>Waits until the replica applied input <paramref name="sequence"/> (or stopped); false on timeout.</summary>
    public bool WaitApplied(long sequence, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (AppliedSequence < sequence && _fault is null && sw.Elapsed < timeout) Thread.Sleep(1);
        return AppliedSequence >= sequence;
    }

    /// <summary>Stops the replica (a snapshot being written completes first).</summary>
    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}
