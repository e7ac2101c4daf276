using System.Runtime.CompilerServices;

namespace CrossMargin.Aeron.Protocol;

/// <summary>
/// Flyweight over a DATA or PAD frame header (32 bytes, aeron-wire.md §4.1). A heartbeat is a DATA header
/// alone with frame_length 0.
/// </summary>
public readonly ref struct DataHeader
{
    /// <summary>Offset of term_offset (int32).</summary>
    public const int TermOffsetOffset = 8;
    /// <summary>Offset of session_id (int32).</summary>
    public const int SessionIdOffset = 12;
    /// <summary>Offset of stream_id (int32).</summary>
    public const int StreamIdOffset = 16;
    /// <summary>Offset of term_id (int32).</summary>
    public const int TermIdOffset = 20;
    /// <summary>Offset of reserved_value (int64).</summary>
    public const int ReservedValueOffset = 24;
    /// <summary>Length of the header; the payload starts here.</summary>
    public const int Length = 32;

    /// <summary>The frame bytes.</summary>
    public readonly Span<byte> Buffer;

    /// <summary>Wraps a frame starting at <paramref name="buffer"/>[0].</summary>
    public DataHeader(Span<byte> buffer) => Buffer = buffer;

    /// <summary>frame_length (header + payload, before alignment).</summary>
    public int FrameLength { get => Le.I32(Buffer, FrameHeader.FrameLengthOffset); set => Le.I32(Buffer, FrameHeader.FrameLengthOffset, value); }
    /// <summary>Protocol version.</summary>
    public byte Version { get => Buffer[FrameHeader.VersionOffset]; set => Buffer[FrameHeader.VersionOffset] = value; }
    /// <summary>BEGIN/END/EOS flags.</summary>
    public byte Flags { get => Buffer[FrameHeader.FlagsOffset]; set => Buffer[FrameHeader.FlagsOffset] = value; }
    /// <summary>Frame type: DATA or PAD.</summary>
    public short Type { get => Le.I16(Buffer, FrameHeader.TypeOffset); set => Le.I16(Buffer, FrameHeader.TypeOffset, value); }
    /// <summary>Where this frame starts in its term.</summary>
    public int TermOffset { get => Le.I32(Buffer, TermOffsetOffset); set => Le.I32(Buffer, TermOffsetOffset, value); }
    /// <summary>Publication session.</summary>
    public int SessionId { get => Le.I32(Buffer, SessionIdOffset); set => Le.I32(Buffer, SessionIdOffset, value); }
    /// <summary>Stream id.</summary>
    public int StreamId { get => Le.I32(Buffer, StreamIdOffset); set => Le.I32(Buffer, StreamIdOffset, value); }
    /// <summary>Term id.</summary>
    public int TermId { get => Le.I32(Buffer, TermIdOffset); set => Le.I32(Buffer, TermIdOffset, value); }
    /// <summary>Opaque per-frame value; 0 by default.</summary>
    public long ReservedValue { get => Le.I64(Buffer, ReservedValueOffset); set => Le.I64(Buffer, ReservedValueOffset, value); }

    /// <summary>The payload (frame_length - 32 bytes; empty for PAD and heartbeats).</summary>
    public Span<byte> Payload
    {
        get
        {
            int frameLength = FrameLength;
            return Type == FrameType.Data && frameLength > Length ? Buffer.Slice(Length, frameLength - Length) : Span<byte>.Empty;
        }
    }

    /// <summary>Writes a complete header.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(int frameLength, byte flags, short type, int termOffset, int sessionId, int streamId, int termId, long reservedValue = 0)
    {
        Le.I32(Buffer, FrameHeader.FrameLengthOffset, frameLength);
        Buffer[FrameHeader.VersionOffset] = ProtocolConstants.Version;
        Buffer[FrameHeader.FlagsOffset] = flags;
        Le.I16(Buffer, FrameHeader.TypeOffset, type);
        Le.I32(Buffer, TermOffsetOffset, termOffset);
        Le.I32(Buffer, SessionIdOffset, sessionId);
        Le.I32(Buffer, StreamIdOffset, streamId);
        Le.I32(Buffer, TermIdOffset, termId);
        Le.I64(Buffer, ReservedValueOffset, reservedValue);
    }

    /// <summary>True for a heartbeat datagram: exactly one 32-byte DATA header with frame_length 0.</summary>
    public static bool IsHeartbeat(ReadOnlySpan<byte> datagram) =>
        datagram.Length == Length && FrameHeader.ReadFrameLength(datagram) == 0;
}

/// <summary>Read-only view of a received DATA frame header, handed to fragment handlers.</summary>
public readonly struct FragmentHeader
{
    /// <summary>Creates a header view from decoded fields.</summary>
    public FragmentHeader(int sessionId, int streamId, int termId, int termOffset, int frameLength, byte flags, long reservedValue, long position, int initialTermId, int positionBitsToShift)
    {
        SessionId = sessionId; StreamId = streamId; TermId = termId; TermOffset = termOffset; FrameLength = frameLength;
        Flags = flags; ReservedValue = reservedValue; Position = position; InitialTermId = initialTermId; PositionBitsToShift = positionBitsToShift;
    }

    /// <summary>Session of the image the fragment came from.</summary>
    public int SessionId { get; }
    /// <summary>Stream id.</summary>
    public int StreamId { get; }
    /// <summary>Term id of the (last) frame.</summary>
    public int TermId { get; }
    /// <summary>Term offset of the (last) frame.</summary>
    public int TermOffset { get; }
    /// <summary>frame_length of the (last) frame.</summary>
    public int FrameLength { get; }
    /// <summary>Flags of the (last) frame; BEGIN|END for a whole message.</summary>
    public byte Flags { get; }
    /// <summary>reserved_value of the (last) frame.</summary>
    public long ReservedValue { get; }
    /// <summary>Stream position just after this message.</summary>
    public long Position { get; }
    /// <summary>Image's initial term id.</summary>
    public int InitialTermId { get; }
    /// <summary>log2(term length).</summary>
    public int PositionBitsToShift { get; }
}
