using System.Globalization;

namespace CrossMargin.Gate.Journal;

/// <summary>How a journal is written.</summary>
/// <param name="Fingerprint">Fingerprint of the configuration the inputs are applied under.</param>
/// <param name="Durability">When bytes are forced to the disk.</param>
/// <param name="SegmentBytes">A segment is closed and the next one started once the next record would pass this size.</param>
/// <param name="AcceptConfigChange">Append to a journal written under another configuration (in a new segment carrying the new fingerprint).</param>
public sealed record JournalOptions(ConfigFingerprint Fingerprint, DurabilityPolicy Durability, long SegmentBytes = JournalFormat.DefaultSegmentBytes, bool AcceptConfigChange = false)
{
    /// <summary>
    /// With <see cref="DurabilityMode.Batch"/>: <see cref="JournalWriter.Commit"/> hands the batch to the OS and
    /// wakes the writer's own sync thread instead of waiting for the fdatasync, which covers every batch
    /// committed while the previous one ran (a group commit); <see cref="JournalWriter.DurableSequence"/>
    /// says what is on the disk. For a writer whose thread must not block (the network thread's decision log).
    /// </summary>
    public bool SyncOffThread { get; init; }
}

/// <summary>What opening a journal for append found and did.</summary>
/// <param name="Directory">The journal directory.</param>
/// <param name="Segments">Segments present after opening.</param>
/// <param name="FirstSequence">First record's sequence.</param>
/// <param name="NextSequence">Sequence the next record gets.</param>
/// <param name="TornTail">The torn tail that was cut back, or null.</param>
/// <param name="ConfigChanged">Whether earlier segments carry another config fingerprint (accepted).</param>
public sealed record JournalOpenReport(string Directory, int Segments, long FirstSequence, long NextSequence, TornTail? TornTail, bool ConfigChanged)
{
    /// <summary>Records in the journal.</summary>
    public long Records => NextSequence - FirstSequence;

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"journal {Directory}: {Records} records in {Segments} segment(s), next record {NextSequence}") +
        (TornTail is { } t ? $"; cut {t}" : "") + (ConfigChanged ? "; earlier segments were written under another config (accepted)" : "");
}

/// <summary>Outcome of <see cref="JournalWriter.Append(long, int, int, ReadOnlySpan{byte})"/>.</summary>
public enum AppendResult
{
    /// <summary>Buffered; on disk per the durability policy after the next <see cref="JournalWriter.Commit"/>.</summary>
    Ok,
    /// <summary>The sequence is not <see cref="JournalWriter.NextSequence"/>: nothing written.</summary>
    OutOfSequence,
    /// <summary>Empty or longer than <see cref="JournalFormat.MaxMessageLength"/>: nothing written.</summary>
    BadLength,
    /// <summary>An earlier write failed (<see cref="JournalWriter.Fault"/>): the writer takes nothing more.</summary>
    Faulted,
}

/// <summary>
/// Appends records (the received message bytes and their sequence) to a segmented journal
/// (<see cref="JournalFormat"/>). Opening it checks the whole journal, cuts a torn tail back to the
/// last whole record and refuses anything else that is damaged.
/// </summary>
/// <remarks>
/// <para>Threading: one thread appends and commits (the journaler). With <see cref="DurabilityMode.Interval"/>
/// a background thread of the writer's own does the fdatasyncs; <see cref="OsSequence"/> and
/// <see cref="DurableSequence"/> may be read from any thread.</para>
/// <para>Append and commit do not allocate: records are framed into a fixed buffer and written with
/// positional writes. Rolling to a new segment (once per <see cref="JournalOptions.SegmentBytes"/>) opens a file.</para>
/// <para>An I/O failure throws <see cref="IOException"/> once and leaves the writer faulted: it never
/// reports a record as written that is not.</para>
/// </remarks>
public sealed class JournalWriter : IDisposable
{
    private const int BufferBytes = 1 << 20;

    private readonly string _directory;
    private readonly JournalOptions _options;
    private readonly FileStream _lock;
    private readonly byte[] _buffer = new byte[BufferBytes];
    private readonly Thread? _syncer;
    private FileStream _segment = null!;
    private int _segmentIndex;
    private long _fileLength;      // bytes of the current segment handed to the OS
    private int _pending;          // bytes framed in _buffer, not yet handed to the OS
    private long _segmentRecords;
    private long _osSequence;      // highest sequence handed to the OS
    private long _durableSequence; // highest sequence known to be on the disk
    private long _syncs;           // fdatasyncs of segments (any thread)
    private readonly ManualResetEventSlim _wake = new();
    private readonly bool _syncOffThread;
    private volatile bool _closing;
    private volatile Exception? _fault;

