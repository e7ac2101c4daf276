using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace CrossMargin.Messages;

/// <summary>
/// Flyweight over SBE's standard 8-byte message header: blockLength, templateId, schemaId, version,
/// each a little-endian uint16. The block of the message follows it.
/// </summary>
/// <remarks>A view over the caller's bytes: nothing is copied; valid while the span is.</remarks>
public readonly ref struct MessageHeader
{
    /// <summary>Offset of blockLength (uint16): length of the message's fixed block.</summary>
    public const int BlockLengthOffset = 0;
    /// <summary>Offset of templateId (uint16): which message follows.</summary>
    public const int TemplateIdOffset = BlockLengthOffset + sizeof(ushort);
    /// <summary>Offset of schemaId (uint16).</summary>
    public const int SchemaIdOffset = TemplateIdOffset + sizeof(ushort);
    /// <summary>Offset of version (uint16): the schema version the message was encoded with.</summary>
    public const int VersionOffset = SchemaIdOffset + sizeof(ushort);
    /// <summary>Encoded length of the header.</summary>
    public const int Length = VersionOffset + sizeof(ushort);

    private readonly ReadOnlySpan<byte> _buffer;

    private MessageHeader(ReadOnlySpan<byte> buffer) => _buffer = buffer;

    /// <summary>Wraps the first <see cref="Length"/> bytes of <paramref name="src"/>; false if it is shorter.</summary>
    public static bool TryWrap(ReadOnlySpan<byte> src, out MessageHeader header)
    {
        if (src.Length < Length) { header = default; return false; }
        header = new MessageHeader(src[..Length]);
        return true;
    }

    /// <summary>Length of the fixed block that follows the header.</summary>
    public ushort BlockLength
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => BinaryPrimitives.ReadUInt16LittleEndian(_buffer[BlockLengthOffset..]);
    }

    /// <summary>Template id: the message type.</summary>
    public ushort TemplateId
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => BinaryPrimitives.ReadUInt16LittleEndian(_buffer[TemplateIdOffset..]);
    }

    /// <summary>Schema id.</summary>
    public ushort SchemaId
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => BinaryPrimitives.ReadUInt16LittleEndian(_buffer[SchemaIdOffset..]);
    }

    /// <summary>Schema version the message was encoded with.</summary>
    public ushort Version
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => BinaryPrimitives.ReadUInt16LittleEndian(_buffer[VersionOffset..]);
    }

    /// <summary>The template id of <paramref name="src"/> when it starts with a header of this schema, else 0 (a cheap dispatch before decoding).</summary>
    public static ushort TemplateOf(ReadOnlySpan<byte> src) =>
        TryWrap(src, out var h) && h.SchemaId == MessageSchema.Id ? h.TemplateId : (ushort)0;

    /// <summary>
    /// Writes a header of this schema (<see cref="MessageSchema.Id"/>, <see cref="MessageSchema.Version"/>);
    /// returns <see cref="Length"/>, or <see cref="EncodeFailure.InsufficientCapacity"/>.
    /// </summary>
    public static int Write(Span<byte> dest, ushort blockLength, ushort templateId)
    {
        if (dest.Length < Length) return EncodeFailure.InsufficientCapacity;
        BinaryPrimitives.WriteUInt16LittleEndian(dest[BlockLengthOffset..], blockLength);
        BinaryPrimitives.WriteUInt16LittleEndian(dest[TemplateIdOffset..], templateId);
        BinaryPrimitives.WriteUInt16LittleEndian(dest[SchemaIdOffset..], MessageSchema.Id);
        BinaryPrimitives.WriteUInt16LittleEndian(dest[VersionOffset..], MessageSchema.Version);
        return Length;
    }

    /// <summary>
    /// Checks a header's length, schema and version; the template id is the caller's to dispatch on
    /// and the block length is not trusted until <see cref="TrySliceBlock"/> checked it.
    /// </summary>
    internal static DecodeResult TryReadBlock(ReadOnlySpan<byte> src, out ushort templateId, out int blockLength)
    {
        templateId = 0; blockLength = 0;
        if (!TryWrap(src, out var h)) return DecodeResult.TooShort;
        if (h.SchemaId != MessageSchema.Id) return DecodeResult.WrongSchema;
        if (h.Version < MessageSchema.MinSupportedVersion) return DecodeResult.UnsupportedVersion;
        templateId = h.TemplateId;
        blockLength = h.BlockLength;
        return DecodeResult.Ok;
    }

    /// <summary>The block of a message whose header passed <see cref="TryReadBlock"/>, once its template is known.</summary>
    internal static DecodeResult TrySliceBlock(ReadOnlySpan<byte> src, int blockLength, int requiredBlockLength, out ReadOnlySpan<byte> block)
    {
        block = default;
        if (blockLength < requiredBlockLength) return DecodeResult.BadBlockLength;
        // Checked before it is trusted: the announced block must lie inside the buffer.
        if (src.Length - Length < blockLength) return DecodeResult.TooShort;
        block = src.Slice(Length, blockLength);
        return DecodeResult.Ok;
    }
}
