using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace CrossMargin.Core.Snapshot;

/// <summary>
/// Writes the sections of an engine snapshot to a caller's <see cref="Stream"/> (Core does no I/O of
/// its own): each section is a 4-byte tag, the raw little-endian bytes of the table's arrays
/// (<see cref="MemoryMarshal.AsBytes{T}(Span{T})"/>, no per-field encoding) and a CRC32C of tag and
/// bytes. Section lengths are implied by the counts written before them, which the reader bounds by
/// the engine's capacities before it reads a byte more. Cold path: runs on a snapshotting thread.
/// </summary>
public sealed class SnapshotWriter
{
    private readonly Stream _out;
    private readonly Crc32 _crc = new(Crc32ParameterSet.Crc32C);

    /// <summary>Writes to <paramref name="output"/> (buffer it: tables write many small spans).</summary>
    public SnapshotWriter(Stream output)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("snapshots store raw little-endian arrays");
        _out = output;
    }

    /// <summary>Bytes written so far (section framing included).</summary>
    public long Bytes { get; private set; }

    /// <summary>Starts a section: resets its checksum and writes its tag.</summary>
    public void Begin(SnapshotSection section)
    {
        _crc.Reset();
        Write((int)section);
    }

    /// <summary>Ends a section with the CRC32C of everything written since <see cref="Begin"/>.</summary>
    public void End()
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, _crc.GetCurrentHashAsUInt32());
        _out.Write(b);
        Bytes += 4;
    }

    /// <summary>Raw bytes of a span of unmanaged values.</summary>
    public void Write<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(values);
        _crc.Append(bytes);
        _out.Write(bytes);
        Bytes += bytes.Length;
    }

    /// <summary>One value.</summary>
    public void Write<T>(T value) where T : unmanaged => Write(new ReadOnlySpan<T>(in value));
}
