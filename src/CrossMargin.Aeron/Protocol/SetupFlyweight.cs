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

/// <summary>Flyweight over an ERR frame (40 bytes + text, aeron-wire.md §4.6).</summary>
public readonly ref struct ErrorFlyweight
{
    /// <summary>Offset of session_id.</summary>
    public const int SessionIdOffset = 8;
    /// <summary>Offset of stream_id.</summary>
    public const int StreamIdOffset = 12;
    /// <summary>Offset of receiver_id.</summary>
    public const int ReceiverIdOffset = 16;
    /// <summary>Offset of group_tag.</summary>
    public const int GroupTagOffset = 24;
    /// <summary>Offset of error_code.</summary>
    public const int ErrorCodeOffset = 32;
    /// <summary>Offset of error_length.</summary>
    public const int ErrorLengthOffset = 36;
    /// <summary>Offset of the error text.</summary>
    public const int ErrorTextOffset = 40;
    /// <summary>Header length before the text.</summary>
    public const int HeaderLength = 40;

    /// <summary>The frame bytes.</summary>
    public readonly Span<byte> Buffer;
    /// <summary>Wraps a frame starting at <paramref name="buffer"/>[0].</summary>
    public ErrorFlyweight(Span<byte> buffer) => Buffer = buffer;

    /// <summary>Common header view.</summary>
    public FrameHeader Header => new(Buffer);
    /// <summary>Session id.</summary>
    public int SessionId { get => Le.I32(Buffer, SessionIdOffset); set => Le.I32(Buffer, SessionIdOffset, value); }
    /// <summary>Stream id.</summary>
    public int StreamId { get => Le.I32(Buffer, StreamIdOffset); set => Le.I32(Buffer, StreamIdOffset, value); }
    /// <summary>Receiver id.</summary>
    public long ReceiverId { get => Le.I64(Buffer, ReceiverIdOffset); set => Le.I64(Buffer, ReceiverIdOffset, value); }
    /// <summary>Group tag (meaningful only with <see cref="FrameFlags.ErrorHasGroupTag"/>).</summary>
    public long GroupTag { get => Le.I64(Buffer, GroupTagOffset); set => Le.I64(Buffer, GroupTagOffset, value); }
    /// <summary>Error code (13 = image rejected).</summary>
    public int ErrorCode { get => Le.I32(Buffer, ErrorCodeOffset); set => Le.I32(Buffer, ErrorCodeOffset, value); }
    /// <summary>Length of the text.</summary>
    public int ErrorLength { get => Le.I32(Buffer, ErrorLengthOffset); set => Le.I32(Buffer, ErrorLengthOffset, value); }
    /// <summary>Error text bytes (ASCII, not NUL-terminated).</summary>
    public Span<byte> ErrorText => Buffer.Slice(ErrorTextOffset, ErrorLength);

    /// <summary>Writes a complete ERR frame; returns its length.</summary>
    public int Write(byte flags, int sessionId, int streamId, long receiverId, long groupTag, int errorCode, ReadOnlySpan<byte> text)
    {
        int textLength = Math.Min(text.Length, ProtocolConstants.MaxErrorTextLength);
        new FrameHeader(Buffer).Write(HeaderLength + textLength, flags, FrameType.Error);
        SessionId = sessionId; StreamId = streamId; ReceiverId = receiverId; GroupTag = groupTag; ErrorCode = errorCode; ErrorLength = textLength;
        text[..textLength].CopyTo(Buffer[ErrorTextOffset..]);
        return HeaderLength + textLength;
    }
}

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

/// <summary>
/// Flyweight over one entry of a RES (name resolution) frame (aeron-wire.md §4.8). Entries follow the
/// 8-byte common header and are 8-byte aligned. Only decoded/encoded so the transport can recognise them.
/// </summary>
public readonly ref struct ResolutionEntryFlyweight
{
    /// <summary>Offset of res_type.</summary>
    public const int ResTypeOffset = 0;
    /// <summary>Offset of res_flags.</summary>
    public const int ResFlagsOffset = 1;
    /// <summary>Offset of udp_port (little-endian).</summary>
    public const int UdpPortOffset = 2;
    /// <summary>Offset of age_in_ms.</summary>
    public const int AgeInMsOffset = 4;
    /// <summary>Offset of the address bytes (network order).</summary>
    public const int AddressOffset = 8;
    /// <summary>res_type for an IPv4 entry.</summary>
    public const byte TypeIpv4 = 1;
    /// <summary>res_type for an IPv6 entry.</summary>
    public const byte TypeIpv6 = 2;
    /// <summary>res_flags bit: the sender's own entry.</summary>
    public const byte FlagSelf = 0x80;
    /// <summary>Alignment of entries.</summary>
    public const int EntryAlignment = 8;
    private const int Ipv4AddressLength = 4;
    private const int Ipv6AddressLength = 16;
    private const int NameLengthFieldSize = 2;

    /// <summary>The entry bytes.</summary>
    public readonly Span<byte> Buffer;
    /// <summary>Wraps an entry starting at <paramref name="buffer"/>[0].</summary>
    public ResolutionEntryFlyweight(Span<byte> buffer) => Buffer = buffer;

    /// <summary>1 = IPv4, 2 = IPv6.</summary>
    public byte ResType { get => Buffer[ResTypeOffset]; set => Buffer[ResTypeOffset] = value; }
    /// <summary>Entry flags (0x80 = self).</summary>
    public byte ResFlags { get => Buffer[ResFlagsOffset]; set => Buffer[ResFlagsOffset] = value; }
    /// <summary>UDP port.</summary>
    public ushort UdpPort { get => (ushort)Le.I16(Buffer, UdpPortOffset); set => Le.I16(Buffer, UdpPortOffset, (short)value); }
    /// <summary>Age of the entry in ms.</summary>
    public int AgeInMs { get => Le.I32(Buffer, AgeInMsOffset); set => Le.I32(Buffer, AgeInMsOffset, value); }
    /// <summary>Length of the address for this entry's type.</summary>
    public int AddressLength => ResType == TypeIpv6 ? Ipv6AddressLength : Ipv4AddressLength;
    /// <summary>Address bytes (network order).</summary>
    public Span<byte> Address => Buffer.Slice(AddressOffset, AddressLength);
    /// <summary>Offset of name_length.</summary>
    public int NameLengthOffset => AddressOffset + AddressLength;
    /// <summary>Name length.</summary>
    public short NameLength { get => Le.I16(Buffer, NameLengthOffset); set => Le.I16(Buffer, NameLengthOffset, value); }
    /// <summary>Name bytes (ASCII).</summary>
    public Span<byte> Name => Buffer.Slice(NameLengthOffset + NameLengthFieldSize, NameLength);
    /// <summary>Aligned entry length.</summary>
    public int EntryLength => ProtocolConstants.Align(NameLengthOffset + NameLengthFieldSize + NameLength, EntryAlignment);
}
