namespace CrossMargin.Messages.Recovery;

/// <summary>
/// A publisher's sequence range in the recovery protocol: which request it belongs to, the first and
/// last sequence (inclusive) and the publisher (Aeron session and stream) whose numbering they are.
/// </summary>
/// <param name="RequestId">The asker's id of the request (echoed in the answer).</param>
/// <param name="FromSequence">First sequence of the range.</param>
/// <param name="ToSequence">Last sequence of the range (inclusive; at least <paramref name="FromSequence"/>).</param>
/// <param name="SessionId">Aeron session id of the publication that numbered the range.</param>
/// <param name="StreamId">Stream that publication sends on.</param>
public readonly record struct RecoveryRange(long RequestId, long FromSequence, long ToSequence, int SessionId, int StreamId)
{
    /// <summary>Sequences in the range (0 when the range is inverted).</summary>
    public long Count => ToSequence >= FromSequence ? ToSequence - FromSequence + 1 : 0;
}

/// <summary>
/// The one block layout <see cref="RecoveryRequestCodec"/> and <see cref="RecoveryUnavailableCodec"/>
/// share: requestId, fromSequence, toSequence (uint64), sessionId, streamId (int32).
/// </summary>
internal static class RecoveryRangeLayout
{
    public const int RequestIdOffset = 0;
    public const int FromSequenceOffset = 8;
    public const int ToSequenceOffset = 16;
    public const int SessionIdOffset = 24;
    public const int StreamIdOffset = 28;
    public const int BlockLength = 32;

    public static int Encode(in RecoveryRange range, ushort templateId, Span<byte> dest)
    {
        const int length = MessageHeader.Length + BlockLength;
        if (dest.Length < length) return EncodeFailure.InsufficientCapacity;
        // Sequences are positive and a range is never inverted: anything else cannot be asked or answered.
        if (range.FromSequence < 1 || range.ToSequence < range.FromSequence) return EncodeFailure.InvalidValue;
        var block = dest.Slice(MessageHeader.Length, BlockLength);
        Wire.PutInt64(block, RequestIdOffset, range.RequestId);
        Wire.PutInt64(block, FromSequenceOffset, range.FromSequence);
        Wire.PutInt64(block, ToSequenceOffset, range.ToSequence);
        Wire.PutInt32(block, SessionIdOffset, range.SessionId);
        Wire.PutInt32(block, StreamIdOffset, range.StreamId);
        MessageHeader.Write(dest, BlockLength, templateId);
        return length;
    }

    public static DecodeResult TryDecode(ReadOnlySpan<byte> src, ushort templateId, out RecoveryRange range)
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
