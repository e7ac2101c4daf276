using System.Buffers.Binary;
using CrossMargin.Messages.Recovery;
using Microsoft.Win32.SafeHandles;

namespace CrossMargin.Gate.Journal;

/// <summary>
/// Serves decision replay requests (a consumer's RecoveryRequest for an output-sequence range) from the
/// on-disk <see cref="DecisionJournal"/>, one request at a time, reading forward through the segments
/// into a fixed buffer. The network thread peeks the next decision, sends it, and advances.
/// </summary>
/// <remarks>
/// Network thread only. Steady state reads into a preallocated buffer; starting a request lists the
/// segments and opens a file (a few small allocations, once per request, never on the input path).
/// Every record's checksum is checked again before it is sent; a damaged one ends the request with
/// the rest answered unavailable.
/// </remarks>
public sealed class DecisionReplayer : IDisposable
{
    private const int QueueLength = 16;
    private readonly string _directory;
    private readonly byte[] _buffer = new byte[256 * 1024];
    private readonly RecoveryRange[] _queue = new RecoveryRange[QueueLength];
    private int _queueHead, _queueCount;
    private RecoveryRange _active;
    private bool _busy;
    private long _next;                 // next output sequence of the active request
    private SafeFileHandle? _file;
    private int _segment;
    private long _fileOffset;           // file offset of _buffer[0]
    private int _filled, _position;     // bytes in the buffer, and the next record's offset in it

    /// <summary>A replayer of the decision journal in <paramref name="directory"/>.</summary>
    public DecisionReplayer(string directory) => _directory = directory;

    /// <summary>Requests waiting or being served.</summary>
    public int Pending => _queueCount + (_busy ? 1 : 0);

    /// <summary>Decisions of the active request not yet sent.</summary>
    public long Remaining => _busy ? _active.ToSequence - _next + 1 : 0;

    /// <summary>Queues a request; false when the queue is full (the consumer asks again after its timeout).</summary>
    public bool Enqueue(in RecoveryRange request)
    {
        if (_queueCount == QueueLength) return false;
        _queue[(_queueHead + _queueCount++) % QueueLength] = request;
        return true;
    }

    /// <summary>
    /// The next decision to send: its output sequence and bytes (valid until <see cref="Advance"/> or the
    /// next call). When a request (or part of it) cannot be served, returns false with <paramref name="unavailable"/>
    /// naming the range to answer RecoveryUnavailable for (call again after answering); false with it
    /// default when there is nothing to do. <paramref name="readable"/> is the highest output sequence on disk.
    /// </summary>
    public bool TryPeek(long readable, out long outputSequence, out ReadOnlySpan<byte> decision, out RecoveryRange unavailable)
    {
        outputSequence = 0;
        decision = default;
        if (!_busy && _owed.ToSequence == 0) Start(readable);
        unavailable = _owed;
        if (_owed.ToSequence != 0) { _owed = default; return false; }
        if (!_busy) return false;
        while (true)
        {
            if (!TryRecord(out long sequence, out var message, out bool damaged))
            {
                if (damaged || !NextSegment())
                {
                    // Damaged, or the log ends before the range: the rest is unavailable.
                    unavailable = _active with { FromSequence = _next };
                    Finish();
                    return false;
                }
                continue;
            }
            if (sequence < _next) { Skip(message.Length); continue; }
            outputSequence = sequence;
            decision = message[DecisionJournal.InputPrefix..];
            return true;
        }
    }

