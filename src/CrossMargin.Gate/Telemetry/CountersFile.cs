using System.IO.MemoryMappedFiles;
using System.Text;

namespace CrossMargin.Gate.Telemetry;

/// <summary>
/// Layout of the counters file: a memory-mapped file one process (the gate) writes and any number
/// of others (<c>crossmargin stat</c>, a Prometheus scraper) read, without locks or syscalls on either side.
/// </summary>
/// <remarks>
/// <code>
///   0  magic "CMCOUNT1"           8  int32 version      12 int32 counter count (n)
///  16  int64 writer pid          24  int64 start time (Unix ms)
///  32  int64 update sequence (odd while a snapshot is being written: a seqlock)
///  40  int64 last update (Unix ms)                      48  int64 gate state (<see cref="GateState"/>)
///  64  n labels of 64 bytes (UTF-8, NUL-padded)
///  64 + 64n   n int64 values
/// </code>
/// Little-endian, as the machine. Labels are written once at creation; values are republished as a
/// whole snapshot under the sequence, so a reader sees one consistent snapshot or retries.
/// </remarks>
public static class CountersLayout
{
    /// <summary>File magic.</summary>
    public static ReadOnlySpan<byte> Magic => "CMCOUNT1"u8;
    /// <summary>Layout version.</summary>
    public const int Version = 1;
    /// <summary>Header length.</summary>
    public const int HeaderLength = 64;
    /// <summary>Bytes per label.</summary>
    public const int LabelLength = 64;
    /// <summary>Offset of the counter count.</summary>
    public const int CountOffset = 12;
    /// <summary>Offset of the writer's process id.</summary>
    public const int PidOffset = 16;
    /// <summary>Offset of the start time.</summary>
    public const int StartOffset = 24;
    /// <summary>Offset of the seqlock sequence.</summary>
    public const int SequenceOffset = 32;
    /// <summary>Offset of the last update time.</summary>
    public const int UpdatedOffset = 40;
    /// <summary>Offset of the gate state.</summary>
    public const int StateOffset = 48;

    /// <summary>Offset of label <paramref name="i"/>.</summary>
    public static long LabelOffset(int i) => HeaderLength + (long)i * LabelLength;
    /// <summary>Offset of value <paramref name="i"/> in a file of <paramref name="count"/> counters.</summary>
    public static long ValueOffset(int count, int i) => HeaderLength + (long)count * LabelLength + (long)i * sizeof(long);
    /// <summary>File length for <paramref name="count"/> counters.</summary>
    public static long FileLength(int count) => ValueOffset(count, count);

    /// <summary>
    /// The default counters file of a gate whose order flow arrives on <paramref name="orderFlowChannel"/>:
    /// one file per gate on a machine, found by <c>crossmargin stat --config</c> from the same configuration.
    /// </summary>
    public static string DefaultPath(string orderFlowChannel, int streamId)
    {
        var sb = new StringBuilder("crossmargin-");
        int at = orderFlowChannel.IndexOf("endpoint=", StringComparison.Ordinal);
        string endpoint = at < 0 ? "any" : orderFlowChannel[(at + 9)..].Split('|')[0];
        foreach (char c in endpoint) sb.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        sb.Append('-').Append(streamId).Append(".counters");
        string dir = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        return Path.Combine(dir, sb.ToString());
    }
}

/// <summary>Lifecycle of the gate as published in the counters file.</summary>
public enum GateState : long
{
    /// <summary>Loading configuration, replaying the journal, binding sockets.</summary>
    Starting = 0,
    /// <summary>Processing inputs.</summary>
    Running = 1,
    /// <summary>Stop requested: finishing what was received.</summary>
    Draining = 2,
    /// <summary>Stopped cleanly.</summary>
    Stopped = 3,
    /// <summary>Stopped on a failure.</summary>
    Failed = 4,
}

/// <summary>Writes a counters file (single writer thread).</summary>
public sealed unsafe class CountersWriter : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly int _count;
    private bool _disposed;

    /// <summary>Creates (or replaces) <paramref name="path"/> with one counter per label.</summary>
    public CountersWriter(string path, IReadOnlyList<string> labels)
    {
        _count = labels.Count;
        Path = path;
        long length = CountersLayout.FileLength(_count);
        // Replace rather than reuse: a reader of the old file keeps its mapping; new readers see the new layout.
        string temp = path + ".tmp" + Environment.ProcessId;
        using (var fs = new FileStream(temp, FileMode.Create, FileAccess.ReadWrite, FileShare.ReadWrite)) fs.SetLength(length);
        File.Move(temp, path, overwrite: true);
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, length, MemoryMappedFileAccess.ReadWrite);
        _view = _file.CreateViewAccessor(0, length, MemoryMappedFileAccess.ReadWrite);
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _base = p + _view.PointerOffset;
        var header = new Span<byte>(_base, CountersLayout.HeaderLength);
        *(int*)(_base + 8) = CountersLayout.Version;
        *(int*)(_base + CountersLayout.CountOffset) = _count;
        *(long*)(_base + CountersLayout.PidOffset) = Environment.ProcessId;
        *(long*)(_base + CountersLayout.StartOffset) = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (int i = 0; i < _count; i++)
        {
            var label = new Span<byte>(_base + CountersLayout.LabelOffset(i), CountersLayout.LabelLength);
            label.Clear();
            int n = Encoding.UTF8.GetBytes(labels[i].AsSpan(0, Math.Min(labels[i].Length, CountersLayout.LabelLength - 1)), label);
            _ = n;
        }
        // Magic last: a reader never takes a half-initialised file for a valid one.
        Thread.MemoryBarrier();
        CountersLayout.Magic.CopyTo(header);
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Number of counters.</summary>
    public int Count => _count;

    /// <summary>Publishes one consistent snapshot of every value and the gate state.</summary>
    public void Publish(ReadOnlySpan<long> values, GateState state)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (values.Length != _count) throw new ArgumentException($"expected {_count} values, got {values.Length}", nameof(values));
        long* seq = (long*)(_base + CountersLayout.SequenceOffset);
        long s = Volatile.Read(ref *seq);
        Volatile.Write(ref *seq, s + 1); // odd: writing
        Thread.MemoryBarrier();
        values.CopyTo(new Span<long>(_base + CountersLayout.ValueOffset(_count, 0), _count));
        *(long*)(_base + CountersLayout.UpdatedOffset) = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        *(long*)(_base + CountersLayout.StateOffset) = (long)state;
        Volatile.Write(ref *seq, s + 2); // even: consistent
    }

    /// <summary>Unmaps the file; the file itself stays for a last <c>stat</c>.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}

