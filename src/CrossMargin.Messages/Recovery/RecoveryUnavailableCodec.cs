namespace CrossMargin.Messages.Recovery;

/// <summary>RecoveryUnavailable (template 131): Answer to a RecoveryRequest: the publisher cannot send the range again (not in its sent log any more). Sent on the stream the range was asked for.</summary>
/// <remarks>
/// Fixed block, little-endian, mirrored by message <c>RecoveryUnavailable</c> of <c>Schema/crossmargin-schema.xml</c>:
/// <c>requestId</c> (uint64), <c>fromSequence</c>, <c>toSequence</c> (SequenceNumber, inclusive),
/// <c>sessionId</c>, <c>streamId</c> (int32: the publisher whose numbering the range is).
/// Stateless and thread-safe; never allocates; an inverted or non-positive range is refused both ways.
/// </remarks>
public static class RecoveryUnavailableCodec
{
    /// <summary>Template id.</summary>
    public const ushort TemplateId = 131;
    internal const int RequestIdOffset = RecoveryRangeLayout.RequestIdOffset;
    internal const int RequestIdLength = sizeof(ulong);
    internal const int FromSequenceOffset = RecoveryRangeLayout.FromSequenceOffset;
    internal const int FromSequenceLength = sizeof(ulong);
    internal const int ToSequenceOffset = RecoveryRangeLayout.ToSequenceOffset;
    internal const int ToSequenceLength = sizeof(ulong);
    internal const int SessionIdOffset = RecoveryRangeLayout.SessionIdOffset;
    internal const int SessionIdLength = sizeof(int);
    internal const int StreamIdOffset = RecoveryRangeLayout.StreamIdOffset;
    internal const int StreamIdLength = sizeof(int);
    internal const int BlockLength = RecoveryRangeLayout.BlockLength;

    /// <summary>Encoded length, header included.</summary>
    public const int Length = MessageHeader.Length + BlockLength;

    /// <summary>Writes <paramref name="range"/>; returns <see cref="Length"/> or an <see cref="EncodeFailure"/> value.</summary>
    public static int Encode(in RecoveryRange range, Span<byte> dest) => RecoveryRangeLayout.Encode(range, TemplateId, dest);

    /// <summary>Decodes one message; on failure <paramref name="range"/> is default.</summary>
    public static DecodeResult TryDecode(ReadOnlySpan<byte> src, out RecoveryRange range) => RecoveryRangeLayout.TryDecode(src, TemplateId, out range);
}
