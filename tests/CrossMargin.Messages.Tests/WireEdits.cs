using System.Buffers.Binary;

namespace CrossMargin.Messages.Tests;

/// <summary>Byte surgery on encoded messages for the failure-mode tests.</summary>
internal static class WireEdits
{
    public static byte[] WithHeaderField(byte[] message, int offset, ushort value)
    {
        var copy = (byte[])message.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(offset), value);
        return copy;
    }

    public static byte[] WithByte(byte[] message, int offset, byte value)
    {
        var copy = (byte[])message.Clone();
        copy[offset] = value;
        return copy;
    }

    /// <summary>
    /// The message as a newer schema version would send it: the fixed block <paramref name="extra"/> bytes
    /// longer (appended fields, filled with junk the old decoder must skip), the rest moved behind it.
    /// </summary>
    public static byte[] WithLongerBlock(byte[] message, int extra, ushort version = MessageSchema.Version + 1)
    {
        int blockLength = BinaryPrimitives.ReadUInt16LittleEndian(message.AsSpan(MessageHeader.BlockLengthOffset));
        int blockEnd = MessageHeader.Length + blockLength;
        var longer = new byte[message.Length + extra];
        message.AsSpan(0, blockEnd).CopyTo(longer);
        longer.AsSpan(blockEnd, extra).Fill(0xAB);
        message.AsSpan(blockEnd).CopyTo(longer.AsSpan(blockEnd + extra));
        BinaryPrimitives.WriteUInt16LittleEndian(longer.AsSpan(MessageHeader.BlockLengthOffset), (ushort)(blockLength + extra));
        BinaryPrimitives.WriteUInt16LittleEndian(longer.AsSpan(MessageHeader.VersionOffset), version);
        return longer;
    }
}
