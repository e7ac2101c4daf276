using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CrossMargin.Disruptor.WaitStrategies;

namespace CrossMargin.Disruptor.Sequencing;

/// <summary>
/// Sequencer for any number of producer threads (tools, tests, fan-in). Claims move the cursor
/// with a CAS; publication marks each slot in an availability buffer, so consumers see a
/// sequence only when it and all before it are published.
/// </summary>
/// <remarks>
/// Threading: any thread may claim and publish. The cursor is the highest <em>claimed</em>
/// sequence; barriers use <see cref="GetHighestPublishedSequence"/> to find the published prefix.
/// </remarks>
public sealed class MultiProducerSequencer : Sequencer
{
    // availableBuffer[seq & mask] == (int)(seq >> shift) means "seq is published": the flag is the
    // lap number, so a slot from an older lap is never mistaken for the current one.
    private readonly int[] _availableBuffer;
    private readonly int _indexMask;
    private readonly int _indexShift;
    private PaddedLong _gatingCache;

    /// <summary>Creates a sequencer for a ring of <paramref name="bufferSize"/> slots.</summary>
    /// <param name="bufferSize">Power of two.</param>
    /// <param name="waitStrategy">Strategy the consumers will wait with.</param>
    public MultiProducerSequencer(int bufferSize, IWaitStrategy waitStrategy)
        : base(bufferSize, waitStrategy)
    {
        _availableBuffer = new int[bufferSize];
        _availableBuffer.AsSpan().Fill(-1);
        _indexMask = bufferSize - 1;
        _indexShift = BitOperations.Log2((uint)bufferSize);
        _gatingCache.Value = Sequence.InitialValue;
    }

    /// <inheritdoc />
    public override bool IsSingleProducer => false;

    /// <inheritdoc />
    /// <remarks>Any thread. CAS on the cursor (<see cref="Interlocked"/>, full fence); spins then
    /// yields while the ring is full.</remarks>
    public override long Next(int n)
    {
        if ((uint)(n - 1) >= (uint)_bufferSize)
        {
            ThrowBadBatchSize(n, _bufferSize);
        }

        SpinWait spin = default;
        while (true)
        {
            long current = _cursor.Value;
            long next = current + n;
            if (HasRoom(current, next))
            {
                if (_cursor.CompareAndSet(current, next))
                {
                    return next;
                }
            }
            else
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>Any thread. Retries only on CAS contention, never on a full ring.</remarks>
    public override bool TryNext(int n, out long hi)
    {
        if ((uint)(n - 1) >= (uint)_bufferSize)
        {
            ThrowBadBatchSize(n, _bufferSize);
        }

        while (true)
        {
            long current = _cursor.Value;
            long next = current + n;
            if (!HasRoom(current, next))
            {
                hi = Sequence.InitialValue;
                return false;
            }

            if (_cursor.CompareAndSet(current, next))
            {
                hi = next;
                return true;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool HasRoom(long current, long next)
    {
        long wrapPoint = next - _bufferSize;
        long cached = Volatile.Read(ref _gatingCache.Value);
        if (wrapPoint > cached || cached > current)
        {
            long min = Sequence.GetMinimum(GatingSequences, current);
            Volatile.Write(ref _gatingCache.Value, min);
            return wrapPoint <= min;
        }

        return true;
    }

    /// <inheritdoc />
    /// <remarks>Release store of the slot's lap flag (<see cref="Volatile.Write(ref int, int)"/>):
    /// the event data written before it is visible to a consumer that reads the flag.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override void Publish(long sequence)
    {
        SetAvailable(sequence);
        if (_signalOnPublish)
        {
            _waitStrategy.SignalAllWhenBlocking();
        }
    }

    /// <inheritdoc />
    public override void Publish(long lo, long hi)
    {
        for (long s = lo; s <= hi; s++)
        {
            SetAvailable(s);
        }

        if (_signalOnPublish)
        {
            _waitStrategy.SignalAllWhenBlocking();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetAvailable(long sequence)
    {
        ref int slot = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_availableBuffer), (nint)(sequence & _indexMask));
        Volatile.Write(ref slot, (int)(sequence >> _indexShift));
    }

    /// <inheritdoc />
    /// <remarks>Acquire read of the slot's lap flag.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override bool IsAvailable(long sequence)
    {
        ref int slot = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_availableBuffer), (nint)(sequence & _indexMask));
        return Volatile.Read(ref slot) == (int)(sequence >> _indexShift);
    }

    /// <inheritdoc />
    public override long GetHighestPublishedSequence(long lo, long available)
    {
        for (long s = lo; s <= available; s++)
        {
            if (!IsAvailable(s))
            {
                return s - 1;
            }
        }

        return available;
    }

    /// <inheritdoc />
    public override long RemainingCapacity()
    {
        long produced = _cursor.Value;
        long consumed = Sequence.GetMinimum(GatingSequences, produced);
        return _bufferSize - (produced - consumed);
    }
}
