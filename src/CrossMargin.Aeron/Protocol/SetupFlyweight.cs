namespace CrossMargin.Aeron.Protocol;

/// <summary>Flyweight over a SETUP frame (40 bytes, aeron-wire.md §4.2).</summary>
public readonly ref struct SetupFlyweight
{
    /// <summary>Offset of term_offset.</summary>
    public const int TermOffsetOffset = 8;
    /// <summary>Offset of session_id.</summary>
    public const int SessionIdOffset = 12;
    /// <summary>Offset of stream_id.</summary>
    public const int StreamIdOffset = 16;
    /// <summary>Offset of initial_term_id.</summary>
    public const int InitialTermIdOffset = 20;
    /// <summary>Offset of active_term_id.</summary>
    public const int ActiveTermIdOffset = 24;
    /// <summary>Offset of term_length.</summary>
    public const int TermLengthOffset = 28;
    /// <summary>Offset of mtu.</summary>
    public const int MtuOffset = 32;
    /// <summary>Offset of ttl.</summary>
    public const int TtlOffset = 36;
    /// <summary>Frame length.</summary>
    public const int Length = 40;

    /// <summary>The frame bytes.</summary>
    public readonly Span<byte> Buffer;
    /// <summary>Wraps a frame starting at <paramref name="buffer"/>[0].</summary>
    public SetupFlyweight(Span<byte> buffer) => Buffer = buffer;

    /// <summary>Common header view.</summary>
    public FrameHeader Header => new(Buffer);
    /// <summary>Sender position's offset within the active term.</summary>
    public int TermOffset { get => Le.I32(Buffer, TermOffsetOffset); set => Le.I32(Buffer, TermOffsetOffset, value); }
    /// <summary>Session id.</summary>
    public int SessionId { get => Le.I32(Buffer, SessionIdOffset); set => Le.I32(Buffer, SessionIdOffset, value); }
    /// <summary>Stream id.</summary>
    public int StreamId { get => Le.I32(Buffer, StreamIdOffset); set => Le.I32(Buffer, StreamIdOffset, value); }
    /// <summary>Initial term id of the publication.</summary>
    public int InitialTermId { get => Le.I32(Buffer, InitialTermIdOffset); set => Le.I32(Buffer, InitialTermIdOffset, value); }
    /// <summary>Term id of the sender position.</summary>
    public int ActiveTermId { get => Le.I32(Buffer, ActiveTermIdOffset); set => Le.I32(Buffer, ActiveTermIdOffset, value); }
    /// <summary>Term length (power of two).</summary>
    public int TermLength { get => Le.I32(Buffer, TermLengthOffset); set => Le.I32(Buffer, TermLengthOffset, value); }
    /// <summary>MTU.</summary>
    public int Mtu { get => Le.I32(Buffer, MtuOffset); set => Le.I32(Buffer, MtuOffset, value); }
    /// <summary>Multicast TTL, 0 otherwise.</summary>
    public int Ttl { get => Le.I32(Buffer, TtlOffset); set => Le.I32(Buffer, TtlOffset, value); }

    /// <summary>Writes a complete SETUP frame.</summary>
    public void Write(byte flags, int termOffset, int sessionId, int streamId, int initialTermId, int activeTermId, int termLength, int mtu, int ttl)
    {
        new FrameHeader(Buffer).Write(Length, flags, FrameType.Setup);
        TermOffset = termOffset; SessionId = sessionId; StreamId = streamId; InitialTermId = initialTermId;
        ActiveTermId = activeTermId; TermLength = termLength; Mtu = mtu; Ttl = ttl;
    }
}
