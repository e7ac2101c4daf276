using System.Buffers.Binary;
using System.Globalization;

namespace CrossMargin.Gate.Journal;

/// <summary>What opening the decision journal found.</summary>
/// <param name="LastOutputSequence">Output sequence of the last decision logged (0 for none): the next run numbers on from it.</param>
/// <param name="CoverageStart">First input-journal sequence whose decisions this log holds (the input journal's next record when the log was created).</param>
/// <param name="LastInput">Input-journal sequence of the input the last logged decision answers (0 for none).</param>
/// <param name="DecisionsOfLastInput">How many decisions of <paramref name="LastInput"/> are logged.</param>
/// <param name="Open">What opening the journal found (a torn tail cut back).</param>
/// <param name="DecidedThrough">Input-journal sequence through which every input's decisions are known to be on disk (the <c>decided</c> mark; 0 for none).</param>
public sealed record DecisionJournalState(long LastOutputSequence, long CoverageStart, long LastInput, int DecisionsOfLastInput, JournalOpenReport Open, long DecidedThrough = 0)
{
    /// <summary>
    /// Where a restart must feed the input journal again so that no decision is lost: the input whose
    /// decisions the log may hold only in part (of which the logged ones are dropped when produced
    /// again), or the first input the log covers.
    /// </summary>
    /// <remarks>
    /// Inputs with no decision (most market data) leave no record, so the log alone cannot tell "no
    /// decision" from "decision lost"; the <c>decided</c> mark, written every 100 ms and at a stop,
    /// bounds the redo to what was in flight since.
    /// </remarks>
    public long RedoStart => Math.Max(LastInput == 0 ? CoverageStart : LastInput, DecidedThrough + 1);
}

/// <summary>
/// The decision output log on disk (issue 9, item 4): every decision the gate publishes, under its own
/// output sequence, in the segmented, checksummed format of the input journal (<see cref="JournalFormat"/>;
/// the record's sequence is the output sequence, numbered 1, 2, 3… across restarts). A record's
/// message is the input-journal sequence of the input the decision answers (int64, 0 for a decision
/// of no journaled input) followed by the decision as sent. Kept in <c>decisions/</c> inside the input
/// journal's directory, with a <c>coverage</c> file naming the first input whose decisions it holds.
/// </summary>
/// <remarks>
/// Written by the network thread: each decision is appended when it enters the in-memory
/// <see cref="Host.DecisionLog"/> and committed (one write per duty cycle) before it is sent, so
/// a decision a consumer received is on disk even after a kill -9. The commit follows the input
/// journal's <c>journal.durability</c> at that batch boundary: with <c>batch</c> the writer's sync
/// thread fdatasyncs what the duty cycles committed (a group commit: one sync covers every decision
/// committed while the previous one ran; no syscall per decision, and the network thread never waits
/// on the disk) and a decision is sent only once <see cref="IsSendable"/> (synced), so a decision sent
/// survives a power cut; <c>interval:MS</c> leaves the fdatasync to that thread every MS ms; <c>none</c> only
/// hands it to the OS. The <c>decided</c> mark is written only once the decisions logged before it are
/// as durable as the policy makes them, so it never tells a restart to skip the redo of a decision a
/// power cut took. Consumers ask for missed ones with
/// a RecoveryRequest on the decision replay channel; a restart feeds the inputs whose decisions never
/// reached this log through the risk processor again (<see cref="DecisionJournalState.RedoStart"/>).
/// </remarks>
public sealed class DecisionJournal : IDisposable
{
    /// <summary>Bytes before the decision in a record's message: the input-journal sequence.</summary>
    public const int InputPrefix = sizeof(long);

    /// <summary>Name of the directory inside the input journal's.</summary>
    public const string DirectoryName = "decisions";

    private const string CoverageFile = "coverage", DecidedFile = "decided";
    private const int DecidedLength = sizeof(long) + sizeof(uint);
    private readonly JournalWriter _writer;
    private readonly byte[] _scratch = new byte[InputPrefix + JournalFormat.MaxMessageLength];
    private readonly byte[] _decided = new byte[DecidedLength];
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _decidedFile;
    private long _pendingMark, _pendingMarkNeeds; // a mark waiting for output sequence _pendingMarkNeeds to be durable
    private long _newestMark; // the newest mark asked for: a clean close writes it once everything is synced
    private long _decidedThrough; // the mark on file (any thread reads it)

