using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace CrossMargin.Gate.Journal;

/// <summary>Receives each intact record of a journal, in order. Implement on a struct.</summary>
public interface IJournalVisitor
{
    /// <summary>
    /// One record: its sequence, the publisher it came from (Aeron session and stream; 0, 0 for none)
    /// and the message as received. Return null to go on, or why the message is refused (this stops the scan).
    /// </summary>
    string? OnRecord(long sequence, int sessionId, int streamId, ReadOnlySpan<byte> message);
}

/// <summary>A visitor that accepts every record (a pure integrity check).</summary>
public struct VerifyOnly : IJournalVisitor
{
    /// <inheritdoc />
    public readonly string? OnRecord(long sequence, int sessionId, int streamId, ReadOnlySpan<byte> message) => null;
}

/// <summary>What a scan of a journal directory found.</summary>
public sealed record JournalScan
{
    /// <summary>The refusal, or null when every record checked.</summary>
    public JournalError? Error { get; init; }
    /// <summary>Whether the directory exists.</summary>
    public bool Exists { get; init; }
    /// <summary>Segment files found.</summary>
    public int Segments { get; init; }
    /// <summary>Index of the last segment (−1 with none).</summary>
    public int LastSegmentIndex { get; init; } = -1;
    /// <summary>Bytes of the last segment up to the end of its last whole record (0 when its header itself is torn).</summary>
    public long LastSegmentValidLength { get; init; }
    /// <summary>Sequence of the first record (of the first segment).</summary>
    public long FirstSequence { get; init; } = JournalFormat.FirstSequence;
    /// <summary>Sequence the next appended record gets.</summary>
    public long NextSequence { get; init; } = JournalFormat.FirstSequence;
    /// <summary>Records visited.</summary>
    public long Records { get; init; }
    /// <summary>Record bytes visited (frames, headers included).</summary>
    public long Bytes { get; init; }
    /// <summary>A torn tail at the end of the last segment (crash mid-append), or null.</summary>
    public TornTail? TornTail { get; init; }
    /// <summary>Whether a segment carries another config fingerprint (accepted because the caller said so).</summary>
    public bool ConfigChanged { get; init; }
    /// <summary>Fingerprint in the last segment's header (null without one).</summary>
    public byte[]? LastFingerprint { get; init; }
}

