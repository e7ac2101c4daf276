namespace CrossMargin.Gate.Host;

/// <summary>
/// Sender sequence numbers tracked per publisher — an Aeron session on a stream — not per stream:
/// two publishers on one stream each number their own messages, so a per-stream check would report
/// the difference of their counters as a gap. Preallocated and linear-probed (a gate has a handful
/// of publishers), so tracking allocates nothing on the network thread.
/// </summary>
/// <remarks>
/// Single writer: the network thread; before it starts, the start-up journal replay fills the table
/// from the publisher each record names, so expectations (and gaps) persist across restarts. Read <see cref="Entries"/> only once that thread stopped, or
/// accept a racy view (telemetry). A publisher's first message sets its expectation (it may join
/// mid-stream); afterwards a jump forward counts the skipped numbers as that publisher's gap.
/// </remarks>
public sealed class PublisherSequences
{
    private readonly int[] _session, _stream;
    private readonly long[] _next, _gaps, _messages;
    private int _count;

    /// <summary>A table for at most <paramref name="capacity"/> publishers.</summary>
    public PublisherSequences(int capacity = 256)
    {
        _session = new int[capacity];
        _stream = new int[capacity];
        _next = new long[capacity];
        _gaps = new long[capacity];
        _messages = new long[capacity];
    }

    /// <summary>Publishers seen.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Messages from publishers beyond the table's capacity (their sequences are not checked).</summary>
    public long Untracked { get; private set; }

    /// <summary>
    /// Records message <paramref name="sequence"/> of publisher (<paramref name="sessionId"/>,
    /// <paramref name="streamId"/>); returns the numbers it skipped (0 when in order).
    /// </summary>
    public long Track(int sessionId, int streamId, long sequence)
    {
        int i = 0;
        while (i < _count && (_session[i] != sessionId || _stream[i] != streamId)) i++;
        if (i == _count)
        {
            if (i == _session.Length) { Untracked++; return 0; }
            _session[i] = sessionId;
            _stream[i] = streamId;
            _next[i] = sequence;
            Volatile.Write(ref _count, i + 1);
        }
        long gap = sequence > _next[i] ? sequence - _next[i] : 0;
        _gaps[i] += gap;
        _messages[i]++;
        if (sequence >= _next[i]) _next[i] = sequence + 1;
        return gap;
    }

    /// <summary>
    /// The table slot of publisher (<paramref name="sessionId"/>, <paramref name="streamId"/>), adding it
    /// with <paramref name="firstSequence"/> expected when it is new; −1 when the table is full (counted in
    /// <see cref="Untracked"/>). Used by <see cref="OrderFlowRecovery"/>, which moves the expectation itself.
    /// </summary>
    public int SlotOf(int sessionId, int streamId, long firstSequence)
    {
        int i = 0;
        while (i < _count && (_session[i] != sessionId || _stream[i] != streamId)) i++;
        if (i < _count) return i;
        if (i == _session.Length) { Untracked++; return -1; }
        _session[i] = sessionId;
        _stream[i] = streamId;
        _next[i] = firstSequence;
        Volatile.Write(ref _count, i + 1);
        return i;
    }

    /// <summary>Sequence slot <paramref name="slot"/>'s publisher is expected to send next.</summary>
    public long NextOf(int slot) => _next[slot];

    /// <summary>Session id of slot <paramref name="slot"/>.</summary>
    public int SessionOf(int slot) => _session[slot];

    /// <summary>Stream id of slot <paramref name="slot"/>.</summary>
    public int StreamOf(int slot) => _stream[slot];

    /// <summary>Slot <paramref name="slot"/>'s message <see cref="NextOf"/> was applied: the next one is expected.</summary>
    internal void Applied(int slot)
    {
        _next[slot]++;
        _messages[slot]++;
    }

    /// <summary>Slot <paramref name="slot"/>'s next sequence was declared lost (unrecoverable): skipped, counted as a gap.</summary>
    internal void Lost(int slot)
    {
        _next[slot]++;
        _gaps[slot]++;
    }

    /// <summary>Slot <paramref name="slot"/>'s sequences up to <paramref name="through"/> were declared lost before a restart: skipped, counted as gaps.</summary>
    internal void SkipLost(int slot, long through)
    {
        if (through < _next[slot]) return;
        _gaps[slot] += through - _next[slot] + 1;
        _next[slot] = through + 1;
    }

    /// <summary>
    /// Puts back one publisher's figures as a snapshot recorded them (start-up, before the network
    /// thread runs); the journal tail after the snapshot is then tracked on top. False when full.
    /// </summary>
    public bool Restore(in Entry entry)
    {
        int i = _count;
        if (i == _session.Length) return false;
        _session[i] = entry.SessionId; _stream[i] = entry.StreamId;
        _next[i] = entry.LastSequence + 1; _gaps[i] = entry.Gaps; _messages[i] = entry.Messages;
        Volatile.Write(ref _count, i + 1);
        return true;
    }

    /// <summary>One publisher's figures.</summary>
    /// <param name="SessionId">Aeron session id of the publication.</param>
    /// <param name="StreamId">Stream it publishes on.</param>
    /// <param name="LastSequence">Highest sender sequence received.</param>
    /// <param name="Gaps">Sequence numbers skipped.</param>
    /// <param name="Messages">Messages received.</param>
    public readonly record struct Entry(int SessionId, int StreamId, long LastSequence, long Gaps, long Messages);

    /// <summary>Every publisher seen, in order of first message (cold path: allocates).</summary>
    public Entry[] Entries()
    {
        int n = Count;
        var entries = new Entry[n];
        for (int i = 0; i < n; i++) entries[i] = new Entry(_session[i], _stream[i], _next[i] - 1, _gaps[i], _messages[i]);
        return entries;
    }
}
