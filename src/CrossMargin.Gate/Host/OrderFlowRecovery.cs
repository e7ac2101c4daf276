using System.Diagnostics;
using CrossMargin.Concurrency;
using CrossMargin.Messages.Recovery;

namespace CrossMargin.Gate.Host;

/// <summary>Bounds of order-flow gap recovery (config <c>recovery</c>).</summary>
/// <param name="BufferMessages">Messages one gap buffer holds past a publisher's gap (a power of two); later ones are dropped, counted and asked for again.</param>
/// <param name="Buffers">Gap buffers preallocated (publishers recovering at once with a buffer; one without drops and re-requests everything past its gap).</param>
/// <param name="TimeoutMs">A request that brought no progress for this long is sent again.</param>
/// <param name="Retries">Requests sent again without progress before the missing range is declared unrecoverable.</param>
public sealed record RecoveryLimits(int BufferMessages, int Buffers, int TimeoutMs, int Retries)
{
    /// <summary>16 Ki messages × 4 buffers (8 MiB), 250 ms, 8 retries (a range is given up after about 2 s of silence).</summary>
    public static RecoveryLimits Default { get; } = new(16384, 4, 250, 8);
}

/// <summary>What <see cref="OrderFlowRecovery.OnArrival"/> decided for a message.</summary>
public enum ArrivalAction : byte
{
    /// <summary>It is the publisher's next sequence: apply it now (the expectation moved past it).</summary>
    Apply,
    /// <summary>It came after a gap: held in the publisher's gap buffer until the gap is filled.</summary>
    Buffered,
    /// <summary>Already applied or already buffered: dropped (counted).</summary>
    Duplicate,
    /// <summary>After a gap, but the gap buffer is full (or none is free): dropped, counted, and asked for again later.</summary>
    Overflow,
    /// <summary>From a publisher beyond the table's capacity: applied unchecked (counted in <see cref="PublisherSequences.Untracked"/>).</summary>
    Untracked,
}

/// <summary>
/// Order-flow gap recovery (issue 9, item 3), per publisher (Aeron session and stream): a gap is never
/// skipped. What arrives after it waits in a bounded gap buffer, the missing range is asked for with a
/// <see cref="RecoveryRange"/> (the gate sends it on the recovery channel), the exchange sends those
/// inputs again — the original bytes with their original sequence — and the gate applies everything
/// strictly in sequence order. A request without progress is sent again after a timeout; when the
/// exchange answers RecoveryUnavailable or the retries run out, the range is declared lost, counted,
/// recorded in <see cref="LastLoss"/> and the publisher is halted for new risk until an operator resumes it.
/// With a journal the halt and the resume are written to its <see cref="Journal.HaltJournal"/> (synced
/// before the next message is admitted), and a restart puts the halts back (<see cref="RestoreHalt"/>).
/// </summary>
/// <remarks>
/// <para>Single-threaded (the network thread); preallocated, nothing allocates after construction.
/// Only a publisher's next sequence is ever applied, whether it arrived live (<see cref="ArrivalAction.Apply"/>)
/// or from the buffer (<see cref="TryTakeNext"/>), so the journal and the ring see each publisher's inputs
/// in sequence order, each once.</para>
/// <para>A gap buffer is a window of <see cref="RecoveryLimits.BufferMessages"/> slots over sequences
/// [next, next + size): sequence s lives in slot s mod size. A slot holds a message, nothing, or a
/// tombstone (a sequence declared lost, skipped when the window reaches it).</para>
/// </remarks>
public sealed class OrderFlowRecovery
{
    /// <summary>The sequence a publisher's first message carries.</summary>
    public const long FirstSequence = 1;

    /// <summary>Bytes a buffered message may have (an input with its HMAC trailer is under 100).</summary>
    public const int SlotBytes = 128;

    private const short Empty = 0, Tombstone = -1;
    private readonly PublisherSequences _publishers;
    private readonly GateCounters _counters;
    private readonly Journal.HaltJournal? _durable;
    private readonly int _size, _mask, _retries;
    private readonly long _timeoutTicks;

