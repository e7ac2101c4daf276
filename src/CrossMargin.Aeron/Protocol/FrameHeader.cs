using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace CrossMargin.Aeron.Protocol;

/// <summary>
/// Flyweight over the 8-byte common header every frame starts with (aeron-wire.md §2).
/// All integers are little-endian because the C driver writes its packed structs as laid out in memory.
/// </summary>
public readonly ref struct FrameHeader
{
    /// <summary>Offset of frame_length (int32).</summary>
    public const int FrameLengthOffset = 0;
    /// <summary>Offset of version (int8).</summary>
    public const int VersionOffset = 4;
    /// <summary>Offset of flags (uint8).</summary>
    public const int FlagsOffset = 5;
    /// <summary>Offset of type (int16).</summary>
    public const int TypeOffset = 6;
    /// <summary>Length of the common header.</summary>
    public const int Length = 8;

    /// <summary>The bytes the flyweight reads and writes.</summary>
    public readonly Span<byte> Buffer;

    /// <summary>Wraps <paramref name="buffer"/>, which starts at the frame.</summary>
    public FrameHeader(Span<byte> buffer) => Buffer = buffer;

    /// <summary>frame_length: bytes of the frame before alignment padding.</summary>
    public int FrameLength
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => BinaryPrimitives.ReadInt32LittleEndian(Buffer);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] set => BinaryPrimitives.WriteInt32LittleEndian(Buffer, value);
    }

    /// <summary>Protocol version (0).</summary>
    public byte Version { get => Buffer[VersionOffset]; set => Buffer[VersionOffset] = value; }

    /// <summary>Flags; meaning depends on <see cref="Type"/>.</summary>
    public byte Flags { get => Buffer[FlagsOffset]; set => Buffer[FlagsOffset] = value; }

    /// <summary>Frame type code, see <see cref="FrameType"/>.</summary>
    public short Type
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => BinaryPrimitives.ReadInt16LittleEndian(Buffer[TypeOffset..]);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] set => BinaryPrimitives.WriteInt16LittleEndian(Buffer[TypeOffset..], value);
    }

    /// <summary>Writes the common header in one go.</summary>
    public void Write(int frameLength, byte flags, short type)
    {
        FrameLength = frameLength;
        Buffer[VersionOffset] = ProtocolConstants.Version;
        Buffer[FlagsOffset] = flags;
        Type = type;
    }

    /// <summary>Reads frame_length from a read-only span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ReadFrameLength(ReadOnlySpan<byte> frame) => BinaryPrimitives.ReadInt32LittleEndian(frame);

    /// <summary>Reads the type from a read-only span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static short ReadType(ReadOnlySpan<byte> frame) => BinaryPrimitives.ReadInt16LittleEndian(frame[TypeOffset..]);

    /// <summary>Reads the flags from a read-only span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte ReadFlags(ReadOnlySpan<byte> frame) => frame[FlagsOffset];

    /// <summary>Reads the version from a read-only span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte ReadVersion(ReadOnlySpan<byte> frame) => frame[VersionOffset];
}
