namespace CrossMargin.Messages.Recovery;

/// <summary>
/// The block layout <see cref="RecoveryRequestCodec"/> and <see cref="RecoveryUnavailableCodec"/> share,
/// mirrored by messages <c>RecoveryRequest</c> and <c>RecoveryUnavailable</c> of <c>Schema/crossmargin-schema.xml</c>:
/// <c>requestId</c> (uint64), <c>fromSequence</c>, <c>toSequence</c> (SequenceNumber, inclusive),
/// <c>sessionId</c>, <c>streamId</c> (int32: the publisher whose numbering the range is). The two
/// messages differ only in their template id.
/// </summary>
/// <remarks>Stateless and thread-safe; never allocates; an inverted or non-positive range is refused both ways.</remarks>
public abstract class RecoveryRangeCodec
{
    private protected RecoveryRangeCodec() { }

    /// <summary>Offset of requestId.</summary>
    public const int RequestIdOffset = 0;
    /// <summary>Size of requestId.</summary>
    public const int RequestIdLength = sizeof(ulong);
    /// <summary>Offset of fromSequence.</summary>
    public const int FromSequenceOffset = RequestIdOffset + RequestIdLength;
    /// <summary>Size of fromSequence.</summary>
    public const int FromSequenceLength = sizeof(ulong);
    /// <summary>Offset of toSequence.</summary>
    public const int ToSequenceOffset = FromSequenceOffset + FromSequenceLength;
    /// <summary>Size of toSequence.</summary>
    public const int ToSequenceLength = sizeof(ulong);
    /// <summary>Offset of sessionId.</summary>
    public const int SessionIdOffset = ToSequenceOffset + ToSequenceLength;
    /// <summary>Size of sessionId.</summary>
    public const int SessionIdLength = sizeof(int);
    /// <summary>Offset of streamId.</summary>
    public const int StreamIdOffset = SessionIdOffset + SessionIdLength;
    /// <summary>Size of streamId.</summary>
    public const int StreamIdLength = sizeof(int);
    /// <summary>Fixed block length.</summary>
    public const int BlockLength = StreamIdOffset + StreamIdLength;
    /// <summary>Encoded length, header included.</summary>
    public const int Length = MessageHeader.Length + BlockLength;

    private protected static int Encode(in RecoveryRange range, ushort templateId, Span<byte> dest)
    {
        if (dest.Length < Length) return EncodeFailure.InsufficientCapacity;
        // Sequences are positive and a range is never inverted: anything else cannot be asked or answered.
        if (range.FromSequence < 1 || range.ToSequence < range.FromSequence) return EncodeFailure.InvalidValue;
        var block = dest.Slice(MessageHeader.Length, BlockLength);
        Wire.PutInt64(block, RequestIdOffset, range.RequestId);
        Wire.PutInt64(block, FromSequenceOffset, range.FromSequence);
        Wire.PutInt64(block, ToSequenceOffset, range.ToSequence);
        Wire.PutInt32(block, SessionIdOffset, range.SessionId);
        Wire.PutInt32(block, StreamIdOffset, range.StreamId);
        MessageHeader.Write(dest, BlockLength, templateId);
        return Length;
    }

    private protected static DecodeResult TryDecode(ReadOnlySpan<byte> src, ushort templateId, out RecoveryRange range)
    {
        range = default;
        var r = MessageHeader.TryReadBlock(src, out ushort template, out int blockLength);
        if (r != DecodeResult.Ok) return r;
        if (template != templateId) return DecodeResult.UnknownTemplate;
        r = MessageHeader.TrySliceBlock(src, blockLength, BlockLength, out var block);
        if (r != DecodeResult.Ok) return r;
        long from = Wire.GetInt64(block, FromSequenceOffset), to = Wire.GetInt64(block, ToSequenceOffset);
        if (from < 1 || to < from) return DecodeResult.BadRange;
        range = new RecoveryRange(Wire.GetInt64(block, RequestIdOffset), from, to, Wire.GetInt32(block, SessionIdOffset), Wire.GetInt32(block, StreamIdOffset));
        return DecodeResult.Ok;
    }
}

/// <summary>
/// RecoveryRequest (template 130): asks a publisher to send sequences fromSequence..toSequence of its
/// stream again (the gate asks the exchange for missing inputs on the recovery channel; a decisions
/// consumer asks the gate for missing decisions, by output sequence, on the replay-request channel).
/// </summary>
public sealed class RecoveryRequestCodec : RecoveryRangeCodec
{
    private RecoveryRequestCodec() { }

    /// <summary>Template id.</summary>
    public const ushort TemplateId = 130;

    /// <summary>Writes <paramref name="range"/>; returns <see cref="RecoveryRangeCodec.Length"/> or an <see cref="EncodeFailure"/> value.</summary>
    public static int Encode(in RecoveryRange range, Span<byte> dest) => Encode(range, TemplateId, dest);

    /// <summary>Decodes one message; on failure <paramref name="range"/> is default.</summary>
    public static DecodeResult TryDecode(ReadOnlySpan<byte> src, out RecoveryRange range) => TryDecode(src, TemplateId, out range);
}

/// <summary>
/// RecoveryUnavailable (template 131): answer to a RecoveryRequest — the publisher cannot send the range
/// again (not in its sent log any more); sent on the stream the range was asked for.
/// </summary>
public sealed class RecoveryUnavailableCodec : RecoveryRangeCodec
{
    private RecoveryUnavailableCodec() { }

    /// <summary>Template id.</summary>
    public const ushort TemplateId = 131;

    /// <summary>Writes <paramref name="range"/>; returns <see cref="RecoveryRangeCodec.Length"/> or an <see cref="EncodeFailure"/> value.</summary>
    public static int Encode(in RecoveryRange range, Span<byte> dest) => Encode(range, TemplateId, dest);

    /// <summary>Decodes one message; on failure <paramref name="range"/> is default.</summary>
    public static DecodeResult TryDecode(ReadOnlySpan<byte> src, out RecoveryRange range) => TryDecode(src, TemplateId, out range);
}
