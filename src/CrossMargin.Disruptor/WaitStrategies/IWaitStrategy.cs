using CrossMargin.Disruptor.Sequencing;

namespace CrossMargin.Disruptor.WaitStrategies;

/// <summary>
/// How a consumer waits for a sequence to become available. Implementations are structs so a
/// <see cref="SequenceBarrier{TWait}"/> (and the processor using it) is specialised per strategy
/// and the wait loop is inlined.
/// </summary>
/// <remarks>
/// Threading: <see cref="WaitFor"/> is called only by the one consumer thread owning the
/// barrier; <see cref="SignalAllWhenBlocking"/> is called by producers after publishing and by
/// whoever raises an alert.
/// <para>Not an idle strategy (<c>CrossMargin.Concurrency.IIdleStrategy</c>): a wait strategy waits
/// <i>for a given sequence</i> inside the barrier, can be signalled by producers and woken by an alert;
/// an idle strategy only backs off a duty-cycle agent after a cycle with no work. Both kinds of thread
/// are started and stopped by the same <c>CrossMargin.Concurrency.HotThread</c>.</para>
/// </remarks>
public interface IWaitStrategy
{
    /// <summary>
    /// Waits until the minimum of <paramref name="dependents"/> is at least <paramref name="sequence"/>,
    /// or the alert is raised.
    /// </summary>
    /// <param name="sequence">The sequence the consumer needs next.</param>
    /// <param name="cursor">The sequencer's cursor (what blocking strategies sleep on).</param>
    /// <param name="dependents">What must have reached <paramref name="sequence"/>: the cursor
    /// itself or the sequences of upstream consumers. Read with acquire semantics.</param>
    /// <param name="alert">Polled in the loop; when raised the wait ends.</param>
    /// <returns>The highest available sequence (at least <paramref name="sequence"/>), or
    /// <see cref="SequenceBarrier{TWait}.Alerted"/> when the alert was raised. Never throws to
    /// report the alert.</returns>
    long WaitFor(long sequence, Sequence cursor, Sequence[] dependents, BarrierAlert alert);

    /// <summary>Wakes consumers blocked in <see cref="WaitFor"/>; a no-op for non-blocking strategies.</summary>
    void SignalAllWhenBlocking();

    /// <summary>Whether producers must call <see cref="SignalAllWhenBlocking"/> after publishing.</summary>
    bool IsBlocking { get; }
}
