using System.Runtime.CompilerServices;
using CrossMargin.Disruptor.Sequencing;

namespace CrossMargin.Gate.Pipeline;

/// <summary>
/// SPSC byte ring for the variable-length query answers (account and fund snapshots) the risk
/// processor encodes: one pre-allocated block instead of a snapshot object per outbound slot.
/// </summary>
/// <remarks>
/// <para>The processor (the only writer) reserves contiguous space, encodes into it, and records in
/// the outbound slot where the message lies. It frees space from the outbound consumer's sequence:
/// each reservation is remembered with the outbound sequence of its slot, and is released once the
/// consumer has passed that sequence (its bytes were sent). A message that would cross the end of
/// the array starts again at offset 0; the skipped tail is released with it.</para>
/// <para>Threading: <see cref="TryReserve"/> runs on the processor thread; the consumer only reads
/// <see cref="Read"/> for slots it holds. Nothing allocates after construction.</para>
/// </remarks>
public sealed class AnswerRing
{
    private readonly byte[] _bytes;
    private readonly long[] _pendingSequence; // outbound sequence of each unreleased reservation
    private readonly long[] _pendingEnd;      // ring position after it
    private readonly int _pendingMask;
    private long _pendingHead, _pendingTail;
    private long _writePosition, _releasedPosition;

    /// <summary>Creates a ring of <paramref name="capacity"/> bytes holding up to <paramref name="maxPending"/> unsent answers (power of two).</summary>
    public AnswerRing(int capacity, int maxPending = 1024)
    {
        if (capacity <= 0) throw new ArgumentOutOfRangeException(nameof(capacity));
        if (maxPending <= 0 || (maxPending & (maxPending - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(maxPending), "must be a power of two");
        _bytes = new byte[capacity];
        _pendingSequence = new long[maxPending];
        _pendingEnd = new long[maxPending];
        _pendingMask = maxPending - 1;
    }

    /// <summary>The outbound consumer's sequence (set when it is attached, before the processor starts).</summary>
    internal Sequence? ConsumerSequence { get; set; }

    /// <summary>Capacity in bytes: the longest answer this ring can hold.</summary>
    public int Capacity => _bytes.Length;

    /// <summary>
    /// Reserves <paramref name="length"/> contiguous bytes for the answer carried by outbound slot
    /// <paramref name="outboundSequence"/>, releasing answers the consumer has passed
    /// (<see cref="ConsumerSequence"/>). False when the consumer still holds too much; the caller
    /// waits and retries. Processor thread only.
    /// </summary>
    public bool TryReserve(int length, long outboundSequence, out int offset)
    {
        if ((uint)length > (uint)_bytes.Length) throw new ArgumentOutOfRangeException(nameof(length), length, "answer longer than the answer ring");
        Release(ConsumerSequence?.Value ?? long.MaxValue);
        offset = 0;
        if (_pendingTail - _pendingHead > _pendingMask) return false;
        if (_pendingHead == _pendingTail)
        {
            // Nothing unsent: start over at offset 0, so even a message of the whole capacity fits.
            _writePosition = _releasedPosition = 0;
        }
        long position = _writePosition;
        int at = (int)(position % _bytes.Length);
        long start = at + length <= _bytes.Length ? position : position + (_bytes.Length - at); // skip the tail
        if (start + length - _releasedPosition > _bytes.Length) return false;
        offset = (int)(start % _bytes.Length);
        _writePosition = start + length;
        long i = _pendingTail++;
        _pendingSequence[i & _pendingMask] = outboundSequence;
        _pendingEnd[i & _pendingMask] = _writePosition;
        return true;
    }

    /// <summary>The bytes at <paramref name="offset"/> for writing (processor) or reading (consumer, while it holds the slot).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> Slice(int offset, int length) => _bytes.AsSpan(offset, length);

    /// <summary>The answer of a slot, read-only (consumer, while it holds the slot).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> Read(in OutboundEvent e) => _bytes.AsSpan(e.AnswerOffset, e.EncodedLength);

    private void Release(long consumedSequence)
    {
        while (_pendingHead < _pendingTail && _pendingSequence[_pendingHead & _pendingMask] <= consumedSequence)
        {
            _releasedPosition = _pendingEnd[_pendingHead & _pendingMask];
            _pendingHead++;
        }
    }
}
