using System.Numerics;
using System.Runtime.CompilerServices;
using CrossMargin.Aeron.Protocol;

namespace CrossMargin.Aeron.Terms;

/// <summary>
/// Term geometry and the term id / term offset / position arithmetic of aeron-wire.md §5.
/// Positions are 64-bit byte counts since the initial term; term ids wrap as int32.
/// </summary>
public static class LogBufferDescriptor
{
    /// <summary>Number of term partitions in a log.</summary>
    public const int PartitionCount = 3;
    /// <summary>Smallest legal term length (64 KiB).</summary>
    public const int TermMinLength = 64 * 1024;
    /// <summary>Largest legal term length (1 GiB).</summary>
    public const int TermMaxLength = 1024 * 1024 * 1024;
    /// <summary>Default term length for UDP publications (16 MiB).</summary>
    public const int DefaultTermLength = 16 * 1024 * 1024;

    /// <summary>True if <paramref name="termLength"/> is a power of two within [64 KiB, 1 GiB].</summary>
    public static bool IsValidTermLength(int termLength) =>
        termLength >= TermMinLength && termLength <= TermMaxLength && BitOperations.IsPow2(termLength);

    /// <summary>log2(term length): shift between position and term count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PositionBitsToShift(int termLength) => BitOperations.TrailingZeroCount(termLength);

    /// <summary>position = ((termId - initialTermId) wrapping) &lt;&lt; bits + termOffset.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long ComputePosition(int activeTermId, int termOffset, int positionBitsToShift, int initialTermId)
    {
        long termCount = unchecked(activeTermId - initialTermId); // wraps as int32 on purpose
        return (termCount << positionBitsToShift) + termOffset;
    }

    /// <summary>Position of the start of <paramref name="activeTermId"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long ComputeTermBeginPosition(int activeTermId, int positionBitsToShift, int initialTermId) =>
        ComputePosition(activeTermId, 0, positionBitsToShift, initialTermId);

    /// <summary>term id = initialTermId + (position &gt;&gt; bits), wrapping.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ComputeTermIdFromPosition(long position, int positionBitsToShift, int initialTermId) =>
        unchecked((int)(position >>> positionBitsToShift) + initialTermId);

    /// <summary>term offset = position &amp; (termLength - 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ComputeTermOffsetFromPosition(long position, int positionBitsToShift) =>
        (int)(position & ((1L << positionBitsToShift) - 1));

    /// <summary>Partition index holding the term of <paramref name="position"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int IndexByPosition(long position, int positionBitsToShift) =>
        (int)((position >>> positionBitsToShift) % PartitionCount);

    /// <summary>Partition index holding <paramref name="termId"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int IndexByTerm(int initialTermId, int termId) =>
        (int)((uint)unchecked(termId - initialTermId) % PartitionCount);

    /// <summary>Maximum message length = min(term length / 8, 16 MiB).</summary>
    public static int ComputeMaxMessageLength(int termLength) => Math.Min(termLength / 8, ProtocolConstants.MaxMessageLengthCap);

    /// <summary>Largest position a log can reach (2^31 terms).</summary>
    public static long MaxPossiblePosition(int termLength) => (long)termLength << 31;

    /// <summary>Length on the wire / in the term of a message of <paramref name="length"/> bytes, including fragmentation.</summary>
    public static int ComputeFragmentedFrameLength(int length, int maxPayloadLength)
    {
        int numMaxPayloads = length / maxPayloadLength;
        int remaining = length % maxPayloadLength;
        int lastFrame = remaining > 0 ? ProtocolConstants.Align(remaining + DataHeader.Length, ProtocolConstants.FrameAlignment) : 0;
        return numMaxPayloads * (maxPayloadLength + DataHeader.Length) + lastFrame;
    }
}
