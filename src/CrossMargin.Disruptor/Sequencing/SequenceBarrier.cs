using System.Runtime.CompilerServices;
using CrossMargin.Disruptor.WaitStrategies;

namespace CrossMargin.Disruptor.Sequencing;

/// <summary>
/// What one consumer waits on: the sequencer's cursor, or upstream consumers' sequences, with a
/// wait strategy <typeparamref name="TWait"/> specialised (and inlined) at compile time, and an
/// alert that a halt raises.
/// </summary>
/// <typeparam name="TWait">The wait strategy struct.</typeparam>
/// <remarks>
/// Threading: <see cref="WaitFor"/> and <see cref="ClearAlert"/> belong to the single consumer
/// thread using the barrier; <see cref="Alert"/> may be called from any thread.
/// Create with <see cref="Sequencer.NewBarrier{TWait}"/>.
/// </remarks>
public sealed class SequenceBarrier<TWait>
    where TWait : struct, IWaitStrategy
{
    /// <summary>Returned by <see cref="WaitFor"/> when the alert was raised.</summary>
    public const long Alerted = long.MinValue;

    private readonly Sequencer _sequencer;
    private readonly Sequence _cursor;
    private readonly Sequence[] _dependents;
    private readonly bool _singleProducer;
    private readonly BarrierAlert _alert = new();
    private TWait _wait;

    internal SequenceBarrier(Sequencer sequencer, TWait wait, Sequence[] dependents)
    {
        _sequencer = sequencer;
        _cursor = sequencer.Cursor;
        _dependents = dependents.Length == 0 ? [_cursor] : (Sequence[])dependents.Clone();
        _singleProducer = sequencer.IsSingleProducer;
        _wait = wait;
    }

    /// <summary>The sequencer's cursor.</summary>
    public Sequence Cursor => _cursor;

    /// <summary>The sequencer this barrier reads.</summary>
    public Sequencer Sequencer => _sequencer;

    /// <summary>Whether a halt raised the alert (acquire read).</summary>
    public bool IsAlerted => _alert.IsRaised;

    /// <summary>
    /// Waits until <paramref name="sequence"/> is available to this consumer.
    /// </summary>
    /// <returns>The highest sequence the consumer may process (it can be more than
    /// <paramref name="sequence"/>: that is the batch). A value below <paramref name="sequence"/>
    /// means no progress: <see cref="Alerted"/> after a halt, or (multi producer) the next slot is
    /// claimed but not yet published. Never throws for the alert.</returns>
    /// <remarks>Consumer thread only. Everything written to the ring up to the returned sequence is
    /// visible (the dependents / availability flags were read with acquire semantics).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long WaitFor(long sequence)
    {
        if (_alert.IsRaised)
        {
            return Alerted;
        }

        long available = _wait.WaitFor(sequence, _cursor, _dependents, _alert);
        if (available < sequence || _singleProducer)
        {
            return available;
        }

        return _sequencer.GetHighestPublishedSequence(sequence, available);
    }

    /// <summary>Raises the alert and wakes a blocked consumer so its wait returns <see cref="Alerted"/>.</summary>
    /// <remarks>Any thread. Release store of the flag, then the strategy's signal (which fences).</remarks>
    public void Alert()
    {
        _alert.Raise();
        _wait.SignalAllWhenBlocking();
    }

    /// <summary>Clears the alert before a consumer (re)starts. Consumer thread only.</summary>
    public void ClearAlert() => _alert.Clear();
}
