namespace CrossMargin.Aeron.Protocol;

/// <summary>Flyweight over a NAK (28 bytes, aeron-wire.md §4.4).</summary>
public readonly ref struct NakFlyweight
{
    /// <summary>Offset of session_id.</summary>
    public const int SessionIdOffset = 8;
    /// <summary>Offset of stream_id.</summary>
    public const int StreamIdOffset = 12;
    /// <summary>Offset of term_id.</summary>
    public const int TermIdOffset = 16;
    /// <summary>Offset of term_offset.</summary>
    public const int TermOffsetOffset = 20;
    /// <summary>Offset of length.</summary>
    public const int LengthOffset = 24;
    /// <summary>Frame length.</summary>
    public const int Length = 28;

    /// <summary>The frame bytes.</summary>
    public readonly Span<byte> Buffer;
    /// <summary>Wraps a frame starting at <paramref name="buffer"/>[0].</summary>
    public NakFlyweight(Span<byte> buffer) => Buffer = buffer;

    /// <summary>Common header view.</summary>
    public FrameHeader Header => new(Buffer);
    /// <summary>Session id.</summary>
    public int SessionId { get => Le.I32(Buffer, SessionIdOffset); set => Le.I32(Buffer, SessionIdOffset, value); }
    /// <summary>Stream id.</summary>
    public int StreamId { get => Le.I32(Buffer, StreamIdOffset); set => Le.I32(Buffer, StreamIdOffset, value); }
    /// <summary>Term id of the gap.</summary>
    public int TermId { get => Le.I32(Buffer, TermIdOffset); set => Le.I32(Buffer, TermIdOffset, value); }
    /// <summary>Term offset where the gap starts.</summary>
    public int TermOffset { get => Le.I32(Buffer, TermOffsetOffset); set => Le.I32(Buffer, TermOffsetOffset, value); }
    /// <summary>Bytes missing from <see cref="TermOffset"/>.</summary>
    public int GapLength { get => Le.I32(Buffer, LengthOffset); set => Le.I32(Buffer, LengthOffset, value); }

    /// <summary>Writes a complete NAK.</summary>
    public void Write(int sessionId, int streamId, int termId, int termOffset, int length)
    {
        new FrameHeader(Buffer).Write(Length, 0, FrameType.Nak);
        SessionId = sessionId; StreamId = streamId; TermId = termId; TermOffset = termOffset; GapLength = length;
    }
}
