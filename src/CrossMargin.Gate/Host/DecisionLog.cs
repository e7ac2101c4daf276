using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace CrossMargin.Gate.Host;

/// <summary>
/// The gate's decision output log: a bounded byte ring of encoded decisions, each numbered with its
/// own output sequence: consecutive within a gate run, starting above every number an earlier run
/// can have used (<see cref="RunBase"/>). The network thread appends a decision here as soon
/// as the risk processor produced it, which releases its outbound ring slot, and sends from the
/// log's head whenever the decisions publication can take it. A slow or absent decisions consumer
/// therefore fills this log, not the outbound ring: risk processing and intake (market data
/// included) keep going until the log itself is full.
/// </summary>
/// <remarks>
/// Single-threaded: the network thread both appends and sends, so no fences. Records are
/// <c>[int32 length][int32 reserved][int64 output sequence][int64 input sequence][message]</c>,
/// 8-byte aligned; a record that does not fit before the end of the buffer is preceded by a padding
/// record (length −1) and starts at offset 0 (Agrona's ring-buffer layout). Positions only grow, so
/// <c>tail − head</c> is the bytes in use.
/// </remarks>
public sealed class DecisionLog
{
    /// <summary>Bytes before each message: length, reserved, output sequence, input sequence.</summary>
    public const int RecordHeaderLength = 24;
    private const int PaddingLength = -1;
    private readonly byte[] _buffer;
    private readonly int _mask;
    private long _head, _tail;
    private long _pending;

    /// <summary>Bits of an output sequence below the run's start millisecond: 2^14 decisions per millisecond (16 M/s) of an earlier run's uptime.</summary>
    public const int RunBaseShift = 14;

    /// <summary>
    /// The number before a run's first output sequence: its start time in Unix milliseconds shifted
    /// left by <see cref="RunBaseShift"/>. A run started t ms after another starts 2^14·t above it,
    /// more than the earlier run can have sent in that time (16 M decisions/s), so numbers keep
    /// rising across restarts (with or without a journal; two starts are always milliseconds apart)
    /// and a consumer that drops every number at or below the highest it applied never drops a new
    /// decision. Assumes the wall clock does not step back across a restart. Lasts past the year 10000.
    /// </summary>
    public static long RunBase(DateTimeOffset start) => start.ToUnixTimeMilliseconds() << RunBaseShift;

    /// <summary>A log of <paramref name="capacity"/> bytes (a power of two, at least 1 KiB); its first decision is numbered <paramref name="runBase"/> + 1.</summary>
    public DecisionLog(int capacity, long runBase = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(runBase);
        LastOutputSequence = runBase;
        FirstOutputSequence = runBase + 1;
        if (capacity < 1024 || (capacity & (capacity - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "a power of two, at least 1024 bytes");
        _buffer = new byte[capacity];
        _mask = capacity - 1;
    }

    /// <summary>Capacity in bytes.</summary>
    public int Capacity => _buffer.Length;

    /// <summary>Decisions appended and not yet sent.</summary>
    public long Pending => _pending;

    /// <summary>Output sequence of this run's first decision.</summary>
    public long FirstOutputSequence { get; }

    /// <summary>Output sequence of the last decision appended (<see cref="FirstOutputSequence"/> − 1 before the first).</summary>
    public long LastOutputSequence { get; private set; }

    /// <summary>Output sequence of the last decision sent (consumed from the head; <see cref="FirstOutputSequence"/> − 1 before the first).</summary>
    public long LastSentSequence => LastOutputSequence - _pending;

    /// <summary>Bytes in use (records and padding).</summary>
    public long BytesUsed => _tail - _head;

    /// <summary>The longest message a log of <paramref name="capacity"/> bytes takes: half of it, so wrap padding always leaves room.</summary>
    public static int MaxMessageLength(int capacity) => capacity / 2 - RecordHeaderLength;

    /// <summary>
    /// Appends <paramref name="message"/> (produced by the input at inbound sequence
    /// <paramref name="inputSequence"/>) under the next output sequence; false when the log has no
    /// room for it now (nothing written: retry once decisions were sent).
    /// </summary>
    public bool TryAppend(ReadOnlySpan<byte> message, long inputSequence)
    {
        int recordLength = Align(RecordHeaderLength + message.Length);
        if (recordLength > _buffer.Length / 2) return false; // never fits with padding: refused (the caller checks MaxMessageLength)
        int offset = (int)(_tail & _mask);
        int toEnd = _buffer.Length - offset;
        int padding = recordLength > toEnd ? toEnd : 0;
        if (_buffer.Length - (_tail - _head) < padding + recordLength) return false;
        if (padding > 0)
        {
            BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(offset), PaddingLength);
            BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(offset + sizeof(int)), padding);
            _tail += padding;
            offset = 0;
        }
        var record = _buffer.AsSpan(offset, recordLength);
        long outputSequence = LastOutputSequence + 1;
        BinaryPrimitives.WriteInt32LittleEndian(record, message.Length);
        BinaryPrimitives.WriteInt32LittleEndian(record[4..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(record[8..], outputSequence);
        BinaryPrimitives.WriteInt64LittleEndian(record[16..], inputSequence);
        message.CopyTo(record[RecordHeaderLength..]);
        _tail += recordLength;
        LastOutputSequence = outputSequence;
        _pending++;
        return true;
    }

    /// <summary>
    /// The oldest unsent decision: its message, output sequence and input sequence; false when
    /// nothing is pending. The span is valid until <see cref="Advance"/>.
    /// </summary>
    public bool TryPeek(out ReadOnlySpan<byte> message, out long outputSequence, out long inputSequence)
    {
        if (_pending == 0) { message = default; outputSequence = inputSequence = 0; return false; }
        int offset = (int)(_head & _mask);
        int length = BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(offset));
        if (length == PaddingLength)
        {
            _head += BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(offset + sizeof(int)));
            offset = 0;
            length = BinaryPrimitives.ReadInt32LittleEndian(_buffer);
        }
        outputSequence = BinaryPrimitives.ReadInt64LittleEndian(_buffer.AsSpan(offset + 8));
        inputSequence = BinaryPrimitives.ReadInt64LittleEndian(_buffer.AsSpan(offset + 16));
        message = _buffer.AsSpan(offset + RecordHeaderLength, length);
        return true;
    }

    /// <summary>Takes the next output sequence for a decision sent without the log (longer than it takes); only while nothing is pending.</summary>
    public void SkipSequence()
    {
        if (_pending != 0) throw new InvalidOperationException("decisions are pending: a skipped sequence would reorder them");
        LastOutputSequence++;
    }

    /// <summary>Consumes the decision <see cref="TryPeek"/> returned: it was sent.</summary>
    public void Advance()
    {
        int offset = (int)(_head & _mask);
        int length = BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(offset));
        _head += Align(RecordHeaderLength + length);
        _pending--;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Align(int length) => (length + 7) & ~7;
}
