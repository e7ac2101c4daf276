using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using CrossMargin.Core.Engine;

namespace CrossMargin.Messages;

/// <summary>
/// Little-endian field access for the codecs. Callers have checked the block length first, so the
/// span bounds checks here never fail; they stay as a second line of defence.
/// </summary>
internal static class Wire
{
    /// <summary>SBE BooleanType: false.</summary>
    public const byte False = 0;
    /// <summary>SBE BooleanType: true.</summary>
    public const byte True = 1;

    /// <summary>The last value of each Core enum the schema lists; a test fails when Core adds one.</summary>
    public const RejectReason LastRejectReason = RejectReason.SequenceGap;
    public const HealthState LastHealthState = HealthState.Bankrupt;
    public const HaltScope LastHaltScope = HaltScope.Account;
    public const ProcessStatus LastProcessStatus = ProcessStatus.UnknownKind;
    public const DecodeResult LastDecodeResult = DecodeResult.BadRange;

    /// <summary>Wire MarginMode enum: cross.</summary>
    public const byte MarginModeCross = 0;
    /// <summary>Wire MarginMode enum: isolated.</summary>
    public const byte MarginModeIsolated = 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PutInt64(Span<byte> b, int offset, long v) => BinaryPrimitives.WriteInt64LittleEndian(b[offset..], v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PutInt32(Span<byte> b, int offset, int v) => BinaryPrimitives.WriteInt32LittleEndian(b[offset..], v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PutUInt16(Span<byte> b, int offset, ushort v) => BinaryPrimitives.WriteUInt16LittleEndian(b[offset..], v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PutUInt8(Span<byte> b, int offset, byte v) => b[offset] = v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PutBool(Span<byte> b, int offset, bool v) => b[offset] = v ? True : False;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PutSide(Span<byte> b, int offset, Side v) => b[offset] = unchecked((byte)(sbyte)v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long GetInt64(ReadOnlySpan<byte> b, int offset) => BinaryPrimitives.ReadInt64LittleEndian(b[offset..]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int GetInt32(ReadOnlySpan<byte> b, int offset) => BinaryPrimitives.ReadInt32LittleEndian(b[offset..]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort GetUInt16(ReadOnlySpan<byte> b, int offset) => BinaryPrimitives.ReadUInt16LittleEndian(b[offset..]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryGetBool(ReadOnlySpan<byte> b, int offset, out bool v)
    {
        byte x = b[offset];
        v = x == True;
        return x <= True;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryGetSide(ReadOnlySpan<byte> b, int offset, out Side v)
    {
        v = (Side)unchecked((sbyte)b[offset]);
        return IsSide(v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryGetEnum<T>(ReadOnlySpan<byte> b, int offset, T last, out T v) where T : unmanaged, Enum
    {
        byte x = b[offset];
        v = Unsafe.As<byte, T>(ref x);
        return x <= Unsafe.As<T, byte>(ref last);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsSide(Side s) => s is Side.Buy or Side.Sell;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool InEnum<T>(T v, T last) where T : unmanaged, Enum =>
        Unsafe.As<T, byte>(ref v) <= Unsafe.As<T, byte>(ref last);

    /// <summary>Asset indices travel as uint16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsAssetIndex(int asset) => (uint)asset <= ushort.MaxValue;
}