/// <summary>
/// Reads and checks a journal directory (<see cref="JournalFormat"/>): every segment header, every
/// record header and record checksum, the sequence chain across segments, and the config fingerprint.
/// A torn tail is accepted only at the end of the last segment (and reported); any other fault stops
/// the scan with a <see cref="JournalError"/> naming segment, offset and record. Cold path (start-up).
/// </summary>
public static class JournalReader
{
    /// <summary>
    /// Scans <paramref name="directory"/>, handing every intact record to <paramref name="visitor"/>
    /// in order. With <paramref name="expected"/> set, a segment carrying another fingerprint is a
    /// <see cref="JournalErrorKind.ConfigChanged"/> refusal unless <paramref name="acceptConfigChange"/>.
    /// Records before a fault have been visited: callers that must not apply a refused journal in
    /// part scan twice (check, then apply), as <see cref="InputJournal.Replay"/> does.
    /// </summary>
    public static JournalScan Scan<TVisitor>(string directory, ConfigFingerprint? expected, bool acceptConfigChange, ref TVisitor visitor)
        where TVisitor : struct, IJournalVisitor
    {
        if (File.Exists(directory))
            return Fail(JournalErrorKind.LegacySingleFile, directory, -1, 0,
                "is a file: the journal is now a directory of checksummed segments and the single-file format (CMJRNL01) of earlier versions is not read; move the file away");
        if (!Directory.Exists(directory)) return new JournalScan { Exists = false };

        var segments = new List<(int Index, string Name)>();
        try
        {
            foreach (var path in Directory.EnumerateFiles(directory))
            {
                string name = Path.GetFileName(path);
                if (JournalFormat.TryParseSegmentFileName(name, out int index)) segments.Add((index, name));
                else if (JournalFormat.LooksLikeSegment(name)) return Fail(JournalErrorKind.BadSegmentName, name, -1, 0, "not a segment name (segment-NNNNNNNN.cmj)");
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return Fail(JournalErrorKind.Io, directory, -1, 0, ex.Message); }
        if (segments.Count == 0) return new JournalScan { Exists = true };
        segments.Sort((a, b) => a.Index.CompareTo(b.Index));

        byte[] buffer = [];
        long nextSequence = 0, records = 0, bytes = 0, firstSequence = 0;
        bool configChanged = false;
        byte[]? lastFingerprint = null;
        for (int s = 0; s < segments.Count; s++)
        {
            var (index, name) = segments[s];
            bool last = s == segments.Count - 1;
            if (s > 0 && index != segments[s - 1].Index + 1)
                return Fail(JournalErrorKind.MissingSegment, JournalFormat.SegmentFileName(segments[s - 1].Index + 1), -1, nextSequence, $"missing between {segments[s - 1].Name} and {name}");

            int length;
            try { length = ReadAll(Path.Combine(directory, name), ref buffer); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return Fail(JournalErrorKind.Io, name, -1, 0, ex.Message); }
            var file = buffer.AsSpan(0, length);

            // The segment header.
            if (length < JournalFormat.SegmentHeaderLength || JournalFormat.Crc32C(file[..60]) != BinaryPrimitives.ReadUInt32LittleEndian(file[60..]))
            {
                // A segment whose header never fully reached the disk can only be the newest one, created just before a crash.
                if (last && (length < JournalFormat.SegmentHeaderLength || !file.ContainsAnyExcept((byte)0)))
                {
                    if (s == 0) firstSequence = nextSequence = JournalFormat.FirstSequence;
                    return new JournalScan
                    {
                        Exists = true, Segments = segments.Count, LastSegmentIndex = index, LastSegmentValidLength = 0,
                        FirstSequence = firstSequence, NextSequence = nextSequence, Records = records, Bytes = bytes,
                        TornTail = new TornTail(name, 0, length), ConfigChanged = configChanged, LastFingerprint = lastFingerprint,
                    };
                }
                if (length < JournalFormat.SegmentHeaderLength)
                    return Fail(JournalErrorKind.Truncated, name, 0, 0, $"{length} bytes, shorter than a segment header, and not the last segment");
                return Fail(JournalErrorKind.BadSegmentHeader, name, 0, 0, "segment header checksum mismatch");
            }
            if (file[..8].SequenceEqual(JournalFormat.MagicV2))
                return Fail(JournalErrorKind.UnsupportedVersion, name, 0, 0,
                    $"format version 2 (records without the publisher's session and stream): this build reads version {JournalFormat.Version} only; replay it with the build that wrote it, then move it away");
            if (!file[..8].SequenceEqual(JournalFormat.Magic)) return Fail(JournalErrorKind.BadSegmentHeader, name, 0, 0, "not a CrossMargin journal segment (bad magic)");
            ushort version = BinaryPrimitives.ReadUInt16LittleEndian(file[8..]);
            if (version != JournalFormat.Version) return Fail(JournalErrorKind.UnsupportedVersion, name, 8, 0, $"format version {version}, this build reads {JournalFormat.Version}");
            if (BinaryPrimitives.ReadUInt16LittleEndian(file[10..]) != JournalFormat.SegmentHeaderLength) return Fail(JournalErrorKind.BadSegmentHeader, name, 10, 0, "unexpected header length");
            int headerIndex = BinaryPrimitives.ReadInt32LittleEndian(file[12..]);
            if (headerIndex != index) return Fail(JournalErrorKind.BadSegmentHeader, name, 12, 0, $"header says segment {headerIndex}");
            long segmentFirst = BinaryPrimitives.ReadInt64LittleEndian(file[16..]);
            if (s == 0)
            {
                if (segmentFirst < JournalFormat.FirstSequence) return Fail(JournalErrorKind.BadSegmentHeader, name, 16, 0, $"first sequence {segmentFirst}");
                firstSequence = nextSequence = segmentFirst;
            }
            else if (segmentFirst != nextSequence)
                return Fail(JournalErrorKind.SequenceBreak, name, 16, segmentFirst, $"segment starts at record {segmentFirst}, the previous one ended before record {nextSequence}");
            var fingerprint = file.Slice(24, JournalFormat.FingerprintLength);
            if (expected is { } want && !want.Matches(fingerprint))
            {
                if (!acceptConfigChange)
                    return Fail(JournalErrorKind.ConfigChanged, name, 24, 0,
                        $"written under config fingerprint {Convert.ToHexStringLower(fingerprint)[..16]}…, the config given has {want.Short}…; replaying it would compute another state (use --accept-config-change if that is intended)");
                configChanged = true;
            }
            lastFingerprint = fingerprint.ToArray();

            // The records.
            long pos = JournalFormat.SegmentHeaderLength;
            while (pos < length)
            {
                long remaining = length - pos;
                var at = file[(int)pos..];
                if (remaining < JournalFormat.RecordHeaderLength)
                {
                    if (last) return Torn(name, pos, remaining);
                    return Fail(JournalErrorKind.Truncated, name, pos, nextSequence, $"{remaining} bytes left, shorter than a record header, and not the last segment");
                }
                if (JournalFormat.Crc32C(at[..JournalFormat.RecordHeaderChecked]) != BinaryPrimitives.ReadUInt32LittleEndian(at[JournalFormat.RecordHeaderChecked..]))
                {
                    // Zeros after the last record: blocks the file system allocated but never wrote (power cut).
                    if (last && !at.ContainsAnyExcept((byte)0)) return Torn(name, pos, remaining);
                    return Fail(JournalErrorKind.BadRecordHeader, name, pos, nextSequence, "record header checksum mismatch");
                }
                int messageLength = BinaryPrimitives.ReadInt32LittleEndian(at);
                long sequence = BinaryPrimitives.ReadInt64LittleEndian(at[4..]);
                int sessionId = BinaryPrimitives.ReadInt32LittleEndian(at[12..]);
                int streamId = BinaryPrimitives.ReadInt32LittleEndian(at[16..]);
                if (messageLength <= 0 || messageLength > JournalFormat.MaxMessageLength)
                    return Fail(JournalErrorKind.BadRecordHeader, name, pos, nextSequence, $"message length {messageLength} out of 1..{JournalFormat.MaxMessageLength}");
                if (sequence != nextSequence)
                    return Fail(JournalErrorKind.SequenceBreak, name, pos, nextSequence, $"record carries sequence {sequence}, expected {nextSequence}");
                int frame = JournalFormat.RecordOverhead + messageLength;
                if (remaining < frame)
                {
                    if (last) return Torn(name, pos, remaining);
                    return Fail(JournalErrorKind.Truncated, name, pos, nextSequence, $"record of {frame} bytes, {remaining} left, and not the last segment");
                }
                int end = JournalFormat.RecordHeaderLength + messageLength;
                if (JournalFormat.Crc32C(at[..end]) != BinaryPrimitives.ReadUInt32LittleEndian(at[end..]))
                    return Fail(JournalErrorKind.BadRecordChecksum, name, pos, nextSequence, "record checksum mismatch");
                if (visitor.OnRecord(sequence, sessionId, streamId, at.Slice(JournalFormat.RecordHeaderLength, messageLength)) is { } refusal)
                    return Fail(JournalErrorKind.RecordRejected, name, pos, nextSequence, refusal);
                nextSequence++;
                records++;
                bytes += frame;
                pos += frame;
            }
            if (last)
                return new JournalScan
                {
                    Exists = true, Segments = segments.Count, LastSegmentIndex = index, LastSegmentValidLength = pos,
                    FirstSequence = firstSequence, NextSequence = nextSequence, Records = records, Bytes = bytes,
                    ConfigChanged = configChanged, LastFingerprint = lastFingerprint,
                };
        }
        throw new InvalidOperationException("unreachable: the last segment returns");

        JournalScan Torn(string name, long offset, long count) => new()
        {
            Exists = true, Segments = segments.Count, LastSegmentIndex = segments[^1].Index, LastSegmentValidLength = offset,
            FirstSequence = firstSequence, NextSequence = nextSequence, Records = records, Bytes = bytes,
            TornTail = new TornTail(name, offset, count), ConfigChanged = configChanged, LastFingerprint = lastFingerprint,
        };
    }

    /// <summary>Checks every record without looking at the messages.</summary>
    public static JournalScan Verify(string directory, ConfigFingerprint? expected = null, bool acceptConfigChange = false)
    {
        var visitor = new VerifyOnly();
        return Scan(directory, expected, acceptConfigChange, ref visitor);
    }

    private static JournalScan Fail(JournalErrorKind kind, string segment, long offset, long record, string detail) =>
        new() { Exists = true, Error = new JournalError(kind, segment, offset, record, detail) };

    private static int ReadAll(string path, ref byte[] buffer)
    {
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        long length = RandomAccess.GetLength(handle);
        if (length > Array.MaxLength) throw new IOException(string.Create(CultureInfo.InvariantCulture, $"{path}: segment of {length} bytes is too large"));
        if (buffer.Length < length) buffer = new byte[length];
        int read = 0;
        while (read < length)
        {
            int n = RandomAccess.Read(handle, buffer.AsSpan(read, (int)length - read), read);
            if (n == 0) break;
            read += n;
        }
        return read;
    }
}
