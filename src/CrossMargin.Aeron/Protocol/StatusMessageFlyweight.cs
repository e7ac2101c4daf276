namespace CrossMargin.Aeron.Protocol;

/// <summary>Flyweight over a status message (36 bytes, or 44 with group tag; aeron-wire.md §4.3).</summary>
public readonly ref struct StatusMessageFlyweight
{
    /// <summary>Offset of session_id.</summary>
    public const int SessionIdOffset = 8;
    /// <summary>Offset of stream_id.</summary>
    public const int StreamIdOffset = 12;
    /// <summary>Offset of consumption_term_id.</summary>
    public const int ConsumptionTermIdOffset = 16;
    /// <summary>Offset of consumption_term_offset.</summary>
    public const int ConsumptionTermOffsetOffset = 20;
    /// <summary>Offset of receiver_window.</summary>
    public const int ReceiverWindowOffset = 24;
    /// <summary>Offset of receiver_id (int64, 4-byte aligned by pack(4)).</summary>
    public const int ReceiverIdOffset = 28;
    /// <summary>Offset of the optional group_tag.</summary>
    public const int GroupTagOffset = 36;
    /// <summary>Length without group tag.</summary>
    public const int Length = 36;
    /// <summary>Length with group tag.</summary>
    public const int LengthWithGroupTag = 44;

    /// <summary>The frame bytes.</summary>
    public readonly Span<byte> Buffer;
    /// <summary>Wraps a frame starting at <paramref name="buffer"/>[0].</summary>
    public StatusMessageFlyweight(Span<byte> buffer) => Buffer = buffer;

    /// <summary>Common header view.</summary>
    public FrameHeader Header => new(Buffer);
    /// <summary>Session id.</summary>
    public int SessionId { get => Le.I32(Buffer, SessionIdOffset); set => Le.I32(Buffer, SessionIdOffset, value); }
    /// <summary>Stream id.</summary>
    public int StreamId { get => Le.I32(Buffer, StreamIdOffset); set => Le.I32(Buffer, StreamIdOffset, value); }
    /// <summary>Term id of the consumption position.</summary>
    public int ConsumptionTermId { get => Le.I32(Buffer, ConsumptionTermIdOffset); set => Le.I32(Buffer, ConsumptionTermIdOffset, value); }
    /// <summary>Term offset of the consumption position.</summary>
    public int ConsumptionTermOffset { get => Le.I32(Buffer, ConsumptionTermOffsetOffset); set => Le.I32(Buffer, ConsumptionTermOffsetOffset, value); }
    /// <summary>Receiver window in bytes.</summary>
    public int ReceiverWindow { get => Le.I32(Buffer, ReceiverWindowOffset); set => Le.I32(Buffer, ReceiverWindowOffset, value); }
    /// <summary>Identifies the receiving channel endpoint.</summary>
    public long ReceiverId { get => Le.I64(Buffer, ReceiverIdOffset); set => Le.I64(Buffer, ReceiverIdOffset, value); }
    /// <summary>True when the frame carries a group tag.</summary>
    public bool HasGroupTag => Header.FrameLength >= LengthWithGroupTag && Buffer.Length >= LengthWithGroupTag;
    /// <summary>Group tag (only valid when <see cref="HasGroupTag"/>).</summary>
    public long GroupTag { get => Le.I64(Buffer, GroupTagOffset); set => Le.I64(Buffer, GroupTagOffset, value); }

    /// <summary>Writes a complete 36-byte SM.</summary>
    public void Write(byte flags, int sessionId, int streamId, int consumptionTermId, int consumptionTermOffset, int receiverWindow, long receiverId)
    {
        new FrameHeader(Buffer).Write(Length, flags, FrameType.StatusMessage);
        SessionId = sessionId; StreamId = streamId; ConsumptionTermId = consumptionTermId;
        ConsumptionTermOffset = consumptionTermOffset; ReceiverWindow = receiverWindow; ReceiverId = receiverId;
    }
}