    /// <summary>The decision <see cref="TryPeek"/> returned was sent.</summary>
    public void Advance()
    {
        int length = BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(_position));
        Skip(length);
        if (++_next > _active.ToSequence) Finish();
    }

    /// <inheritdoc />
    public void Dispose() => _file?.Dispose();

    private RecoveryRange _owed; // a range to answer unavailable for before anything else

    private void Start(long readable)
    {
        if (_queueCount == 0) return;
        var asked = _queue[_queueHead];
        _queueHead = (_queueHead + 1) % QueueLength;
        _queueCount--;
        if (asked.FromSequence > readable) { _owed = asked; return; }
        var request = asked;
        if (asked.ToSequence > readable)
        {
            // Beyond what was ever logged: that part cannot be sent again.
            _owed = asked with { FromSequence = readable + 1 };
            request = asked with { ToSequence = readable };
        }
        // The last segment starting at or before the range (the first one starts at output sequence 1).
        int chosen = -1;
        try
        {
            foreach (var path in System.IO.Directory.EnumerateFiles(_directory))
            {
                if (!JournalFormat.TryParseSegmentFileName(Path.GetFileName(path), out int index)) continue;
                if (SegmentFirst(path) <= request.FromSequence && index > chosen) chosen = index;
            }
        }
        catch (IOException) { chosen = -1; }
        if (chosen < 0 || !Open(chosen)) { _owed = asked; return; }
        _active = request;
        _next = request.FromSequence;
        _busy = true;
    }

    private static long SegmentFirst(string path)
    {
        Span<byte> header = stackalloc byte[JournalFormat.SegmentHeaderLength];
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (RandomAccess.Read(handle, header, 0) < header.Length || JournalFormat.Crc32C(header[..60]) != BinaryPrimitives.ReadUInt32LittleEndian(header[60..]))
            return long.MaxValue;
        return BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
    }

    private bool Open(int segment)
    {
        _file?.Dispose();
        _file = null;
        string path = Path.Combine(_directory, JournalFormat.SegmentFileName(segment));
        if (!File.Exists(path)) return false;
        try { _file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite); }
        catch (IOException) { return false; }
        _segment = segment;
        _fileOffset = JournalFormat.SegmentHeaderLength;
        _filled = _position = 0;
        return true;
    }

    private bool NextSegment() => File.Exists(Path.Combine(_directory, JournalFormat.SegmentFileName(_segment + 1))) && Open(_segment + 1);

    /// <summary>The record at the read position, reading more of the file when it is not all in the buffer.</summary>
    private bool TryRecord(out long sequence, out ReadOnlySpan<byte> message, out bool damaged)
    {
        sequence = 0;
        message = default;
        damaged = false;
        if (!Have(JournalFormat.RecordHeaderLength)) return false;
        var at = _buffer.AsSpan(_position);
        if (JournalFormat.Crc32C(at[..JournalFormat.RecordHeaderChecked]) != BinaryPrimitives.ReadUInt32LittleEndian(at[JournalFormat.RecordHeaderChecked..]))
        {
            damaged = true;
            return false;
        }
        int length = BinaryPrimitives.ReadInt32LittleEndian(at);
        if (length < DecisionJournal.InputPrefix || length > JournalFormat.MaxMessageLength) { damaged = true; return false; }
        if (!Have(JournalFormat.RecordOverhead + length)) return false;
        at = _buffer.AsSpan(_position);
        int end = JournalFormat.RecordHeaderLength + length;
        if (JournalFormat.Crc32C(at[..end]) != BinaryPrimitives.ReadUInt32LittleEndian(at[end..])) { damaged = true; return false; }
        sequence = BinaryPrimitives.ReadInt64LittleEndian(at[4..]);
        message = at.Slice(JournalFormat.RecordHeaderLength, length);
        return true;
    }

    /// <summary>Makes sure <paramref name="count"/> bytes from the read position are in the buffer; false at the end of the file.</summary>
    private bool Have(int count)
    {
        if (_filled - _position >= count) return true;
        // Move the partial record to the front and read behind it.
        int kept = _filled - _position;
        _buffer.AsSpan(_position, kept).CopyTo(_buffer);
        _fileOffset += _position;
        _position = 0;
        _filled = kept;
        int read = RandomAccess.Read(_file!, _buffer.AsSpan(_filled), _fileOffset + _filled);
        _filled += read;
        return _filled >= count;
    }

    private void Skip(int messageLength) => _position += JournalFormat.RecordOverhead + messageLength;

    private void Finish()
    {
        _busy = false;
        _file?.Dispose();
        _file = null;
    }
}
