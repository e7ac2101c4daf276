using CrossMargin.Core.Engine;
using CrossMargin.Messages.Inputs;

namespace CrossMargin.Messages;

/// <summary>
/// Encodes and decodes every <see cref="RiskInput"/> kind as one fixed-layout SBE message (template id =
/// <see cref="InputKind"/> value), each carrying the sender's sequence number so gaps can be detected.
/// </summary>
/// <remarks>
/// Stateless and thread-safe; never allocates, never throws on any input bytes. Decoding checks the
/// header, the template, the announced block length against both the version's fixed block and the
/// buffer, every enum and every boolean before a value is handed out. A longer block (a newer schema
/// version that appended fields) is accepted and its tail skipped, as in SBE.
/// </remarks>
public static class InputCodec
{
    /// <summary>Length of the longest input message (header included): a destination this long fits every input.</summary>
    public const int MaxLength = MessageHeader.Length + FillCodec.BlockLength;

    /// <summary>
    /// Writes <paramref name="input"/> with <paramref name="sequence"/>; returns the bytes written, or an
    /// <see cref="EncodeFailure"/> value (negative).
    /// </summary>
    public static int Encode(in RiskInput input, long sequence, Span<byte> dest)
    {
        int blockLength = BlockLengthOf(input.Kind);
        if (blockLength == 0) return EncodeFailure.UnknownKind;
        int length = MessageHeader.Length + blockLength;
        if (dest.Length < length) return EncodeFailure.InsufficientCapacity;
        var block = dest.Slice(MessageHeader.Length, blockLength);
        bool written = input.Kind switch
        {
            InputKind.Order => OrderCodec.Write(input, sequence, block),
            InputKind.Cancel => CancelCodec.Write(input, sequence, block),
            InputKind.Fill => FillCodec.Write(input, sequence, block),
            InputKind.Deposit => DepositCodec.Write(input, sequence, block),
            InputKind.Withdraw => DepositCodec.Write(input, sequence, block), // the same layout
            InputKind.Mark => MarkCodec.Write(input, sequence, block),
            InputKind.Index => IndexCodec.Write(input, sequence, block),
            InputKind.Funding => FundingCodec.Write(input, sequence, block),
            InputKind.Halt => HaltCodec.Write(input, sequence, block),
            InputKind.Config => ConfigCodec.Write(input, sequence, block),
            InputKind.MarginMode => MarginModeCodec.Write(input, sequence, block),
            InputKind.Isolate => IsolateCodec.Write(input, sequence, block),
            InputKind.Query => QueryCodec.Write(input, sequence, block),
            _ => FundQueryCodec.Write(input, sequence, block),
        };
        if (!written) return EncodeFailure.InvalidValue;
        // Template id = input kind: the codecs' TemplateId constants are these values (checked by tests).
        MessageHeader.Write(dest, (ushort)blockLength, (ushort)input.Kind);
        return length;
    }

    /// <summary>
    /// Decodes one input message. On anything but <see cref="DecodeResult.Ok"/>, <paramref name="input"/>
    /// is default; <paramref name="sequence"/> is 0 unless the block was long enough to hold it.
    /// </summary>
    public static DecodeResult TryDecode(ReadOnlySpan<byte> src, out RiskInput input, out long sequence)
    {
        input = default;
        sequence = 0;
        var r = MessageHeader.TryReadBlock(src, out ushort templateId, out int blockLength);
        if (r != DecodeResult.Ok) return r;
        var kind = (InputKind)templateId;
        int required = templateId <= byte.MaxValue ? BlockLengthOf(kind) : 0;
        if (required == 0) return DecodeResult.UnknownTemplate;
        r = MessageHeader.TrySliceBlock(src, blockLength, required, out var block);
        if (r != DecodeResult.Ok) return r;
        r = kind switch
        {
            InputKind.Order => OrderCodec.Read(block, out input, out sequence),
            InputKind.Cancel => CancelCodec.Read(block, out input, out sequence),
            InputKind.Fill => FillCodec.Read(block, out input, out sequence),
            InputKind.Deposit => DepositCodec.Read(block, InputKind.Deposit, out input, out sequence),
            InputKind.Withdraw => DepositCodec.Read(block, InputKind.Withdraw, out input, out sequence),
            InputKind.Mark => MarkCodec.Read(block, out input, out sequence),
            InputKind.Index => IndexCodec.Read(block, out input, out sequence),
            InputKind.Funding => FundingCodec.Read(block, out input, out sequence),
            InputKind.Halt => HaltCodec.Read(block, out input, out sequence),
            InputKind.Config => ConfigCodec.Read(block, out input, out sequence),
            InputKind.MarginMode => MarginModeCodec.Read(block, out input, out sequence),
            InputKind.Isolate => IsolateCodec.Read(block, out input, out sequence),
            InputKind.Query => QueryCodec.Read(block, out input, out sequence),
            _ => FundQueryCodec.Read(block, out input, out sequence),
        };
        if (r != DecodeResult.Ok) input = default;
        return r;
    }

    /// <summary>Whether <paramref name="templateId"/> is an input message (its block then starts with the sender's sequence).</summary>
    public static bool IsInputTemplate(ushort templateId) => templateId <= byte.MaxValue && BlockLengthOf((InputKind)templateId) > 0;

    /// <summary>Fixed block length of a kind's message; 0 for a kind without one.</summary>
    internal static int BlockLengthOf(InputKind kind) => kind switch
    {
        InputKind.Order => OrderCodec.BlockLength,
        InputKind.Cancel => CancelCodec.BlockLength,
        InputKind.Fill => FillCodec.BlockLength,
        InputKind.Deposit => DepositCodec.BlockLength,
        InputKind.Withdraw => WithdrawCodec.BlockLength,
        InputKind.Mark => MarkCodec.BlockLength,
        InputKind.Index => IndexCodec.BlockLength,
        InputKind.Funding => FundingCodec.BlockLength,
        InputKind.Halt => HaltCodec.BlockLength,
        InputKind.Config => ConfigCodec.BlockLength,
        InputKind.MarginMode => MarginModeCodec.BlockLength,
        InputKind.Isolate => IsolateCodec.BlockLength,
        InputKind.Query => QueryCodec.BlockLength,
        InputKind.FundQuery => FundQueryCodec.BlockLength,
        _ => 0,
    };
}
