using System.Runtime.CompilerServices;
using CrossMargin.Disruptor.Sequencing;

namespace CrossMargin.Disruptor.WaitStrategies;

/// <summary>
/// Spins <see cref="SpinTries"/> times, then calls <see cref="Thread.Yield"/> between checks:
/// near busy-spin latency while letting other runnable threads use the core.
/// </summary>
public readonly struct YieldingWaitStrategy : IWaitStrategy
{
    /// <summary>Checks made before the first yield.</summary>
    public const int SpinTries = 100;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long WaitFor(long sequence, Sequence cursor, Sequence[] dependents, BarrierAlert alert)
    {
        int counter = SpinTries;
        long available;
        while ((available = Sequence.GetMinimum(dependents)) < sequence)
        {
            if (alert.IsRaised)
            {
                return SequenceBarrier<YieldingWaitStrategy>.Alerted;
            }

            if (counter == 0)
            {
                Thread.Yield();
            }
            else
            {
                counter--;
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