    private DecisionJournal(JournalWriter writer, string directory)
    {
        _writer = writer;
        Directory = directory;
        _decidedFile = File.OpenHandle(Path.Combine(directory, DecidedFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
    }

    /// <summary>
    /// Records that every decision of input-journal records up to <paramref name="inputSequence"/> is
    /// on disk (as durable as the policy makes it): a restart feeds no input at or below it through the
    /// processor again. 12 bytes (the sequence and its CRC32C) written in place; no allocation. With
    /// <c>interval:MS</c>, a mark made before the decisions are synced waits (the oldest one waiting is
    /// kept, so marks progress under a steady flow) and is written by the first <see cref="Commit"/> after the sync.
    /// </summary>
    public void MarkDecided(long inputSequence)
    {
        if (inputSequence > _newestMark) _newestMark = inputSequence;
        if (_writer.Durability.Mode != DurabilityMode.None && _writer.DurableSequence < LastSequence)
        {
            if (_pendingMark == 0)
            {
                _pendingMark = inputSequence;
                _pendingMarkNeeds = LastSequence;
            }
            return;
        }
        _pendingMark = 0;
        WriteMark(inputSequence);
    }

    private void WriteMark(long inputSequence)
    {
        Volatile.Write(ref _decidedThrough, inputSequence);
        BinaryPrimitives.WriteInt64LittleEndian(_decided, inputSequence);
        BinaryPrimitives.WriteUInt32LittleEndian(_decided.AsSpan(sizeof(long)), JournalFormat.Crc32C(_decided.AsSpan(0, sizeof(long))));
        try { RandomAccess.Write(_decidedFile, _decided, 0); }
        catch (IOException) { } // a stale mark only makes the next start redo more
    }

    private static long ReadDecided(string directory)
    {
        string path = Path.Combine(directory, DecidedFile);
        if (!File.Exists(path)) return 0;
        var bytes = File.ReadAllBytes(path);
        // Anything but a whole, checked mark counts as none: the redo is then longer, never wrong.
        if (bytes.Length < DecidedLength || JournalFormat.Crc32C(bytes.AsSpan(0, sizeof(long))) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(sizeof(long)))) return 0;
        return Math.Max(0, BinaryPrimitives.ReadInt64LittleEndian(bytes));
    }

    /// <summary>The log's directory.</summary>
    public string Directory { get; }

    /// <summary>The decision journal directory of the input journal in <paramref name="journalDirectory"/>.</summary>
    public static string PathFor(string journalDirectory) => Path.Combine(journalDirectory, DirectoryName);

    /// <summary>Whether the input journal in <paramref name="journalDirectory"/> has a decision log yet (its coverage file).</summary>
    public static bool Exists(string journalDirectory) => File.Exists(Path.Combine(PathFor(journalDirectory), CoverageFile));

    /// <summary>
    /// Opens (or creates) the decision journal beside the input journal in <paramref name="journalDirectory"/>,
    /// whose next record is <paramref name="inputJournalNext"/>. Throws <see cref="JournalException"/> when it is damaged.
    /// </summary>
    public static DecisionJournal Open(string journalDirectory, JournalOptions options, long inputJournalNext, out DecisionJournalState state)
    {
        string directory = PathFor(journalDirectory);
        System.IO.Directory.CreateDirectory(directory);
        string coveragePath = Path.Combine(directory, CoverageFile);
        if (!File.Exists(coveragePath))
        {
            // A new log holds the decisions of the inputs from the journal's next record on.
            File.WriteAllText(coveragePath, inputJournalNext.ToString(CultureInfo.InvariantCulture) + "\n");
        }
        if (!long.TryParse(File.ReadAllText(coveragePath).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long coverage) || coverage < 1)
            throw new JournalException(new JournalError(JournalErrorKind.BadSegmentHeader, coveragePath, 0, 0, "not a positive input-journal sequence"));
        var writer = JournalWriter.Open(directory, options, out var opened);
        var last = new LastInput();
        var scan = JournalReader.Scan(directory, options.Fingerprint, options.AcceptConfigChange, ref last);
        if (scan.Error is { } error) { writer.Dispose(); throw new JournalException(error); }
        state = new DecisionJournalState(writer.NextSequence - 1, coverage, last.Input, last.Count, opened, ReadDecided(directory));
        var journal = new DecisionJournal(writer, directory);
        journal._decidedThrough = state.DecidedThrough;
        return journal;
    }

    /// <summary>
    /// The input-journal sequence the <c>decided</c> mark on file covers: a restart feeds no input at or
    /// below it through the processor again, so state up to it is safe to snapshot. Any thread.
    /// </summary>
    public long DecidedThrough => Volatile.Read(ref _decidedThrough);

    /// <summary>Output sequence of the last decision appended.</summary>
    public long LastSequence => _writer.NextSequence - 1;

    /// <summary>Highest output sequence handed to the OS (readable by a replay).</summary>
    public long OsSequence => _writer.OsSequence;

    /// <summary>Highest output sequence known to be on the disk (fdatasync'd; with <c>none</c> only what the log held at open). Any thread.</summary>
    public long DurableSequence => _writer.DurableSequence;

    /// <summary>fdatasyncs of the log so far (its group commits). Any thread.</summary>
    public long Syncs => _writer.Syncs;

    /// <summary>
    /// Whether decision <paramref name="outputSequence"/> may be sent: with <c>batch</c>, once it is synced
    /// (or it was never appended, or the writer failed: decisions still flow then, the fault is counted);
    /// always with the other policies. Network thread; no allocation, no syscall.
    /// </summary>
    public bool IsSendable(long outputSequence) =>
        _writer.Durability.Mode != DurabilityMode.Batch || outputSequence > LastSequence || _writer.DurableSequence >= outputSequence || _writer.Fault is not null;

    /// <summary>The durability policy (the input journal's).</summary>
    public DurabilityPolicy Durability => _writer.Durability;

    /// <summary>A fault of the writer (appends then fail).</summary>
    public Exception? Fault => _writer.Fault;

    /// <summary>
    /// Appends decision <paramref name="decision"/> under <paramref name="outputSequence"/> (the next
    /// one), answering input-journal record <paramref name="inputSequence"/>. False when it could not be
    /// written (out of sequence, too long, or the writer failed): the caller counts it. Does not allocate.
    /// </summary>
    public bool Append(long outputSequence, long inputSequence, ReadOnlySpan<byte> decision)
    {
        if (decision.Length > JournalFormat.MaxMessageLength - InputPrefix) return false;
        BinaryPrimitives.WriteInt64LittleEndian(_scratch, inputSequence);
        decision.CopyTo(_scratch.AsSpan(InputPrefix));
        try { return _writer.Append(outputSequence, 0, 0, _scratch.AsSpan(0, InputPrefix + decision.Length)) == AppendResult.Ok; }
        catch (IOException) { return false; }
    }

    /// <summary>
    /// Ends a batch: hands what was appended to the OS and, with <c>batch</c>, fdatasyncs it (once, for
    /// every decision appended since the last commit; nothing when none was); writes a waiting decided
    /// mark once its decisions are durable. False when the writer failed.
    /// </summary>
    public bool Commit()
    {
        try { _writer.Commit(); }
        catch (IOException) { return false; }
        if (_pendingMark != 0 && _writer.DurableSequence >= _pendingMarkNeeds)
        {
            WriteMark(_pendingMark);
            _pendingMark = 0;
        }
        return true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _writer.Dispose(); // syncs the rest unless the policy is none
        // Every decision logged is now as durable as the policy makes it, so the newest mark asked for holds (a pending
        // older one alone would leave the last inputs to a needless redo after a clean stop).
        if (_writer.Fault is null && (_writer.Durability.Mode == DurabilityMode.None || _writer.DurableSequence >= LastSequence))
        {
            if (_newestMark != 0) WriteMark(_newestMark);
        }
        else if (_pendingMark != 0 && _writer.Fault is null && _writer.DurableSequence >= _pendingMarkNeeds) WriteMark(_pendingMark);
        _decidedFile.Dispose();
    }

    private struct LastInput : IJournalVisitor
    {
        public long Input;
        public int Count;

        public string? OnRecord(long sequence, int sessionId, int streamId, ReadOnlySpan<byte> message)
        {
            if (message.Length < InputPrefix) return "shorter than its input-sequence prefix";
            long input = BinaryPrimitives.ReadInt64LittleEndian(message);
            if (input == 0) return null; // answers no journaled input (a door reject)
            if (input == Input) Count++;
            else { Input = input; Count = 1; }
            return null;
        }
    }
}