    // The gap buffers: a pool, each owned by at most one publisher.
    private readonly byte[][] _data;
    private readonly short[][] _length;
    private readonly int[] _owner; // publisher slot owning buffer b, −1 when free

    // Per publisher slot (PublisherSequences' index).
    private readonly int[] _buffer;            // gap buffer index, −1 for none
    private readonly long[] _highest;          // highest sequence seen (applied, buffered or dropped)
    private readonly long[] _requestedTo;      // highest sequence asked for since the last timeout
    private readonly long[] _lastRequestTicks; // when a request was last sent (0: never)
    private readonly long[] _nextAtRequest;    // the expectation when it was sent (progress check)
    private readonly int[] _tries;             // requests without progress
    private readonly bool[] _halted;

    // Publishers with a gap outstanding (next ≤ highest), in no order.
    private readonly int[] _recovering;
    private int _recoveringCount;
    private long _requestId;

    /// <summary>
    /// Recovery for the publishers of <paramref name="publishers"/>, counting into <paramref name="counters"/>;
    /// halts and resumes are recorded in <paramref name="halts"/> when given (a gate with a journal).
    /// </summary>
    public OrderFlowRecovery(PublisherSequences publishers, GateCounters counters, RecoveryLimits limits, int publisherCapacity = 256, Journal.HaltJournal? halts = null)
    {
        _durable = halts;
        ArgumentNullException.ThrowIfNull(limits);
        if (limits.BufferMessages < 2 || (limits.BufferMessages & (limits.BufferMessages - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(limits), limits.BufferMessages, "bufferMessages: a power of two of at least 2");
        _publishers = publishers;
        _counters = counters;
        _size = limits.BufferMessages;
        _mask = _size - 1;
        _retries = limits.Retries;
        _timeoutTicks = Math.Max(1, limits.TimeoutMs * Stopwatch.Frequency / 1000);
        _data = new byte[limits.Buffers][];
        _length = new short[limits.Buffers][];
        _owner = new int[limits.Buffers];
        for (int b = 0; b < limits.Buffers; b++)
        {
            _data[b] = new byte[_size * SlotBytes];
            _length[b] = new short[_size];
            _owner[b] = -1;
        }
        _buffer = new int[publisherCapacity];
        Array.Fill(_buffer, -1);
        _highest = new long[publisherCapacity];
        _requestedTo = new long[publisherCapacity];
        _lastRequestTicks = new long[publisherCapacity];
        _nextAtRequest = new long[publisherCapacity];
        _tries = new int[publisherCapacity];
        _halted = new bool[publisherCapacity];
        _recovering = new int[publisherCapacity];
    }

    /// <summary>Publishers with a gap outstanding.</summary>
    public int Recovering => _recoveringCount;

    /// <summary>Publishers halted for new risk (an unrecoverable loss, not yet resumed by an operator).</summary>
    public int Halted { get; private set; }

    /// <summary>The last range declared lost: publisher, first and last sequence (racy view for the status thread; zeros before any).</summary>
    public (int SessionId, int StreamId, long From, long To) LastLoss => (_lossSession, _lossStream, Volatile.Read(ref _lossFrom), Volatile.Read(ref _lossTo));

    private int _lossSession, _lossStream;
    private long _lossFrom, _lossTo;

    /// <summary>
    /// Message <paramref name="sequence"/> of publisher (<paramref name="sessionId"/>, <paramref name="streamId"/>)
    /// arrived (<paramref name="message"/>: the verified message bytes, kept when it is buffered).
    /// <paramref name="slot"/> is the publisher's table slot (−1 when untracked).
    /// </summary>
    public ArrivalAction OnArrival(int sessionId, int streamId, long sequence, ReadOnlySpan<byte> message, out int slot)
    {
        // A publication numbers its messages from 1 (as a FIX session does): a new publisher whose first
        // message is later has a gap from 1, asked for like any other.
        slot = _publishers.SlotOf(sessionId, streamId, FirstSequence);
        if (slot < 0) return ArrivalAction.Untracked;
        long next = _publishers.NextOf(slot);
        if (sequence < next)
        {
            _counters.RecoveryDuplicates.Increment();
            return ArrivalAction.Duplicate;
        }
        if (sequence == next && _highest[slot] < next)
        {
            // In order and nothing outstanding: the hot path.
            _publishers.Applied(slot);
            _highest[slot] = sequence;
            return ArrivalAction.Apply;
        }
        if (sequence == next)
        {
            // Fills the head of a gap (live or replayed): apply now, the buffer drains behind it. A copy
            // already buffered is applied by the drain instead; a sequence declared lost stays lost
            // (the loss was reported and acted on: a late copy is dropped, the drain skips it).
            int head = _buffer[slot];
            if (head >= 0 && _length[head][(int)(sequence & _mask)] != Empty)
            {
                _counters.RecoveryDuplicates.Increment();
                return ArrivalAction.Duplicate;
            }
            _publishers.Applied(slot);
            return ArrivalAction.Apply;
        }
        // After a gap.
        long highest = Math.Max(_highest[slot], next - 1);
        if (sequence > highest)
        {
            if (sequence > highest + 1) _counters.SequenceGaps.Add(sequence - highest - 1);
            if (_highest[slot] < next) StartRecovering(slot);
            _highest[slot] = sequence;
        }
        int b = _buffer[slot];
        if (b < 0) b = TakeBuffer(slot);
        if (b < 0 || sequence - next >= _size || message.Length > SlotBytes)
        {
            _counters.RecoveryOverflows.Increment();
            return ArrivalAction.Overflow;
        }
        int at = (int)(sequence & _mask);
        if (_length[b][at] != Empty)
        {
            _counters.RecoveryDuplicates.Increment();
            return ArrivalAction.Duplicate;
        }
        message.CopyTo(_data[b].AsSpan(at * SlotBytes, SlotBytes));
        _length[b][at] = (short)message.Length;
        _counters.RecoveryBuffered.Increment();
        return ArrivalAction.Buffered;
    }

    /// <summary>Aeron session id of publisher slot <paramref name="slot"/>.</summary>
    public int SessionOf(int slot) => _publishers.SessionOf(slot);

    /// <summary>Stream id of publisher slot <paramref name="slot"/>.</summary>
    public int StreamOf(int slot) => _publishers.StreamOf(slot);

    /// <summary>Whether publisher slot <paramref name="slot"/> is halted for new risk.</summary>
    public bool IsHalted(int slot) => slot >= 0 && _halted[slot];

    /// <summary>
    /// The next buffered message, in sequence order, of a publisher whose gap is filled: its slot,
    /// sequence and bytes (valid until the next call of any method). Skips sequences declared lost. False when no
    /// publisher has its next sequence buffered. Call only when the ring has room for it: it is taken.
    /// </summary>
    public bool TryTakeNext(out int slot, out long sequence, out ReadOnlySpan<byte> message)
    {
        for (int k = 0; k < _recoveringCount; k++)
        {
            int p = _recovering[k];
            int b = _buffer[p];
            long next = _publishers.NextOf(p);
            if (b >= 0)
            {
                int at = (int)(next & _mask);
                while (_length[b][at] == Tombstone && next <= _highest[p])
                {
                    _length[b][at] = Empty;
                    _publishers.Lost(p);
                    next++;
                    at = (int)(next & _mask);
                }
                short length = _length[b][at];
                if (length > 0 && next <= _highest[p])
                {
                    _length[b][at] = Empty;
                    _publishers.Applied(p);
                    slot = p;
                    sequence = next;
                    message = _data[b].AsSpan(at * SlotBytes, length);
                    if (next == _highest[p]) StopRecovering(k);
                    return true;
                }
            }
            if (next > _highest[p])
            {
                StopRecovering(k);
                k--;
            }
        }
        slot = -1;
        sequence = 0;
        message = default;
        return false;
    }

    /// <summary>
    /// The ranges to ask for now, written into <paramref name="requests"/>: missing runs not asked for yet,
    /// and every missing run again for a publisher whose last request brought no progress within the
    /// timeout. Declares a range lost (and halts its publisher) once the retries are exhausted. Returns
    /// the count written. <paramref name="now"/> is a <see cref="Stopwatch.GetTimestamp"/> value.
    /// </summary>
    public int CollectRequests(long now, Span<RecoveryRange> requests)
    {
        int n = 0;
        for (int k = 0; k < _recoveringCount && n < requests.Length; k++)
        {
            int p = _recovering[k];
            long next = _publishers.NextOf(p);
            long windowEnd = Math.Min(_highest[p], next + _size - 1);
            bool timedOut = _lastRequestTicks[p] != 0 && now - _lastRequestTicks[p] >= _timeoutTicks;
            if (timedOut)
            {
                if (next == _nextAtRequest[p] && ++_tries[p] > _retries)
                {
                    DeclareLost(p, next, FirstPresent(p, next, windowEnd) - 1);
                    _tries[p] = 0;
                    continue; // the drain skips the run; what is still missing is asked for next cycle
                }
                if (next != _nextAtRequest[p]) _tries[p] = 0;
                _requestedTo[p] = next - 1; // ask for every missing run again
            }
            long from = Math.Max(next, _requestedTo[p] + 1);
            if (from > windowEnd) continue;
            int runs = MissingRuns(p, from, windowEnd, requests[n..]);
            n += runs;
            if (runs == 0) continue;
            _lastRequestTicks[p] = now;
            _nextAtRequest[p] = next;
        }
        _counters.RecoveryRequests.Add(n);
        return n;
    }

    /// <summary>
    /// The exchange cannot send <paramref name="range"/> again: every sequence of it still missing is
    /// declared lost (skipped when the buffer reaches it) and the publisher is halted for new risk.
    /// </summary>
    public void OnUnavailable(in RecoveryRange range)
    {
        _counters.RecoveryUnavailable.Increment();
        int p = FindSlot(range.SessionId, range.StreamId);
        if (p < 0) return;
        long next = _publishers.NextOf(p);
        long from = Math.Max(range.FromSequence, next), to = Math.Min(range.ToSequence, Math.Min(_highest[p], next + _size - 1));
        if (from > to) return; // nothing of it is missing any more
        DeclareLost(p, from, to);
    }

    /// <summary>Lifts the halt of publisher (<paramref name="sessionId"/>, <paramref name="streamId"/>), or of every halted one with (0, 0); returns how many were resumed.</summary>
    public int Resume(int sessionId, int streamId)
    {
        int resumed = 0;
        for (int p = 0; p < _publishers.Count; p++)
        {
            if (!_halted[p]) continue;
            if ((sessionId != 0 || streamId != 0) && (_publishers.SessionOf(p) != sessionId || _publishers.StreamOf(p) != streamId)) continue;
            _halted[p] = false;
            resumed++;
            // Synced before the resumed publisher's next order is admitted; a failed write only brings the halt back at a restart.
            if (_durable is not null && !_durable.RecordResume(_publishers.SessionOf(p), _publishers.StreamOf(p))) _counters.HaltRecordFaults.Increment();
        }
        Halted -= resumed;
        _counters.PublishersHalted.Set(Halted);
        _counters.PublishersResumed.Add(resumed);
        return resumed;
    }

    private void DeclareLost(int p, long from, long to)
    {
        int b = _buffer[p];
        long lost = 0;
        for (long s = from; s <= to; s++)
        {
            if (b >= 0 && s - _publishers.NextOf(p) < _size)
            {
                int at = (int)(s & _mask);
                if (_length[b][at] != Empty) continue; // arrived after all
                _length[b][at] = Tombstone;
                lost++;
            }
            else if (s == _publishers.NextOf(p))
            {
                _publishers.Lost(p); // no buffer: skip at once
                lost++;
            }
        }
        if (lost == 0) return;
        _counters.RecoveryLost.Add(lost);
        _lossSession = _publishers.SessionOf(p);
        _lossStream = _publishers.StreamOf(p);
        Volatile.Write(ref _lossFrom, from);
        Volatile.Write(ref _lossTo, to);
        if (!_halted[p])
        {
            _halted[p] = true;
            Halted++;
            _counters.PublishersHalted.Set(Halted);
        }
        // On the disk before this thread admits the publisher's next message (a restart keeps it halted); a loss
        // of an already halted publisher is recorded too (its latest range is what the operator reconciles).
        if (_durable is not null && !_durable.RecordHalt(_lossSession, _lossStream, from, to)) _counters.HaltRecordFaults.Increment();
        if (_publishers.NextOf(p) > _highest[p]) RemoveRecovering(p);
    }

    /// <summary>
    /// Start-up, before the network thread runs: halts publisher <paramref name="halt"/> as the halt
    /// record file says (not written again). When the journal's expectation of that publisher lies in the
    /// lost range (nothing after the range was journaled), it moves past the range, so the restarted gate
    /// does not ask for it again. False when the publisher table is full.
    /// </summary>
    public bool RestoreHalt(in Journal.PublisherHalt halt)
    {
        int p = _publishers.SlotOf(halt.SessionId, halt.StreamId, FirstSequence);
        if (p < 0) return false;
        long next = _publishers.NextOf(p);
        if (next >= halt.FromSequence && next <= halt.ToSequence) _publishers.SkipLost(p, halt.ToSequence);
        _lossSession = halt.SessionId;
        _lossStream = halt.StreamId;
        Volatile.Write(ref _lossFrom, halt.FromSequence);
        Volatile.Write(ref _lossTo, halt.ToSequence);
        if (_halted[p]) return true;
        _halted[p] = true;
        Halted++;
        _counters.PublishersHalted.Set(Halted);
        return true;
    }

    /// <summary>First sequence in [from, to] that is buffered, or to + 1.</summary>
    private long FirstPresent(int p, long from, long to)
    {
        int b = _buffer[p];
        if (b < 0) return to + 1;
        for (long s = from; s <= to; s++)
            if (_length[b][(int)(s & _mask)] > 0) return s;
        return to + 1;
    }

    /// <summary>Writes the missing runs of [from, to] into <paramref name="dest"/> and moves the asked-up-to mark past what it scanned.</summary>
    private int MissingRuns(int p, long from, long to, Span<RecoveryRange> dest)
    {
        int b = _buffer[p], n = 0;
        int session = _publishers.SessionOf(p), stream = _publishers.StreamOf(p);
        long s = from;
        while (s <= to && n < dest.Length)
        {
            if (b >= 0 && _length[b][(int)(s & _mask)] != Empty) { s++; continue; }
            long start = s;
            while (s <= to && (b < 0 || _length[b][(int)(s & _mask)] == Empty)) s++;
            dest[n++] = new RecoveryRange(++_requestId, start, s - 1, session, stream);
        }
        _requestedTo[p] = s - 1; // scanned up to here (all of it unless dest filled up)
        return n;
    }

    private int FindSlot(int sessionId, int streamId)
    {
        for (int p = 0; p < _publishers.Count; p++)
            if (_publishers.SessionOf(p) == sessionId && _publishers.StreamOf(p) == streamId) return p;
        return -1;
    }

    private int TakeBuffer(int p)
    {
        for (int b = 0; b < _owner.Length; b++)
        {
            if (_owner[b] >= 0) continue;
            _owner[b] = p;
            _buffer[p] = b;
            return b;
        }
        return -1;
    }

    private void StartRecovering(int p)
    {
        _recovering[_recoveringCount++] = p;
        _requestedTo[p] = _publishers.NextOf(p) - 1;
        _lastRequestTicks[p] = 0;
        _tries[p] = 0;
        _counters.PublishersRecovering.Set(_recoveringCount);
    }

    private void RemoveRecovering(int p)
    {
        for (int k = 0; k < _recoveringCount; k++)
            if (_recovering[k] == p) { StopRecovering(k); return; }
    }

    private void StopRecovering(int k)
    {
        int p = _recovering[k];
        _recovering[k] = _recovering[--_recoveringCount];
        int b = _buffer[p];
        if (b >= 0)
        {
            // Every slot is empty: the window was drained up to the highest sequence seen.
            _owner[b] = -1;
            _buffer[p] = -1;
        }
        _lastRequestTicks[p] = 0;
        _counters.PublishersRecovering.Set(_recoveringCount);
    }
}
