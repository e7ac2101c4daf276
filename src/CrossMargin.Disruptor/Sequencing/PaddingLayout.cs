using System.Runtime.InteropServices;

namespace CrossMargin.Disruptor.Sequencing;

/// <summary>
/// Layout constants for cache-line padded values. A hot 8-byte value sits at
/// <see cref="ValueOffset"/> inside a block of <see cref="PaddedSize"/> bytes, so at least
/// 56 bytes of padding lie on each side: no other writable field can share its 64-byte line.
/// </summary>
/// <remarks>
/// Padding is done with <see cref="StructLayoutAttribute"/> <see cref="LayoutKind.Explicit"/>
/// and <see cref="FieldOffsetAttribute"/>, never with padding fields in an auto-layout class
/// (the CLR is free to reorder those). The layout is checked by a test.
/// </remarks>
public static class PaddingLayout
{
    /// <summary>Padding bytes before the hot value (one cache line minus the value itself).</summary>
    public const int PadBytes = 56;

    /// <summary>Offset of the hot value inside a padded block.</summary>
    public const int ValueOffset = PadBytes;

    /// <summary>Total size of a padded block holding one 8-byte value: 56 + 8 + 56.</summary>
    public const int PaddedSize = PadBytes + sizeof(long) + PadBytes;
}

/// <summary>
/// A single <see cref="long"/> padded on both sides against false sharing, for embedding in
/// another object (a producer's private claim counter, a processor's counters).
/// </summary>
/// <remarks>
/// Plain field: no fence is implied. The owner documents who writes it and how others read it.
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = PaddingLayout.PaddedSize)]
public struct PaddedLong
{
    /// <summary>The padded value.</summary>
    [FieldOffset(PaddingLayout.ValueOffset)]
    public long Value;
}
