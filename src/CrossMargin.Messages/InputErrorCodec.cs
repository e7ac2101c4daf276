using CrossMargin.Core.Engine;

namespace CrossMargin.Messages;

/// <summary>
/// Counted reject on the decision stream (template 120): an input the engine did not apply
/// (<see cref="ProcessStatus"/>) or a message the gate could not decode (<see cref="Messages.DecodeResult"/>).
/// </summary>
/// <remarks>Stateless and thread-safe; never allocates; decoding validates as <see cref="InputCodec"/> does.</remarks>
public static class InputErrorCodec
{
    /// <summary>Template id.</summary>
    public const ushort TemplateId = 120;

    internal const int InputSequenceOffset = 0;
    internal const int InputSequenceLength = sizeof(ulong);
    internal const int StatusOffset = InputSequenceOffset + InputSequenceLength;
    internal const int StatusLength = sizeof(byte);
    internal const int DecodeResultOffset = StatusOffset + StatusLength;
    internal const int DecodeResultLength = sizeof(byte);
    internal const int BlockLength = DecodeResultOffset + DecodeResultLength;

    /// <summary>Encoded length of the message, header included.</summary>
    public const int Length = MessageHeader.Length + BlockLength;

    /// <summary>
    /// Writes a counted reject of input <paramref name="inputSequence"/> (0 if its sequence could not be read):
    /// <paramref name="status"/> is <see cref="ProcessStatus.Applied"/> when the input failed to decode, and
    /// <paramref name="decodeResult"/> is <see cref="DecodeResult.Ok"/> when it decoded. Returns
    /// <see cref="Length"/> or an <see cref="EncodeFailure"/> value.
    /// </summary>
    public static int Encode(long inputSequence, ProcessStatus status, DecodeResult decodeResult, Span<byte> dest)
    {
        if (dest.Length < Length) return EncodeFailure.InsufficientCapacity;
        if (!Wire.InEnum(status, Wire.LastProcessStatus) || !Wire.InEnum(decodeResult, Wire.LastDecodeResult)) return EncodeFailure.InvalidValue;
        var block = dest.Slice(MessageHeader.Length, BlockLength);
        Wire.PutInt64(block, InputSequenceOffset, inputSequence);
        Wire.PutUInt8(block, StatusOffset, (byte)status);
        Wire.PutUInt8(block, DecodeResultOffset, (byte)decodeResult);
        MessageHeader.Write(dest, BlockLength, TemplateId);
        return Length;
    }

    /// <summary>Decodes a counted reject; on failure every out value is default.</summary>
    public static DecodeResult TryDecode(ReadOnlySpan<byte> src, out long inputSequence, out ProcessStatus status, out DecodeResult decodeResult)
    {
        inputSequence = 0; status = default; decodeResult = default;
        var r = MessageHeader.TryReadBlock(src, out ushort templateId, out int blockLength);
        if (r != DecodeResult.Ok) return r;
        if (templateId != TemplateId) return DecodeResult.UnknownTemplate;
        r = MessageHeader.TrySliceBlock(src, blockLength, BlockLength, out var block);
        if (r != DecodeResult.Ok) return r;
        if (!Wire.TryGetEnum(block, StatusOffset, Wire.LastProcessStatus, out ProcessStatus s)
            || !Wire.TryGetEnum(block, DecodeResultOffset, Wire.LastDecodeResult, out DecodeResult d))
            return DecodeResult.BadEnum;
        inputSequence = Wire.GetInt64(block, InputSequenceOffset);
        status = s; decodeResult = d;
        return DecodeResult.Ok;
    }
}
