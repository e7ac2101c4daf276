using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CrossMargin.Disruptor.WaitStrategies;

namespace CrossMargin.Disruptor.Sequencing;

/// <summary>
/// Sequencer for exactly one producer thread. Claims are plain arithmetic on a field only that
/// thread touches; publishing is one release store to the cursor. No atomic instructions on the
/// hot path.
/// </summary>
/// <remarks>
/// Threading: <see cref="Next(int)"/>, <see cref="TryNext(int, out long)"/> and
/// <see cref="Publish(long)"/> must all be called from the same single thread (or with an
/// external happens-before between callers). Consumers only read <see cref="Sequencer.Cursor"/>.
/// </remarks>
public sealed class SingleProducerSequencer : Sequencer
{
    // Producer-private state, padded so consumer-side lines are never invalidated by claims.
    private ProducerState _producer;

    /// <summary>Creates a sequencer for a ring of <paramref name="bufferSize"/> slots.</summary>
    /// <param name="bufferSize">Power of two.</param>
    /// <param name="waitStrategy">Strategy the consumers will wait with (its type is passed to
    /// <see cref="Sequencer.NewBarrier{TWait}"/>).</param>
    public SingleProducerSequencer(int bufferSize, IWaitStrategy waitStrategy)
        : base(bufferSize, waitStrategy)
    {
        _producer.Next = Sequence.InitialValue;
        _producer.CachedGating = Sequence.InitialValue;
    }

    /// <inheritdoc />
    public override bool IsSingleProducer => true;

    /// <summary>Claims that found the ring full (<see cref="TryNext(int, out long)"/> failures and
    /// <see cref="Next(int)"/> calls that had to wait). Written by the producer; read with acquire.</summary>
    public long FullRingCount => Volatile.Read(ref _producer.FullRingCount);

    /// <inheritdoc />
    /// <remarks>Producer thread only. Waits by spinning then yielding (never sleeping) until the
    /// slowest gating sequence (acquire reads) frees enough slots.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override long Next(int n)
    {
        if ((uint)(n - 1) >= (uint)_bufferSize)
        {
            ThrowBadBatchSize(n, _bufferSize);
        }

        long current = _producer.Next;
        long next = current + n;
        long wrapPoint = next - _bufferSize;
        long cached = _producer.CachedGating;
        if (wrapPoint > cached || cached > current)
        {
            WaitForCapacity(wrapPoint, current);
        }

        _producer.Next = next;
        return next;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WaitForCapacity(long wrapPoint, long current)
    {
        long min = Sequence.GetMinimum(GatingSequences, current);
        if (wrapPoint > min)
        {
            Volatile.Write(ref _producer.FullRingCount, _producer.FullRingCount + 1);
            SpinWait spin = default;
            while (wrapPoint > (min = Sequence.GetMinimum(GatingSequences, current)))
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }

        _producer.CachedGating = min;
    }

    /// <inheritdoc />
    /// <remarks>Producer thread only. Never waits: a full ring is the return value.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override bool TryNext(int n, out long hi)
    {
        if ((uint)(n - 1) >= (uint)_bufferSize)
        {
            ThrowBadBatchSize(n, _bufferSize);
        }

        long current = _producer.Next;
        long wrapPoint = current + n - _bufferSize;
        long cached = _producer.CachedGating;
        if (wrapPoint > cached || cached > current)
        {
            long min = Sequence.GetMinimum(GatingSequences, current);
            _producer.CachedGating = min;
            if (wrapPoint > min)
            {
                Volatile.Write(ref _producer.FullRingCount, _producer.FullRingCount + 1);
                hi = Sequence.InitialValue;
                return false;
            }
        }

        hi = current + n;
        _producer.Next = hi;
        return true;
    }

    /// <inheritdoc />
    /// <remarks>Producer thread only. One release store (<see cref="Sequence.SetRelease"/>) of the
    /// cursor: the event writes before it are visible to any consumer that reads the cursor.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override void Publish(long sequence)
    {
        _cursor.SetRelease(sequence);
        if (_signalOnPublish)
        {
            _waitStrategy.SignalAllWhenBlocking();
        }
    }

    /// <inheritdoc />
    /// <remarks>Single producer publishes in order, so this is one release store of <paramref name="hi"/>.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override void Publish(long lo, long hi) => Publish(hi);

    /// <inheritdoc />
    public override bool IsAvailable(long sequence)
    {
        long cursor = _cursor.Value;
        return sequence <= cursor && sequence > cursor - _bufferSize;
    }

    /// <inheritdoc />
    /// <remarks>The cursor is only ever moved to a fully published sequence, so this is <paramref name="available"/>.</remarks>
    public override long GetHighestPublishedSequence(long lo, long available) => available;

    /// <inheritdoc />
    /// <remarks>Producer thread only (reads its private claim counter).</remarks>
    public override long RemainingCapacity()
    {
        long next = _producer.Next;
        long consumed = Sequence.GetMinimum(GatingSequences, next);
        return _bufferSize - (next - consumed);
    }

    [StructLayout(LayoutKind.Explicit, Size = PaddingLayout.PaddedSize + 16)]
    private struct ProducerState
    {
        [FieldOffset(PaddingLayout.ValueOffset)]
        public long Next;

        [FieldOffset(PaddingLayout.ValueOffset + 8)]
        public long CachedGating;

        [FieldOffset(PaddingLayout.ValueOffset + 16)]
        public long FullRingCount;
    }
}