    private JournalWriter(string directory, JournalOptions options, FileStream lockFile)
    {
        _directory = directory;
        _options = options;
        _lock = lockFile;
        _syncOffThread = options.Durability.Mode == DurabilityMode.Batch && options.SyncOffThread;
        if (options.Durability.Mode == DurabilityMode.Interval || _syncOffThread)
            _syncer = new Thread(SyncLoop) { Name = "journal-sync", IsBackground = true };
    }

    /// <summary>
    /// Opens the journal in <paramref name="directory"/> for appending, creating it when absent.
    /// Returns the refusal (and no writer) when the journal is damaged anywhere but in a torn tail,
    /// was written under another config (unless accepted), or is in use.
    /// </summary>
    public static JournalError? TryOpen(string directory, JournalOptions options, out JournalWriter? writer, out JournalOpenReport? report)
    {
        var verify = new VerifyOnly();
        return TryOpen(directory, options, ref verify, out writer, out report, out _);
    }

    /// <summary>
    /// <see cref="TryOpen(string, JournalOptions, out JournalWriter?, out JournalOpenReport?)"/> whose one
    /// pass over the journal (under the writer's lock, so nothing appends meanwhile) also hands every
    /// intact record to <paramref name="visitor"/>: a restart checks and replays the journal in a single
    /// read. On a refusal the visitor may have seen the records before the fault: discard what it built.
    /// </summary>
    public static JournalError? TryOpen<TVisitor>(string directory, JournalOptions options, ref TVisitor visitor,
        out JournalWriter? writer, out JournalOpenReport? report, out JournalScan? scanned) where TVisitor : struct, IJournalVisitor
    {
        ArgumentNullException.ThrowIfNull(options);
        scanned = null;
        writer = null;
        report = null;
        if (options.SegmentBytes < JournalFormat.MinSegmentBytes)
            throw new ArgumentOutOfRangeException(nameof(options), $"segment size must be at least {JournalFormat.MinSegmentBytes} bytes");
        if (File.Exists(directory)) return JournalReader.Verify(directory).Error; // the legacy-format message
        try
        {
            bool created = !Directory.Exists(directory);
            Directory.CreateDirectory(directory);
            // A new journal directory's own name must survive a power cut too.
            if (created && options.Durability.Mode != DurabilityMode.None && Path.GetDirectoryName(Path.GetFullPath(directory)) is { } parent)
                DiskSync.Directory(parent);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return new JournalError(JournalErrorKind.Io, directory, -1, 0, ex.Message); }
        FileStream lockFile;
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock) on Unix: one writer per journal.
            lockFile = new FileStream(Path.Combine(directory, "LOCK"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
        }
        catch (IOException ex) { return new JournalError(JournalErrorKind.Locked, directory, -1, 0, $"in use by another writer ({ex.Message})"); }
        catch (UnauthorizedAccessException ex) { return new JournalError(JournalErrorKind.Io, directory, -1, 0, ex.Message); }

        var scan = JournalReader.Scan(directory, options.Fingerprint, options.AcceptConfigChange, ref visitor);
        scanned = scan;
        if (scan.Error is { } error)
        {
            lockFile.Dispose();
            return error;
        }
        var w = new JournalWriter(directory, options, lockFile);
        try
        {
            w.OpenTail(scan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            w.Dispose();
            return new JournalError(JournalErrorKind.Io, directory, -1, 0, ex.Message);
        }
        w._syncer?.Start();
        writer = w;
        int segments = Math.Max(1, scan.Segments) + (w._segmentIndex > Math.Max(0, scan.LastSegmentIndex) ? 1 : 0); // +1: rolled at open
        report = new JournalOpenReport(directory, segments, scan.Segments == 0 ? JournalFormat.FirstSequence : scan.FirstSequence, w.NextSequence, scan.TornTail, scan.ConfigChanged);
        return null;
    }

    /// <summary><see cref="TryOpen"/>, throwing <see cref="JournalException"/> on a refusal.</summary>
    public static JournalWriter Open(string directory, JournalOptions options, out JournalOpenReport report)
    {
        if (TryOpen(directory, options, out var writer, out var r) is { } error) throw new JournalException(error);
        report = r!;
        return writer!;
    }

    /// <summary>Sequence the next record must carry.</summary>
    public long NextSequence { get; private set; } = JournalFormat.FirstSequence;

    /// <summary>Records appended through this writer.</summary>
    public long Records { get; private set; }

    /// <summary>Record bytes appended through this writer (frames included).</summary>
    public long Bytes { get; private set; }

    /// <summary>Highest sequence handed to the operating system (survives a crash of the process). Any thread.</summary>
    public long OsSequence => Volatile.Read(ref _osSequence);

    /// <summary>Highest sequence known to be on the disk (survives a power cut). Any thread.</summary>
    public long DurableSequence => Volatile.Read(ref _durableSequence);

    /// <summary>fdatasyncs of the segments so far (batch commits, the interval thread's, rolls and the close). Any thread.</summary>
    public long Syncs => Volatile.Read(ref _syncs);

    /// <summary>The I/O failure that stopped the writer, or null. Any thread.</summary>
    public Exception? Fault => _fault;

    /// <summary>Index of the segment being appended to.</summary>
    public int SegmentIndex => _segmentIndex;

    /// <summary>The durability policy.</summary>
    public DurabilityPolicy Durability => _options.Durability;

    /// <summary>Appends a record of an input with no publisher (session 0, stream 0), e.g. one a tool made up.</summary>
    public AppendResult Append(long sequence, ReadOnlySpan<byte> message) => Append(sequence, 0, 0, message);

    /// <summary>
    /// Frames one record (the message bytes as received, and the publisher they came from: Aeron session
    /// and stream) into the write buffer. Journaler thread; no allocation.
    /// Opens the next segment first when this record would pass the segment size.
    /// </summary>
    public AppendResult Append(long sequence, int sessionId, int streamId, ReadOnlySpan<byte> message)
    {
        if (_fault is not null) return AppendResult.Faulted;
        if (sequence != NextSequence) return AppendResult.OutOfSequence;
        if (message.Length is 0 or > JournalFormat.MaxMessageLength) return AppendResult.BadLength;
        int frame = JournalFormat.RecordOverhead + message.Length;
        try
        {
            if (_segmentRecords > 0 && _fileLength + _pending + frame > _options.SegmentBytes) Roll();
            if (_pending + frame > _buffer.Length) HandToOs();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException) { throw Faulted(ex); }
        _pending += JournalFormat.WriteRecord(_buffer.AsSpan(_pending), sequence, sessionId, streamId, message);
        NextSequence = sequence + 1;
        _segmentRecords++;
        Records++;
        Bytes += frame;
        return AppendResult.Ok;
    }

    /// <summary>
    /// Ends a batch: hands the buffered records to the OS and, with <see cref="DurabilityMode.Batch"/>,
    /// fdatasyncs them. When it returns, every appended record is as durable as the policy promises
    /// (for <see cref="DurabilityMode.Interval"/>: handed to the OS, on the disk within the interval).
    /// </summary>
    public void Commit()
    {
        if (_fault is not null) throw new IOException("the journal writer failed earlier", _fault);
        try
        {
            HandToOs();
            if (_syncOffThread)
            {
                // No waiting here: the sync thread covers this batch (and any committed while it syncs).
                if (DurableSequence < OsSequence) _wake.Set();
            }
            else if (_options.Durability.Mode == DurabilityMode.Batch && DurableSequence < OsSequence)
            {
                SyncData(_segment);
                RaiseDurable(OsSequence);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException) { throw Faulted(ex); }
    }

    /// <summary>Commits (unless faulted), fdatasyncs unless the policy is <c>none</c>, and closes the journal.</summary>
    public void Dispose()
    {
        if (_closing) return;
        _closing = true;
        _wake.Set();
        if (_syncer is { IsAlive: true }) _syncer.Join();
        try
        {
            if (_fault is null && _segment is not null)
            {
                HandToOs();
                if (_options.Durability.Mode != DurabilityMode.None)
                {
                    SyncData(_segment);
                    RaiseDurable(OsSequence);
                }
            }
        }
        finally
        {
            _segment?.Dispose();
            _lock.Dispose();
            _wake.Dispose();
        }
    }

    /// <summary>Stops the writer for a failure its caller found (e.g. a record it could not append).</summary>
    internal void MarkFaulted(Exception ex) => _fault ??= ex;

    private Exception Faulted(Exception ex)
    {
        _fault ??= ex;
        return ex as IOException ?? new IOException(ex.Message, ex);
    }

    private void HandToOs()
    {
        if (_pending == 0) return;
        RandomAccess.Write(_segment.SafeFileHandle, _buffer.AsSpan(0, _pending), _fileLength);
        _fileLength += _pending;
        _pending = 0;
        Volatile.Write(ref _osSequence, NextSequence - 1);
    }

    private void SyncData(FileStream segment)
    {
        DiskSync.Data(segment);
        Interlocked.Increment(ref _syncs);
    }

    private void RaiseDurable(long sequence)
    {
        long seen = Volatile.Read(ref _durableSequence);
        while (seen < sequence)
        {
            long was = Interlocked.CompareExchange(ref _durableSequence, sequence, seen);
            if (was == seen) return;
            seen = was;
        }
    }

    // Cold: once per segment.
    private void Roll()
    {
        HandToOs();
        if (_options.Durability.Mode != DurabilityMode.None)
        {
            SyncData(_segment); // the interval syncer loses this handle: the closed segment must be complete on disk
            RaiseDurable(OsSequence);
        }
        var previous = _segment;
        CreateSegment(_segmentIndex + 1, NextSequence);
        previous.Dispose();
    }

    private void CreateSegment(int index, long firstSequence)
    {
        var path = Path.Combine(_directory, JournalFormat.SegmentFileName(index));
        var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read, 0);
        Span<byte> header = stackalloc byte[JournalFormat.SegmentHeaderLength];
        JournalFormat.WriteSegmentHeader(header, index, firstSequence, _options.Fingerprint.Bytes);
        RandomAccess.Write(file.SafeFileHandle, header, 0);
        if (_options.Durability.Mode != DurabilityMode.None)
        {
            DiskSync.Data(file);
            DiskSync.Directory(_directory); // the new file's name must survive a power cut too
        }
        Volatile.Write(ref _segment, file); // before any record of it reaches the OS: see SyncLoop
        _segmentIndex = index;
        _fileLength = JournalFormat.SegmentHeaderLength;
        _segmentRecords = 0;
    }

    private void OpenTail(JournalScan scan)
    {
        NextSequence = scan.NextSequence;
        _osSequence = _durableSequence = scan.NextSequence - 1;
        if (scan.Segments == 0)
        {
            CreateSegment(0, JournalFormat.FirstSequence);
            return;
        }
        if (scan.LastSegmentValidLength == 0)
        {
            CreateSegment(scan.LastSegmentIndex, scan.NextSequence); // its header was torn: write it again
            return;
        }
        var path = Path.Combine(_directory, JournalFormat.SegmentFileName(scan.LastSegmentIndex));
        var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, 0);
        if (scan.TornTail is not null)
        {
            file.SetLength(scan.LastSegmentValidLength);
            if (_options.Durability.Mode != DurabilityMode.None) DiskSync.Data(file);
        }
        _segment = file;
        _segmentIndex = scan.LastSegmentIndex;
        _fileLength = scan.LastSegmentValidLength;
        _segmentRecords = scan.LastSegmentValidLength > JournalFormat.SegmentHeaderLength ? 1 : 0; // only "some or none" matters
        if (scan.LastFingerprint is { } fp && !_options.Fingerprint.Matches(fp)) Roll(); // accepted change: new segment, true header
    }

    // Interval policy: fdatasync what reached the OS, every IntervalMs, off the journaler thread.
    // Batch off-thread: the same, woken by each commit that left something unsynced.
    private void SyncLoop()
    {
        int interval = _options.Durability.IntervalMs;
        while (!_closing)
        {
            if (_syncOffThread)
            {
                _wake.Wait();
                _wake.Reset(); // before reading OsSequence: a commit after this read sets it again
            }
            else _wake.Wait(interval);
            if (_closing) return; // Dispose syncs the rest itself
            long handed = OsSequence;               // read before the segment: a roll publishes the new
            var segment = Volatile.Read(ref _segment); // segment before its first record reaches the OS
            if (handed <= DurableSequence) continue;
            try
            {
                SyncData(segment);
                RaiseDurable(handed);
            }
            catch (ObjectDisposedException) { } // rolled meanwhile: the roll synced the closed segment itself
            catch (IOException ex) { _fault ??= ex; }
        }
    }
}
