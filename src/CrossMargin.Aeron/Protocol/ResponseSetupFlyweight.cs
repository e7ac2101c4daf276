namespace CrossMargin.Aeron.Protocol;

/// <summary>Flyweight over RSP_SETUP (20 bytes, aeron-wire.md §4.7).</summary>
public readonly ref struct ResponseSetupFlyweight
{
    /// <summary>Offset of session_id.</summary>
    public const int SessionIdOffset = 8;
    /// <summary>Offset of stream_id.</summary>
    public const int StreamIdOffset = 12;
    /// <summary>Offset of response_session_id.</summary>
    public const int ResponseSessionIdOffset = 16;
    /// <summary>Frame length.</summary>
    public const int Length = 20;

    /// <summary>The frame bytes.</summary>
    public readonly Span<byte> Buffer;
    /// <summary>Wraps a frame starting at <paramref name="buffer"/>[0].</summary>
    public ResponseSetupFlyweight(Span<byte> buffer) => Buffer = buffer;

    /// <summary>Session id of the request publication.</summary>
    public int SessionId { get => Le.I32(Buffer, SessionIdOffset); set => Le.I32(Buffer, SessionIdOffset, value); }
    /// <summary>Stream id.</summary>
    public int StreamId { get => Le.I32(Buffer, StreamIdOffset); set => Le.I32(Buffer, StreamIdOffset, value); }
    /// <summary>Session id of the response publication.</summary>
    public int ResponseSessionId { get => Le.I32(Buffer, ResponseSessionIdOffset); set => Le.I32(Buffer, ResponseSessionIdOffset, value); }

    /// <summary>Writes a complete RSP_SETUP frame.</summary>
    public void Write(int sessionId, int streamId, int responseSessionId)
    {
        new FrameHeader(Buffer).Write(Length, 0, FrameType.ResponseSetup);
        SessionId = sessionId; StreamId = streamId; ResponseSessionId = responseSessionId;
    }
}
