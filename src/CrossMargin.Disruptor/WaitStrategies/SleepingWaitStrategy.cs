using CrossMargin.Disruptor.Sequencing;

namespace CrossMargin.Disruptor.WaitStrategies;

/// <summary>
/// Spins, then yields, then sleeps 1 ms between checks: low CPU when idle, millisecond wake-up.
/// For background consumers (journal, metrics) where latency does not matter.
/// </summary>
public readonly struct SleepingWaitStrategy : IWaitStrategy
{
    /// <summary>Checks made by spinning before yielding.</summary>
    public const int SpinTries = 100;

    /// <summary>Checks made by yielding before sleeping.</summary>
    public const int YieldTries = 100;

    /// <inheritdoc />
    public long WaitFor(long sequence, Sequence cursor, Sequence[] dependents, BarrierAlert alert)
    {
        int counter = SpinTries + YieldTries;
        long available;
        while ((available = Sequence.GetMinimum(dependents)) < sequence)
        {
            if (alert.IsRaised)
            {
                return SequenceBarrier<SleepingWaitStrategy>.Alerted;
            }

            if (counter > YieldTries)
            {
                counter--;
            }
            else if (counter > 0)
            {
                counter--;
                Thread.Yield();
            }
            else
            {
                Thread.Sleep(1);
            }
        }

        return available;
    }

    /// <inheritdoc />
    public void SignalAllWhenBlocking()
    {
    }

    /// <inheritdoc />
    public bool IsBlocking => false;
}
