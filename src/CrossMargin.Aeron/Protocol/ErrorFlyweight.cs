namespace CrossMargin.Aeron.Protocol;

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
