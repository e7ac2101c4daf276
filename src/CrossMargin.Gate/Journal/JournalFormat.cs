using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;

namespace CrossMargin.Gate.Journal;

/// <summary>
/// The on-disk layout of the input journal (format version 3): a directory of segment files
/// <c>segment-NNNNNNNN.cmj</c>, each a 64-byte header followed by records. All integers are little-endian.
/// </summary>
/// <remarks>
/// <para><b>Segment header</b> (64 bytes): magic <c>CMJRNL03</c> [0,8) · u16 format version [8,10) ·
/// u16 header length [10,12) · i32 segment index [12,16) · i64 first record sequence [16,24) ·
/// 32-byte config fingerprint (SHA-256, <see cref="ConfigFingerprint"/>) [24,56) · u32 reserved [56,60) ·
/// u32 CRC32C of bytes [0,60) [60,64).</para>
/// <para><b>Record</b> (28 + n bytes): i32 message length n [0,4) · i64 sequence [4,12) · i32 publisher's
/// Aeron session id [12,16) · i32 its stream id [16,20) · u32 CRC32C of bytes [0,20) [20,24) · the message
/// as received (n bytes) · u32 CRC32C of everything before it. The publisher identity lets a restart
/// rebuild the per-publisher sender sequences (<see cref="Host.PublisherSequences"/>) from the journal.
/// The header has its own checksum so that a damaged length is told apart from a torn write: a
/// record whose header checks but whose bytes end early can only be a crash mid-append, and only
/// at the very end of the last segment is that accepted (and cut back) as a torn tail.</para>
/// <para>Sequences start at 1 and rise by exactly 1 across all segments; a segment's first
/// sequence is the one after its predecessor's last record.</para>
/// </remarks>
public static class JournalFormat
{
    /// <summary>Segment magic (also tells this format from the single-file <c>CMJRNL01</c> and the <c>CMJRNL02</c> segments it replaces).</summary>
    public static ReadOnlySpan<byte> Magic => "CMJRNL03"u8;

    /// <summary>Magic of format version 2 segments (records without the publisher identity): recognised only to be refused by name.</summary>
    internal static ReadOnlySpan<byte> MagicV2 => "CMJRNL02"u8;

    /// <summary>Format version written in every segment header.</summary>
    public const ushort Version = 3;

    /// <summary>Length of a segment header.</summary>
    public const int SegmentHeaderLength = 64;

    /// <summary>Length of a record header (length, sequence, publisher session and stream, header checksum).</summary>
    public const int RecordHeaderLength = 24;

    /// <summary>Bytes of a record header its own checksum covers (all before the checksum).</summary>
    public const int RecordHeaderChecked = RecordHeaderLength - sizeof(uint);

    /// <summary>Bytes a record adds around its message (header and trailing checksum).</summary>
    public const int RecordOverhead = RecordHeaderLength + sizeof(uint);

    /// <summary>Longest message a record may carry (an Aeron message never comes near it).</summary>
    public const int MaxMessageLength = 64 * 1024;

    /// <summary>Length of the config fingerprint in a segment header.</summary>
    public const int FingerprintLength = 32;

    /// <summary>Sequence of the first record of a new journal.</summary>
    public const long FirstSequence = 1;

    /// <summary>
    /// Smallest allowed segment size. A segment always takes at least one record, so a record longer
    /// than the room left starts a new segment rather than being refused.
    /// </summary>
    public const long MinSegmentBytes = 256;

    /// <summary>Default segment size (64 MiB).</summary>
    public const long DefaultSegmentBytes = 64L << 20;

    private const string SegmentPrefix = "segment-";
    private const string SegmentSuffix = ".cmj";

    /// <summary>CRC32C (Castagnoli, iSCSI, RFC 3720) of <paramref name="data"/>.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data) => Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, data);

    /// <summary>File name of segment <paramref name="index"/>.</summary>
    public static string SegmentFileName(int index) => string.Create(CultureInfo.InvariantCulture, $"{SegmentPrefix}{index:D8}{SegmentSuffix}");

    /// <summary>Whether <paramref name="fileName"/> names a segment; its index if so.</summary>
    public static bool TryParseSegmentFileName(string fileName, out int index)
    {
        index = -1;
        if (!fileName.StartsWith(SegmentPrefix, StringComparison.Ordinal) || !fileName.EndsWith(SegmentSuffix, StringComparison.Ordinal)) return false;
        var digits = fileName.AsSpan(SegmentPrefix.Length, fileName.Length - SegmentPrefix.Length - SegmentSuffix.Length);
        return digits.Length == 8 && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out index);
    }

    /// <summary>Whether a directory entry looks like a segment at all (so a badly named one is reported, not ignored).</summary>
    internal static bool LooksLikeSegment(string fileName) =>
        fileName.StartsWith(SegmentPrefix, StringComparison.Ordinal) || fileName.EndsWith(SegmentSuffix, StringComparison.Ordinal);

    /// <summary>Writes a segment header into <paramref name="dest"/> (64 bytes).</summary>
    public static void WriteSegmentHeader(Span<byte> dest, int segmentIndex, long firstSequence, ReadOnlySpan<byte> fingerprint)
    {
        dest = dest[..SegmentHeaderLength];
        dest.Clear();
        Magic.CopyTo(dest);
        BinaryPrimitives.WriteUInt16LittleEndian(dest[8..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(dest[10..], SegmentHeaderLength);
        BinaryPrimitives.WriteInt32LittleEndian(dest[12..], segmentIndex);
        BinaryPrimitives.WriteInt64LittleEndian(dest[16..], firstSequence);
        fingerprint[..FingerprintLength].CopyTo(dest[24..]);
        BinaryPrimitives.WriteUInt32LittleEndian(dest[60..], Crc32C(dest[..60]));
    }

    /// <summary>
    /// Frames one record into <paramref name="dest"/>: message <paramref name="message"/> received from the
    /// publisher (<paramref name="sessionId"/>, <paramref name="streamId"/>). Returns its length (28 + message length).
    /// </summary>
    public static int WriteRecord(Span<byte> dest, long sequence, int sessionId, int streamId, ReadOnlySpan<byte> message)
    {
        int end = RecordHeaderLength + message.Length;
        BinaryPrimitives.WriteInt32LittleEndian(dest, message.Length);
        BinaryPrimitives.WriteInt64LittleEndian(dest[4..], sequence);
        BinaryPrimitives.WriteInt32LittleEndian(dest[12..], sessionId);
        BinaryPrimitives.WriteInt32LittleEndian(dest[16..], streamId);
        BinaryPrimitives.WriteUInt32LittleEndian(dest[RecordHeaderChecked..], Crc32C(dest[..RecordHeaderChecked]));
        message.CopyTo(dest[RecordHeaderLength..]);
        BinaryPrimitives.WriteUInt32LittleEndian(dest[end..], Crc32C(dest[..end]));
        return end + sizeof(uint);
    }
}
