using System.Buffers.Binary;
using System.Globalization;

namespace CrossMargin.Gate.Journal;

/// <summary>A publisher halted for new risk, as the halt record file holds it.</summary>
/// <param name="SessionId">Aeron session id of the publication.</param>
/// <param name="StreamId">Stream it publishes on.</param>
/// <param name="FromSequence">First sender sequence of the last range declared lost.</param>
/// <param name="ToSequence">Last sender sequence of that range.</param>
/// <param name="At">When that range was declared lost (UTC).</param>
public readonly record struct PublisherHalt(int SessionId, int StreamId, long FromSequence, long ToSequence, DateTime At)
{
    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"publisher session {SessionId} stream {StreamId} halted since {At:yyyy-MM-dd HH:mm:ss}Z (lost order-flow sequences {FromSequence:N0}..{ToSequence:N0})");
}

/// <summary>
/// The durable record of publisher halts (issue 10, item 1): <c>publisher-halts</c> in the journal
/// directory, an append-only file of fixed 40-byte records, each a halt (publisher, lost range, time)
/// or a resume (publisher, time), CRC32C-checked and fdatasync'd before the call returns. Replaying
/// it in order gives the publishers still halted, which a restarted gate keeps halted.
/// </summary>
/// <remarks>
/// <para>Layout: a 16-byte header ("CMHALTS1", format version, CRC32C of both), then records:
/// kind (1 halt, 2 resume; 1 byte, 3 zero), session (int32), stream (int32), from, to, UTC ticks
/// (int64 each), CRC32C of the 36 bytes before it. Little-endian.</para>
/// <para>Any damage — a short header, another magic or version, a partial record, a checksum or
/// value that does not hold — refuses the start (<see cref="JournalException"/> naming the file,
/// offset and record): unlike the input journal's torn tail, a torn halt cannot be cut back safely,
/// because the gate could not tell a resume from a halt it lost.</para>
/// <para>Written by the network thread when a range is declared lost or an operator resumes a
/// publisher: rare, so each record is synced at once (whatever <c>journal.durability</c> says: a
/// halt is a safety control). Writing does not allocate. The file is created whole (temporary file,
/// fdatasync, rename, directory fsync), so a crash never leaves a header half written.</para>
/// </remarks>
public sealed class HaltJournal : IDisposable
{
    /// <summary>Name of the file inside the journal directory.</summary>
    public const string FileName = "publisher-halts";

    /// <summary>Bytes of the header.</summary>
    public const int HeaderLength = 16;

    /// <summary>Bytes of one record.</summary>
    public const int RecordLength = 40;

    /// <summary>Format version written in the header.</summary>
    public const uint Version = 1;

    private const byte HaltKind = 1, ResumeKind = 2;
    private const int Checked = RecordLength - sizeof(uint);
    private static ReadOnlySpan<byte> Magic => "CMHALTS1"u8;

    private readonly FileStream _file;
    private readonly byte[] _record = new byte[RecordLength];
    private long _length;
    private long _syncs;

