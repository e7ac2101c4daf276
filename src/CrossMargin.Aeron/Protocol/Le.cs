using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace CrossMargin.Aeron.Protocol;

/// <summary>Little-endian field access at an offset; every Aeron wire integer is little-endian.</summary>
internal static class Le
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int I32(ReadOnlySpan<byte> b, int offset) => BinaryPrimitives.ReadInt32LittleEndian(b[offset..]);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long I64(ReadOnlySpan<byte> b, int offset) => BinaryPrimitives.ReadInt64LittleEndian(b[offset..]);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static short I16(ReadOnlySpan<byte> b, int offset) => BinaryPrimitives.ReadInt16LittleEndian(b[offset..]);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void I32(Span<byte> b, int offset, int v) => BinaryPrimitives.WriteInt32LittleEndian(b[offset..], v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void I64(Span<byte> b, int offset, long v) => BinaryPrimitives.WriteInt64LittleEndian(b[offset..], v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void I16(Span<byte> b, int offset, short v) => BinaryPrimitives.WriteInt16LittleEndian(b[offset..], v);
}
