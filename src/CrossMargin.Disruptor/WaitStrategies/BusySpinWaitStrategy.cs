using System.Runtime.CompilerServices;
using CrossMargin.Disruptor.Sequencing;

namespace CrossMargin.Disruptor.WaitStrategies;

/// <summary>
/// Spins on the dependent sequences without yielding: lowest latency, burns a whole core.
/// Use only when the consumer thread has a core of its own.
/// </summary>
public readonly struct BusySpinWaitStrategy : IWaitStrategy
{
    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long WaitFor(long sequence, Sequence cursor, Sequence[] dependents, BarrierAlert alert)
    {
        long available;
        while ((available = Sequence.GetMinimum(dependents)) < sequence)
        {
            if (alert.IsRaised)
            {
                return SequenceBarrier<BusySpinWaitStrategy>.Alerted;
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
