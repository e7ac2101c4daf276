using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace CrossMargin.Gate.Journal;

/// <summary>
/// Follows a journal while its writer appends (as an LMAX replica follows the journal): reads the
/// records after a given sequence, segment by segment, checking each record's checksums and sequence
/// exactly as <see cref="JournalReader"/> does. It reads only records up to a sequence the caller
/// knows reached the OS whole (<see cref="JournalWriter.OsSequence"/>), so it never meets a record
/// being written. Single thread (the replica's). Reads 1 MiB chunks with positional reads into one
/// buffer: no allocation per record; opening the next segment opens a file.
/// </summary>
public sealed class JournalTail : IDisposable
{
    private readonly string _directory;
    private readonly byte[] _buffer = new byte[1 << 20]; // a chunk of the segment; holds the largest record many times over
    private SafeFileHandle? _file;
    private int _segment, _at, _chunkLength;
    private long _offset, _length, _chunkStart;

    private JournalTail(string directory) => _directory = directory;

    /// <summary>Sequence of the next record <see cref="Poll{TVisitor}"/> hands over.</summary>
    public long NextSequence { get; private set; }

    /// <summary>
    /// Positions a tail at record <paramref name="fromSequence"/> (which need not be written yet when it is
    /// the journal's next). Returns the refusal (a missing or damaged segment, a journal starting after it), or null.
    /// </summary>
    public static string? TryOpen(string directory, long fromSequence, out JournalTail? tail)
    {
        tail = null;
        var segments = new List<int>();
        foreach (var path in Directory.EnumerateFiles(directory))
            if (JournalFormat.TryParseSegmentFileName(Path.GetFileName(path), out int index)) segments.Add(index);
        segments.Sort();
        var t = new JournalTail(directory);
        // The last segment whose first record is at or before the one wanted.
        for (int k = segments.Count - 1; k >= 0; k--)
        {
            if (t.OpenSegment(segments[k], out long first) is { } bad) { t.Dispose(); return bad; }
            if (first > fromSequence) continue;
            t.NextSequence = first;
            while (t.NextSequence < fromSequence)
            {
                if (t.ReadRecord(out int frame) is { } why) { t.Dispose(); return why; }
                t._offset += frame;
                t.NextSequence++;
            }
            tail = t;
            return null;
        }
        t.Dispose();
        return segments.Count == 0 ? $"{directory}: no journal segment" : $"{directory}: the journal starts after record {fromSequence}";
    }

    /// <summary>
    /// Hands records <see cref="NextSequence"/>…<paramref name="upTo"/> (at most <paramref name="max"/>) to
    /// <paramref name="visitor"/> in order. Returns how many, or −1 with <paramref name="error"/> set when a
    /// record does not check (or the visitor refuses it): the tail then stays before that record.
    /// </summary>
    public int Poll<TVisitor>(long upTo, int max, ref TVisitor visitor, out string? error) where TVisitor : struct, IJournalVisitor
    {
        error = null;
        int n = 0;
        while (NextSequence <= upTo && n < max)
        {
            if (_offset >= _length) _length = RandomAccess.GetLength(_file!);
            if (_offset >= _length)
            {
                // Every record up to upTo is whole in the OS: this one is in the next segment.
                if (OpenSegment(_segment + 1, out long first) is { } missing) { error = missing; return -1; }
                if (first != NextSequence) { error = $"{JournalFormat.SegmentFileName(_segment)} starts at record {first}, expected {NextSequence}"; return -1; }
                continue;
            }
            if (ReadRecord(out int frame) is { } why) { error = why; return -1; }
            var at = _buffer.AsSpan(_at, frame);
            int length = frame - JournalFormat.RecordOverhead;
            if (visitor.OnRecord(NextSequence, BinaryPrimitives.ReadInt32LittleEndian(at[12..]), BinaryPrimitives.ReadInt32LittleEndian(at[16..]),
                    at.Slice(JournalFormat.RecordHeaderLength, length)) is { } refused)
            { error = $"record {NextSequence}: {refused}"; return -1; }
            _offset += frame;
            NextSequence++;
            n++;
        }
        return n;
    }

    /// <summary>
    /// Checks the record at the current offset, reading the segment in large chunks (one pread per
    /// chunk, not two per record); the record's frame is then at <see cref="_at"/> in the chunk. Bytes once
    /// read are final (the writer only appends), so a chunk read while a record was being written is
    /// read again only from where its valid bytes end.
    /// </summary>
    private string? ReadRecord(out int frame)
    {
        frame = 0;
        string? problem = Ensure(JournalFormat.RecordHeaderLength);
        if (problem is not null) return problem;
        var header = _buffer.AsSpan(_at, JournalFormat.RecordHeaderLength);
        if (JournalFormat.Crc32C(header[..JournalFormat.RecordHeaderChecked]) != BinaryPrimitives.ReadUInt32LittleEndian(header[JournalFormat.RecordHeaderChecked..]))
            return Where("record header checksum mismatch");
        int length = BinaryPrimitives.ReadInt32LittleEndian(header);
        long sequence = BinaryPrimitives.ReadInt64LittleEndian(header[4..]);
        if (length <= 0 || length > JournalFormat.MaxMessageLength) return Where($"message length {length}");
        if (sequence != NextSequence) return Where($"record carries sequence {sequence}, expected {NextSequence}");
        frame = JournalFormat.RecordOverhead + length;
        if ((problem = Ensure(frame)) is not null) return problem;
        int end = JournalFormat.RecordHeaderLength + length;
        if (JournalFormat.Crc32C(_buffer.AsSpan(_at, end)) != BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_at + end))) return Where("record checksum mismatch");
        return null;
    }

    /// <summary>Makes <paramref name="bytes"/> from the current offset available in the chunk (reading from there if not).</summary>
    private string? Ensure(int bytes)
    {
        _at = (int)(_offset - _chunkStart);
        if (_offset >= _chunkStart && _at + bytes <= _chunkLength) return null;
        _chunkStart = _offset;
        _at = 0;
        _chunkLength = RandomAccess.Read(_file!, _buffer, _offset);
        return _chunkLength >= bytes ? null : Where($"record {NextSequence} is cut short");
    }

    private string Where(string what) => $"{JournalFormat.SegmentFileName(_segment)} offset {_offset}: {what}";

    private string? OpenSegment(int index, out long first)
    {
        first = 0;
        string name = JournalFormat.SegmentFileName(index);
        SafeFileHandle file;
        try { file = File.OpenHandle(Path.Combine(_directory, name), FileMode.Open, FileAccess.Read, FileShare.ReadWrite); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return $"{name}: {ex.Message}"; }
        Span<byte> header = stackalloc byte[JournalFormat.SegmentHeaderLength];
        if (RandomAccess.Read(file, header, 0) != header.Length || JournalFormat.Crc32C(header[..60]) != BinaryPrimitives.ReadUInt32LittleEndian(header[60..]))
        {
            file.Dispose();
            return $"{name}: segment header missing or damaged";
        }
        first = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        _file?.Dispose();
        _file = file;
        _segment = index;
        _offset = JournalFormat.SegmentHeaderLength;
        _length = RandomAccess.GetLength(file);
        _chunkStart = _chunkLength = 0; // the chunk held the previous segment
        _at = 0;
        return null;
    }

    /// <inheritdoc />
    public void Dispose() => _file?.Dispose();
}
