using CrossMargin.Disruptor.Sequencing;

namespace CrossMargin.Disruptor.Processing;

/// <summary>
/// Pull-style consumer: the owning thread calls <see cref="Poll{THandler}(ref THandler)"/> from its
/// own loop (e.g. a thread that also polls a network) instead of giving a thread to a processor.
/// </summary>
/// <typeparam name="T">The event struct.</typeparam>
/// <remarks>
/// Threading: one thread polls. Add <see cref="Sequence"/> to the sequencer's gating sequences
/// before producing. The poller's sequence is advanced with a release store after each poll, so
/// the producer (acquire read) reuses slots only after the handler returned.
/// </remarks>
public sealed class EventPoller<T>
    where T : struct
{
    private readonly RingBuffer<T> _ring;
    private readonly Sequencer _sequencer;
    private readonly Sequence[] _dependents;
    private readonly Sequence _sequence = new();

    /// <summary>Creates a poller over <paramref name="ring"/>.</summary>
    /// <param name="ring">The events.</param>
    /// <param name="sequencer">The ring's sequencer.</param>
    /// <param name="dependents">Upstream consumers to stay behind; the cursor when empty.</param>
    public EventPoller(RingBuffer<T> ring, Sequencer sequencer, params Sequence[] dependents)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentNullException.ThrowIfNull(sequencer);
        _ring = ring;
        _sequencer = sequencer;
        _dependents = dependents is { Length: > 0 } ? (Sequence[])dependents.Clone() : [sequencer.Cursor];
    }

    /// <summary>Outcome of one poll.</summary>
    public enum PollState
    {
        /// <summary>At least one event was handled.</summary>
        Processing,

        /// <summary>Events are published but an upstream consumer has not released them yet.</summary>
        Gating,

        /// <summary>Nothing to do.</summary>
        Idle,
    }

    /// <summary>Highest sequence handled by this poller.</summary>
    public Sequence Sequence => _sequence;

    /// <summary>Hands the available events to <paramref name="handler"/> until it returns <c>false</c>
    /// or none are left. Never waits.</summary>
    /// <remarks>Polling thread only. If the handler throws, events before the failing one are
    /// committed and the exception propagates; the failing event is offered again by the next poll.</remarks>
    public PollState Poll<THandler>(ref THandler handler)
        where THandler : struct, IEventPollHandler<T>
    {
        long current = _sequence.Value;
        long next = current + 1;
        long available = _sequencer.GetHighestPublishedSequence(next, Sequence.GetMinimum(_dependents));
        if (next <= available)
        {
            long processed = current;
            try
            {
                bool more;
                do
                {
                    more = handler.OnEvent(ref _ring[next], next, next == available);
                    processed = next;
                    next++;
                }
                while (more && next <= available);
            }
            finally
            {
                _sequence.SetRelease(processed);
            }

            return PollState.Processing;
        }

        return _sequencer.Cursor.Value >= next ? PollState.Gating : PollState.Idle;
    }

    /// <summary>
    /// Hands the available events to <paramref name="handler"/> until it holds one (returns
    /// <c>false</c>: that event is not consumed and comes first in the next poll) or none are left.
    /// Never waits. Returns how many events were consumed.
    /// </summary>
    /// <remarks>Polling thread only. A held event's slot stays owned by this poller, so the handler
    /// may leave its data in place (nothing is copied aside to retry later).</remarks>
    public int PollUntilHeld<THandler>(ref THandler handler)
        where THandler : struct, IEventHoldHandler<T>
    {
        long current = _sequence.Value;
        long next = current + 1;
        long available = _sequencer.GetHighestPublishedSequence(next, Sequence.GetMinimum(_dependents));
        long processed = current;
        try
        {
            while (next <= available && handler.TryHandle(ref _ring[next], next))
            {
                processed = next++;
            }
        }
        finally
        {
            if (processed != current) _sequence.SetRelease(processed);
        }

        return (int)(processed - current);
    }
}