/// <summary>One consistent reading of a counters file.</summary>
/// <param name="Labels">Counter names.</param>
/// <param name="Values">Counter values, by label index.</param>
/// <param name="Pid">Process id of the writer.</param>
/// <param name="Started">When the writer started.</param>
/// <param name="Updated">When the snapshot was published.</param>
/// <param name="State">The gate's state.</param>
public sealed record CountersSnapshot(IReadOnlyList<string> Labels, long[] Values, long Pid, DateTimeOffset Started, DateTimeOffset Updated, GateState State)
{
    /// <summary>The value of <paramref name="label"/>, or null when the file has no such counter.</summary>
    public long? Get(string label)
    {
        for (int i = 0; i < Labels.Count; i++) if (Labels[i] == label) return Values[i];
        return null;
    }
}

/// <summary>Reads a counters file written by another process.</summary>
public static unsafe class CountersReader
{
    /// <summary>Reads a consistent snapshot; a failure is a value (<paramref name="error"/>), never an exception.</summary>
    public static bool TryRead(string path, out CountersSnapshot? snapshot, out string? error)
    {
        snapshot = null;
        error = null;
        FileStream fs;
        try { fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete); }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException) { error = $"no counters file '{path}' (is a gate running with this configuration?)"; return false; }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { error = $"cannot open '{path}': {ex.Message}"; return false; }
        using (fs)
        {
            long length = fs.Length;
            if (length < CountersLayout.HeaderLength) { error = $"'{path}' is not a counters file (too short)"; return false; }
            using var map = MemoryMappedFile.CreateFromFile(fs, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
            using var view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            try
            {
                byte* b = p + view.PointerOffset;
                if (!new ReadOnlySpan<byte>(b, 8).SequenceEqual(CountersLayout.Magic)) { error = $"'{path}' is not a counters file (bad magic)"; return false; }
                if (*(int*)(b + 8) != CountersLayout.Version) { error = $"'{path}': counters layout version {*(int*)(b + 8)}, this tool reads {CountersLayout.Version}"; return false; }
                int count = *(int*)(b + CountersLayout.CountOffset);
                if (count < 0 || CountersLayout.FileLength(count) > length) { error = $"'{path}' is truncated"; return false; }
                var labels = new string[count];
                for (int i = 0; i < count; i++)
                {
                    var raw = new ReadOnlySpan<byte>(b + CountersLayout.LabelOffset(i), CountersLayout.LabelLength);
                    int end = raw.IndexOf((byte)0);
                    labels[i] = Encoding.UTF8.GetString(end < 0 ? raw : raw[..end]);
                }
                var values = new long[count];
                long* seq = (long*)(b + CountersLayout.SequenceOffset);
                var deadline = Environment.TickCount64 + 2000;
                var spin = new SpinWait();
                while (true)
                {
                    long before = Volatile.Read(ref *seq);
                    if ((before & 1) == 0)
                    {
                        new ReadOnlySpan<long>(b + CountersLayout.ValueOffset(count, 0), count).CopyTo(values);
                        long updated = *(long*)(b + CountersLayout.UpdatedOffset);
                        long state = *(long*)(b + CountersLayout.StateOffset);
                        Thread.MemoryBarrier();
                        if (Volatile.Read(ref *seq) == before)
                        {
                            snapshot = new CountersSnapshot(labels, values, *(long*)(b + CountersLayout.PidOffset),
                                DateTimeOffset.FromUnixTimeMilliseconds(*(long*)(b + CountersLayout.StartOffset)),
                                DateTimeOffset.FromUnixTimeMilliseconds(updated), (GateState)state);
                            return true;
                        }
                    }
                    // The writer publishes a few times a second and a snapshot takes nanoseconds: retrying
                    // for 2 s only fails when the writer died in the middle of an update.
                    if (Environment.TickCount64 > deadline) { error = $"'{path}': no consistent snapshot for 2 s (writer stopped mid-update?)"; return false; }
                    spin.SpinOnce();
                }
            }
            finally { view.SafeMemoryMappedViewHandle.ReleasePointer(); }
        }
    }
}