    private HaltJournal(string path, FileStream file, long length)
    {
        Path = path;
        _file = file;
        _length = length;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Records appended through this instance.</summary>
    public long Appended { get; private set; }

    /// <summary>fdatasyncs done (one per record appended).</summary>
    public long Syncs => Volatile.Read(ref _syncs);

    /// <summary>The halt record file of the journal in <paramref name="journalDirectory"/>.</summary>
    public static string PathFor(string journalDirectory) => System.IO.Path.Combine(journalDirectory, FileName);

    /// <summary>
    /// The publishers halted according to the file in <paramref name="journalDirectory"/> (none when
    /// there is no file), in order of their halt. Throws <see cref="JournalException"/> when the file is damaged.
    /// </summary>
    public static IReadOnlyList<PublisherHalt> ReadHalted(string journalDirectory)
    {
        string path = PathFor(journalDirectory);
        if (!File.Exists(path)) return [];
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { throw new JournalException(new JournalError(JournalErrorKind.Io, path, -1, 0, ex.Message)); }
        return Parse(path, bytes);
    }

    /// <summary>
    /// Opens the halt record file of the journal in <paramref name="journalDirectory"/> (an existing
    /// directory) for appending, creating it when absent; <paramref name="halted"/>: the publishers it
    /// says are halted. Throws <see cref="JournalException"/> when it is damaged or cannot be opened.
    /// </summary>
    public static HaltJournal Open(string journalDirectory, out IReadOnlyList<PublisherHalt> halted)
    {
        string path = PathFor(journalDirectory);
        try
        {
            if (!File.Exists(path)) Create(journalDirectory, path);
            var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, 0);
            try
            {
                var bytes = new byte[file.Length];
                RandomAccess.Read(file.SafeFileHandle, bytes, 0);
                halted = Parse(path, bytes);
                return new HaltJournal(path, file, bytes.Length);
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }
        catch (Exception ex) when (ex is IOException and not JournalException or UnauthorizedAccessException)
        {
            throw new JournalException(new JournalError(JournalErrorKind.Io, path, -1, 0, ex.Message));
        }
    }

    /// <summary>
    /// Records that publisher (<paramref name="sessionId"/>, <paramref name="streamId"/>) lost sequences
    /// <paramref name="from"/>..<paramref name="to"/> and is halted; on the disk when it returns true.
    /// False when the write or the sync failed (the caller counts it; the halt still holds in memory).
    /// </summary>
    public bool RecordHalt(int sessionId, int streamId, long from, long to) => Write(HaltKind, sessionId, streamId, from, to);

    /// <summary>Records that an operator resumed publisher (<paramref name="sessionId"/>, <paramref name="streamId"/>); see <see cref="RecordHalt"/>.</summary>
    public bool RecordResume(int sessionId, int streamId) => Write(ResumeKind, sessionId, streamId, 0, 0);

    private bool Write(byte kind, int sessionId, int streamId, long from, long to)
    {
        Encode(_record, kind, sessionId, streamId, from, to, DateTime.UtcNow.Ticks);
        try
        {
            RandomAccess.Write(_file.SafeFileHandle, _record, _length);
            DiskSync.Data(_file);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // A partial write would make the next start refuse the file: cut it back to the last whole record.
            try { _file.SetLength(_length); } catch (Exception cut) when (cut is IOException or ObjectDisposedException) { }
            return false;
        }
        _length += RecordLength;
        Appended++;
        Interlocked.Increment(ref _syncs);
        return true;
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();

    /// <summary>Writes a record into <paramref name="dest"/> (<see cref="RecordLength"/> bytes).</summary>
    internal static void Encode(Span<byte> dest, byte kind, int sessionId, int streamId, long from, long to, long ticks)
    {
        dest[..RecordLength].Clear();
        dest[0] = kind;
        BinaryPrimitives.WriteInt32LittleEndian(dest[4..], sessionId);
        BinaryPrimitives.WriteInt32LittleEndian(dest[8..], streamId);
        BinaryPrimitives.WriteInt64LittleEndian(dest[12..], from);
        BinaryPrimitives.WriteInt64LittleEndian(dest[20..], to);
        BinaryPrimitives.WriteInt64LittleEndian(dest[28..], ticks);
        BinaryPrimitives.WriteUInt32LittleEndian(dest[Checked..], JournalFormat.Crc32C(dest[..Checked]));
    }

    private static void Create(string directory, string path)
    {
        string temporary = path + ".new";
        var header = new byte[HeaderLength];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), Version);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), JournalFormat.Crc32C(header.AsSpan(0, 12)));
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 0))
        {
            file.Write(header);
            DiskSync.Data(file);
        }
        File.Move(temporary, path, overwrite: true);
        DiskSync.Directory(directory);
    }

    private static JournalException Refused(JournalErrorKind kind, string path, long offset, long record, string detail) =>
        new(new JournalError(kind, path, offset, record, detail + "; the gate cannot tell which publishers are halted, so it does not start " +
            "(inspect it: layout in docs/operator-guide.md; moving it aside starts the gate with no publisher halted)"));

    private static List<PublisherHalt> Parse(string path, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < HeaderLength)
            throw Refused(JournalErrorKind.Truncated, path, 0, 0, $"publisher halt file of {bytes.Length} bytes, shorter than its {HeaderLength}-byte header");
        if (!bytes[..8].SequenceEqual(Magic) || JournalFormat.Crc32C(bytes[..12]) != BinaryPrimitives.ReadUInt32LittleEndian(bytes[12..]))
            throw Refused(JournalErrorKind.BadSegmentHeader, path, 0, 0, "not a publisher halt file (magic or header checksum does not hold)");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        if (version != Version)
            throw Refused(JournalErrorKind.UnsupportedVersion, path, 0, 0, $"publisher halt file format version {version}, this gate reads version {Version}");
        var halted = new List<PublisherHalt>();
        long records = (bytes.Length - HeaderLength) / RecordLength;
        for (long k = 0; k < records; k++)
        {
            int offset = HeaderLength + (int)k * RecordLength;
            var r = bytes.Slice(offset, RecordLength);
            if (JournalFormat.Crc32C(r[..Checked]) != BinaryPrimitives.ReadUInt32LittleEndian(r[Checked..]))
                throw Refused(JournalErrorKind.BadRecordChecksum, path, offset, k + 1, "publisher halt record checksum does not hold");
            byte kind = r[0];
            int session = BinaryPrimitives.ReadInt32LittleEndian(r[4..]), stream = BinaryPrimitives.ReadInt32LittleEndian(r[8..]);
            long from = BinaryPrimitives.ReadInt64LittleEndian(r[12..]), to = BinaryPrimitives.ReadInt64LittleEndian(r[20..]);
            long ticks = BinaryPrimitives.ReadInt64LittleEndian(r[28..]);
            if (kind is not (HaltKind or ResumeKind) || r[1] != 0 || r[2] != 0 || r[3] != 0)
                throw Refused(JournalErrorKind.BadRecordHeader, path, offset, k + 1, $"publisher halt record of unknown kind {kind}");
            if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks || (kind == HaltKind && (from < 1 || to < from)))
                throw Refused(JournalErrorKind.BadRecordHeader, path, offset, k + 1, string.Create(CultureInfo.InvariantCulture, $"publisher halt record values do not hold (range {from}..{to}, time {ticks})"));
            int at = halted.FindIndex(h => h.SessionId == session && h.StreamId == stream);
            if (kind == HaltKind)
            {
                var halt = new PublisherHalt(session, stream, from, to, new DateTime(ticks, DateTimeKind.Utc));
                if (at >= 0) halted[at] = halt; // halted again: the latest loss is the one to reconcile next
                else halted.Add(halt);
            }
            else if (at >= 0) halted.RemoveAt(at);
        }
        long tail = (bytes.Length - HeaderLength) % RecordLength;
        if (tail != 0)
            throw Refused(JournalErrorKind.Truncated, path, HeaderLength + records * RecordLength, records + 1,
                $"a partial publisher halt record ({tail} of {RecordLength} bytes: a write cut short)");
        return halted;
    }
}
