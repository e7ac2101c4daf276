namespace CrossMargin.Aeron.Protocol;

/// <summary>Flyweight over an RTT measurement frame (40 bytes, aeron-wire.md §4.5).</summary>
public readonly ref struct RttMeasurementFlyweight
{
    /// <summary>Offset of session_id.</summary>
    public const int SessionIdOffset = 8;
    /// <summary>Offset of stream_id.</summary>
    public const int StreamIdOffset = 12;
    /// <summary>Offset of echo_timestamp (ns, initiator clock).</summary>
    public const int EchoTimestampOffset = 16;
    /// <summary>Offset of reception_delta (ns).</summary>
    public const int ReceptionDeltaOffset = 24;
    /// <summary>Offset of receiver_id.</summary>
    public const int ReceiverIdOffset = 32;
    /// <summary>Frame length.</summary>
    public const int Length = 40;

    /// <summary>The frame bytes.</summary>
    public readonly Span<byte> Buffer;
    /// <summary>Wraps a frame starting at <paramref name="buffer"/>[0].</summary>
    public RttMeasurementFlyweight(Span<byte> buffer) => Buffer = buffer;

    /// <summary>Common header view.</summary>
    public FrameHeader Header => new(Buffer);
    /// <summary>Session id.</summary>
    public int SessionId { get => Le.I32(Buffer, SessionIdOffset); set => Le.I32(Buffer, SessionIdOffset, value); }
    /// <summary>Stream id.</summary>
    public int StreamId { get => Le.I32(Buffer, StreamIdOffset); set => Le.I32(Buffer, StreamIdOffset, value); }
    /// <summary>Initiator's timestamp, echoed back.</summary>
    public long EchoTimestamp { get => Le.I64(Buffer, EchoTimestampOffset); set => Le.I64(Buffer, EchoTimestampOffset, value); }
    /// <summary>Time the answering side held the request.</summary>
    public long ReceptionDelta { get => Le.I64(Buffer, ReceptionDeltaOffset); set => Le.I64(Buffer, ReceptionDeltaOffset, value); }
    /// <summary>Receiver id.</summary>
    public long ReceiverId { get => Le.I64(Buffer, ReceiverIdOffset); set => Le.I64(Buffer, ReceiverIdOffset, value); }

    /// <summary>Writes a complete RTTM.</summary>
    public void Write(byte flags, int sessionId, int streamId, long echoTimestamp, long receptionDelta, long receiverId)
    {
        new FrameHeader(Buffer).Write(Length, flags, FrameType.RttMeasurement);
        SessionId = sessionId; StreamId = streamId; EchoTimestamp = echoTimestamp; ReceptionDelta = receptionDelta; ReceiverId = receiverId;
    }
}
