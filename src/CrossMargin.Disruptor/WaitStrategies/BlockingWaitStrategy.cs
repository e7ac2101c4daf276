using CrossMargin.Disruptor.Sequencing;

namespace CrossMargin.Disruptor.WaitStrategies;

/// <summary>
/// Blocks the consumer on a <see cref="Monitor"/> until the cursor reaches the wanted sequence;
/// producers take the lock only when a consumer is actually waiting. Lowest CPU, highest latency
/// (a context switch per wake-up). Not for the hot path.
/// </summary>
/// <remarks>
/// Create with <c>new BlockingWaitStrategy()</c>: copies share one lock and waiter count.
/// <c>default(BlockingWaitStrategy)</c> has no lock and must not be used.
/// </remarks>
public readonly struct BlockingWaitStrategy : IWaitStrategy
{
    private readonly BlockingSignal _signal;

    /// <summary>Creates the strategy with its own lock.</summary>
    public BlockingWaitStrategy() => _signal = new BlockingSignal();

    /// <inheritdoc />
    /// <remarks>Blocks until the cursor reaches <paramref name="sequence"/>, then spins on
    /// <paramref name="dependents"/> (upstream consumers are expected to be close behind).</remarks>
    public long WaitFor(long sequence, Sequence cursor, Sequence[] dependents, BarrierAlert alert)
    {
        if (cursor.Value < sequence)
        {
            if (!_signal.Wait(sequence, cursor, alert))
            {
                return SequenceBarrier<BlockingWaitStrategy>.Alerted;
            }
        }

        SpinWait spin = default;
        long available;
        while ((available = Sequence.GetMinimum(dependents)) < sequence)
        {
            if (alert.IsRaised)
            {
                return SequenceBarrier<BlockingWaitStrategy>.Alerted;
            }

            spin.SpinOnce(sleep1Threshold: -1);
        }

        return available;
    }

    /// <inheritdoc />
    public void SignalAllWhenBlocking() => _signal.SignalAll();

    /// <inheritdoc />
    public bool IsBlocking => true;

    private sealed class BlockingSignal
    {
        private readonly object _gate = new();
        private int _waiters;

        // Consumer: registers as a waiter (Interlocked, full fence) *before* re-reading the
        // cursor under the lock, and the producer reads the waiter count only after a full
        // fence that follows its cursor store. So either the consumer sees the new cursor or
        // the producer sees the waiter and pulses under the same lock: no lost wake-up.
        public bool Wait(long sequence, Sequence cursor, BarrierAlert alert)
        {
            lock (_gate)
            {
                Interlocked.Increment(ref _waiters);
                try
                {
                    while (cursor.Value < sequence)
                    {
                        if (alert.IsRaised)
                        {
                            return false;
                        }

                        Monitor.Wait(_gate);
                    }
                }
                finally
                {
                    Interlocked.Decrement(ref _waiters);
                }
            }

            return true;
        }

        public void SignalAll()
        {
            // Store-load fence: the caller's cursor (or alert) store must be globally visible
            // before we look at the waiter count.
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref _waiters) == 0)
            {
                return;
            }

            lock (_gate)
            {
                Monitor.PulseAll(_gate);
            }
        }
    }
}
