using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace CrossMargin.Core.Snapshot;

/// <summary>
/// Reads what <see cref="SnapshotWriter"/> wrote, section by section, checking each section's tag
/// and CRC32C. Any fault (a short stream, a wrong tag, a count beyond the engine's capacity, a
/// checksum mismatch) throws <see cref="SnapshotFormatException"/> naming the section; the loader
/// turns it into a refusal value and the half-filled engine is discarded. Cold path.
/// </summary>
public sealed class SnapshotReader
{
    private readonly Stream _in;
    private readonly Crc32 _crc = new(Crc32ParameterSet.Crc32C);
    private SnapshotSection _section;

    /// <summary>Reads from <paramref name="input"/>.</summary>
    public SnapshotReader(Stream input)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("snapshots store raw little-endian arrays");
        _in = input;
    }

    /// <summary>Bytes read so far.</summary>
    public long Bytes { get; private set; }

    /// <summary>Starts a section: it must carry <paramref name="section"/>'s tag.</summary>
    public void Begin(SnapshotSection section)
    {
        _section = section;
        _crc.Reset();
        int tag = Read<int>();
        if (tag != (int)section) throw Fail($"tag {tag:X8} where section {section} was expected");
    }

    /// <summary>Ends a section: its stored CRC32C must equal the bytes read.</summary>
    public void End()
    {
        Span<byte> b = stackalloc byte[4];
        Fill(b);
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(b);
        if (stored != _crc.GetCurrentHashAsUInt32()) throw Fail("checksum mismatch");
    }

    /// <summary>Fills <paramref name="values"/> with raw bytes.</summary>
    public void Read<T>(Span<T> values) where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(values);
        Fill(bytes);
        _crc.Append(bytes);
    }

    /// <summary>One value.</summary>
    public T Read<T>() where T : unmanaged
    {
        T value = default;
        Read(new Span<T>(ref value));
        return value;
    }

    /// <summary>A count that must lie in [0, <paramref name="max"/>] (so a damaged count never drives a read past a table).</summary>
    public int ReadCount(string what, int max)
    {
        int n = Read<int>();
        if ((uint)n > (uint)max) throw Fail($"{what} {n} outside 0..{max}");
        return n;
    }

    /// <summary>A value the engine being loaded must already have (a capacity, a definition count).</summary>
    public void Expect(string what, long expected)
    {
        long v = Read<long>();
        if (v != expected) throw Fail($"{what} is {v}, the engine being loaded has {expected} (another configuration)");
    }

    /// <summary>A refusal naming the current section.</summary>
    public SnapshotFormatException Fail(string detail) => new(_section, detail);

    private void Fill(Span<byte> bytes)
    {
        try { _in.ReadExactly(bytes); }
        catch (EndOfStreamException) { throw Fail("the snapshot ends inside it (truncated)"); }
        Bytes += bytes.Length;
    }
}

/// <summary>A snapshot section that could not be read: which one and why.</summary>
public sealed class SnapshotFormatException(SnapshotSection section, string detail) : Exception($"section {section}: {detail}")
{
    /// <summary>The section being read.</summary>
    public SnapshotSection Section { get; } = section;
    /// <summary>What was wrong.</summary>
    public string Detail { get; } = detail;
}

/// <summary>Sections of an engine snapshot, in file order (the tag values are part of the format).</summary>
public enum SnapshotSection
{
    /// <summary>Capacities, trigger mode and definition counts the snapshot was taken with.</summary>
    Dimensions = 0x4D494431,   // "1DIM"
    /// <summary>Marks, index prices, halts, risk config, counters and the asset holder lists.</summary>
    Market = 0x4B524D31,
    /// <summary>Clearing accounts and the fee pool.</summary>
    Ledger = 0x47444C31,
    /// <summary>Every account row (the fund's included).</summary>
    Accounts = 0x54434131,
    /// <summary>Open orders, dense per account.</summary>
    Orders = 0x44524F31,
    /// <summary>One instrument's holder table.</summary>
    Positions = 0x534F5031,
    /// <summary>One instrument's safe bands (index mode).</summary>
    Bands = 0x444E4231,
    /// <summary>The state hash of everything before it.</summary>
    Seal = 0x4C415331,
}
