namespace CrossMargin.Messages.Recovery;

/// <summary>
/// PublisherResume (template 132), an operator command on the admin stream: lifts the new-risk halt
/// the gate put on a publisher whose missing inputs could not be recovered (sessionId and streamId 0: every halted publisher).
/// </summary>
/// <remarks>
/// Fixed block, little-endian, mirrored by message <c>PublisherResume</c> of <c>Schema/crossmargin-schema.xml</c>:
/// <c>sessionId</c>, <c>streamId</c> (int32). Stateless and thread-safe; never allocates.
/// </remarks>
public static class PublisherResumeCodec
{
    /// <summary>Template id.</summary>
    public const ushort TemplateId = 132;
    internal const int SessionIdOffset = 0;
    internal const int SessionIdLength = sizeof(int);
    internal const int StreamIdOffset = SessionIdOffset + SessionIdLength;
    internal const int StreamIdLength = sizeof(int);
    internal const int BlockLength = StreamIdOffset + StreamIdLength;

    /// <summary>Encoded length, header included.</summary>
    public const int Length = MessageHeader.Length + BlockLength;

    /// <summary>Writes a resume of publisher (<paramref name="sessionId"/>, <paramref name="streamId"/>); returns <see cref="Length"/> or an <see cref="EncodeFailure"/> value.</summary>
    public static int Encode(int sessionId, int streamId, Span<byte> dest)
    {
        if (dest.Length < Length) return EncodeFailure.InsufficientCapacity;
        var block = dest.Slice(MessageHeader.Length, BlockLength);
        Wire.PutInt32(block, SessionIdOffset, sessionId);
        Wire.PutInt32(block, StreamIdOffset, streamId);
        MessageHeader.Write(dest, BlockLength, TemplateId);
        return Length;
    }

    /// <summary>Decodes one message; on failure the out values are 0.</summary>
    public static DecodeResult TryDecode(ReadOnlySpan<byte> src, out int sessionId, out int streamId)
    {
        sessionId = streamId = 0;
        var r = MessageHeader.TryReadBlock(src, out ushort template, out int blockLength);
        if (r != DecodeResult.Ok) return r;
        if (template != TemplateId) return DecodeResult.UnknownTemplate;
        r = MessageHeader.TrySliceBlock(src, blockLength, BlockLength, out var block);
        if (r != DecodeResult.Ok) return r;
        sessionId = Wire.GetInt32(block, SessionIdOffset);
        streamId = Wire.GetInt32(block, StreamIdOffset);
        return DecodeResult.Ok;
    }

}
