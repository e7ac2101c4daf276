using System.Buffers.Binary;
using CrossMargin.Core.Engine;
using CrossMargin.Disruptor.Processing;
using CrossMargin.Gate.Pipeline;
using CrossMargin.Messages;

namespace CrossMargin.Gate.Journal;

/// <summary>
/// The input journal (design.md, "Nothing lost"): every input, in ring order, as an 8-byte file
/// header followed by records of [u16 length][SBE input message]. A malformed input keeps its place
/// in the order as a record holding its input-error message (template 120: the decode result and the
/// sender sequence if one was readable); replay counts it and changes nothing. The gate publishes no
/// decision before its input is journaled, and a restart replays the file to the same state hash.
/// </summary>
public static class InputJournal
{
    /// <summary>File magic and format version.</summary>
    public static ReadOnlySpan<byte> Magic => "CMJRNL01"u8;

    /// <summary>Length prefix of a record.</summary>
    public const int RecordHeaderLength = sizeof(ushort);

    /// <summary>
    /// Applies every journaled input to <paramref name="engine"/> in order (outputs are discarded:
    /// they were published before). Returns the number of records (malformed inputs included); throws <see cref="InvalidDataException"/>
    /// on a damaged file, except that a torn last record (a crash mid-write) is ignored.
    /// </summary>
    public static long Replay(string path, RiskEngine engine)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        Span<byte> header = stackalloc byte[8];
        if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length || !header.SequenceEqual(Magic))
            throw new InvalidDataException($"{path}: not a CrossMargin input journal");
        var buffer = new byte[ushort.MaxValue];
        long count = 0;
        while (true)
        {
            if (stream.ReadAtLeast(buffer.AsSpan(0, RecordHeaderLength), RecordHeaderLength, throwOnEndOfStream: false) < RecordHeaderLength) break;
            int length = BinaryPrimitives.ReadUInt16LittleEndian(buffer);
            if (stream.ReadAtLeast(buffer.AsSpan(0, length), length, throwOnEndOfStream: false) < length) break; // torn tail
            var record = buffer.AsSpan(0, length);
            var result = InputCodec.TryDecode(record, out RiskInput input, out _);
            if (result != DecodeResult.Ok && InputErrorCodec.TryDecode(record, out _, out _, out _) == DecodeResult.Ok)
            {
                count++; // a malformed input: ordered and answered, never applied
                continue;
            }
            if (result != DecodeResult.Ok) throw new InvalidDataException($"{path}: record {count + 1} does not decode ({result})");
            engine.Process(input);
            count++;
        }
        return count;
    }
}

/// <summary>
/// Appends inputs to a journal file. Single-threaded: owned by the journaler thread once the
/// gate runs. <see cref="Flush"/> at the end of each batch pushes the bytes to the OS (and to the
/// disk when <c>fsync</c> was asked for) before the journaler releases the batch's sequences.
/// </summary>
public sealed class JournalWriter : IDisposable
{
    private readonly FileStream _stream;
    private readonly bool _fsync;
    private readonly byte[] _record = new byte[InputJournal.RecordHeaderLength + InputCodec.MaxLength];

    /// <summary>Opens (creating with a header if new) the journal at <paramref name="path"/> for appending.</summary>
    public JournalWriter(string path, bool fsync)
    {
        _fsync = fsync;
        _stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, 1 << 20);
        if (_stream.Length == 0) _stream.Write(InputJournal.Magic);
        _stream.Seek(0, SeekOrigin.End);
    }

    /// <summary>Records written through this writer.</summary>
    public long Records { get; private set; }

    /// <summary>Appends one input (buffered; no allocation).</summary>
    public void Append(in RiskInput input, long senderSequence)
    {
        int n = InputCodec.Encode(input, senderSequence, _record.AsSpan(InputJournal.RecordHeaderLength));
        if (n <= 0) return; // not encodable (cannot happen for inputs that passed the decoder)
        BinaryPrimitives.WriteUInt16LittleEndian(_record, (ushort)n);
        _stream.Write(_record, 0, InputJournal.RecordHeaderLength + n);
        Records++;
    }

    /// <summary>Appends a malformed input as its input-error message (buffered; no allocation).</summary>
    public void AppendMalformed(DecodeResult reason, long senderSequence)
    {
        int n = InputErrorCodec.Encode(senderSequence, ProcessStatus.Applied, reason, _record.AsSpan(InputJournal.RecordHeaderLength));
        if (n <= 0) return;
        BinaryPrimitives.WriteUInt16LittleEndian(_record, (ushort)n);
        _stream.Write(_record, 0, InputJournal.RecordHeaderLength + n);
        Records++;
    }

    /// <summary>Pushes buffered records to the OS, and to the disk when configured.</summary>
    public void Flush() => _stream.Flush(_fsync);

    /// <summary>Flushes and closes.</summary>
    public void Dispose()
    {
        _stream.Flush(_fsync);
        _stream.Dispose();
    }
}

/// <summary>
/// The journaler: a consumer of the inbound ring in parallel with the risk processor (its own
/// thread), flushing at the end of every batch so its sequence only ever covers durable records.
/// </summary>
public struct JournalHandler(JournalWriter writer) : IEventHandler<InboundEvent>
{
    /// <inheritdoc />
    public readonly void OnEvent(ref InboundEvent data, long sequence, bool endOfBatch)
    {
        // Definitions come from the configuration at start-up: not journaled.
        if (data.Kind == InboundKind.Input) writer.Append(data.Input, data.Tag);
        else if (data.Kind == InboundKind.Malformed) writer.AppendMalformed(data.DecodeResult, data.Tag);
        if (endOfBatch) writer.Flush();
    }

    /// <inheritdoc />
    public readonly void OnBatchStart(long batchSize) { }

    /// <inheritdoc />
    public readonly void OnStart() { }

    /// <inheritdoc />
    public readonly void OnShutdown() => writer.Flush();
}
