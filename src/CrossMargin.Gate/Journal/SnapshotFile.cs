using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using CrossMargin.Core.Engine;
using CrossMargin.Gate.Host;

namespace CrossMargin.Gate.Journal;

/// <summary>What a snapshot file says about itself (its header).</summary>
/// <param name="InputSequence">Journal sequence of the last input applied to the state (the tail replays from the next).</param>
/// <param name="StateHash">The state hash of the engine at that point.</param>
/// <param name="DecisionSequence">Output sequence of the last decision of that input, or −1 when the writer did not know it.</param>
/// <param name="CreatedUnixMs">When it was written (information only).</param>
/// <param name="Fingerprint">Config fingerprint the state was computed under (as in the journal's segment headers).</param>
/// <param name="Publishers">Per-publisher sender sequences after that input (<see cref="PublisherSequences"/>).</param>
/// <param name="BodyBytes">Bytes of the engine sections that follow the header.</param>
public sealed record SnapshotHeader(long InputSequence, ulong StateHash, long DecisionSequence, long CreatedUnixMs, byte[] Fingerprint,
    PublisherSequences.Entry[] Publishers, long BodyBytes);

/// <summary>A written snapshot: where, how big, how long it took.</summary>
public sealed record SnapshotWritten(string Path, long InputSequence, ulong StateHash, long Bytes, TimeSpan Elapsed);

/// <summary>
/// Snapshot files (issue 9, item 2): <c>snapshot-&lt;input sequence, 20 digits&gt;.cms</c> next to the
/// journal segments. A header (magic <c>CMSNAP01</c>, version, the last applied input sequence, state
/// hash, decision sequence, the config fingerprint, per-publisher sender sequences, the body length,
/// CRC32C of the header) then the engine's own sections (<see cref="RiskEngine.WriteSnapshot"/>, a
/// CRC32C each and a sealed state hash). Written to a temporary file, fsynced, renamed into place and
/// the directory fsynced, so a crash leaves either the old set or the new file whole. Cold path.
/// </summary>
/// <remarks>
/// Header layout, little-endian: magic [0,8) · u16 version [8,10) · u16 fixed header length (96) [10,12) ·
/// i32 publisher count n [12,16) · i64 input sequence [16,24) · u64 state hash [24,32) · i64 decision
/// sequence [32,40) · i64 created (Unix ms) [40,48) · 32-byte fingerprint [48,80) · i64 body length
/// [80,88) · u64 reserved [88,96) · n × 32-byte publisher entries (i32 session, i32 stream, i64 last
/// sequence, i64 gaps, i64 messages) · u32 CRC32C of everything before it. The body follows.
/// </remarks>
public static class SnapshotFile
{
    /// <summary>Magic at the start of every snapshot file.</summary>
    public static ReadOnlySpan<byte> Magic => "CMSNAP01"u8;
    /// <summary>Header format version.</summary>
    public const ushort Version = 1;
    private const int FixedHeader = 96, PublisherEntry = 32, IoBuffer = 64 * 1024;
    private const string Prefix = "snapshot-", Suffix = ".cms", TempSuffix = ".tmp";

    /// <summary>File name of the snapshot taken after input <paramref name="inputSequence"/>.</summary>
    public static string FileName(long inputSequence) => string.Create(CultureInfo.InvariantCulture, $"{Prefix}{inputSequence:D20}{Suffix}");

    /// <summary>Whether <paramref name="fileName"/> names a snapshot; its input sequence if so.</summary>
    public static bool TryParseFileName(string fileName, out long inputSequence)
    {
        inputSequence = -1;
        if (!fileName.StartsWith(Prefix, StringComparison.Ordinal) || !fileName.EndsWith(Suffix, StringComparison.Ordinal)) return false;
        var digits = fileName.AsSpan(Prefix.Length, fileName.Length - Prefix.Length - Suffix.Length);
        return digits.Length == 20 && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out inputSequence);
    }

    /// <summary>The snapshots in <paramref name="directory"/>, newest (highest input sequence) first.</summary>
    public static IReadOnlyList<(long InputSequence, string Path)> List(string directory)
    {
        var found = new List<(long, string)>();
        if (!Directory.Exists(directory)) return found;
        foreach (var path in Directory.EnumerateFiles(directory, Prefix + "*" + Suffix))
            if (TryParseFileName(Path.GetFileName(path), out long seq)) found.Add((seq, path));
        found.Sort((a, b) => b.Item1.CompareTo(a.Item1));
        return found;
    }

    /// <summary>
    /// Writes <paramref name="engine"/>'s state (between inputs; its owner's thread) as the snapshot after
    /// input <paramref name="inputSequence"/>, atomically, and keeps the newest <paramref name="keep"/> snapshots.
    /// </summary>
    public static SnapshotWritten Write(string directory, RiskEngine engine, long inputSequence, ConfigFingerprint fingerprint,
        ReadOnlySpan<PublisherSequences.Entry> publishers, long decisionSequence = -1, bool sync = true, int keep = 3)
    {
        ArgumentNullException.ThrowIfNull(engine);
        var sw = Stopwatch.StartNew();
        string final = Path.Combine(directory, FileName(inputSequence)), temp = final + TempSuffix;
        int headerBytes = FixedHeader + publishers.Length * PublisherEntry + sizeof(uint);
        var header = new byte[headerBytes];
        long length;
        ulong hash;
        // FileStream's own buffer (64 KiB, under the large-object threshold, so a snapshot adds no LOH
        // garbage that would bring a full GC — a stop of every thread, the risk thread's included);
        // the tables' big arrays bypass it.
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.ReadWrite, FileShare.None, IoBuffer))
        {
            file.Write(header); // placeholder: the hash and body length are known only once the body is written
            hash = engine.WriteSnapshot(file);
            file.Flush();
            length = file.Length;
            FillHeader(header, inputSequence, hash, decisionSequence, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), fingerprint.Bytes, publishers, length - headerBytes);
            file.Position = 0;
            file.Write(header);
            if (sync) file.Flush(flushToDisk: true);
        }
        File.Move(temp, final, overwrite: true);
        if (sync) DiskSync.Directory(directory);
        Prune(directory, keep);
        return new SnapshotWritten(final, inputSequence, hash, length, sw.Elapsed);
    }

    /// <summary>Deletes all but the newest <paramref name="keep"/> snapshots, and temporary files a crash left behind.</summary>
    public static void Prune(string directory, int keep)
    {
        var all = List(directory);
        for (int k = Math.Max(1, keep); k < all.Count; k++) File.Delete(all[k].Path);
        foreach (var temp in Directory.EnumerateFiles(directory, Prefix + "*" + Suffix + TempSuffix)) File.Delete(temp);
    }

    private static void FillHeader(Span<byte> h, long inputSequence, ulong hash, long decisionSequence, long created, ReadOnlySpan<byte> fingerprint,
        ReadOnlySpan<PublisherSequences.Entry> publishers, long bodyBytes)
    {
        h.Clear();
        Magic.CopyTo(h);
        BinaryPrimitives.WriteUInt16LittleEndian(h[8..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(h[10..], FixedHeader);
        BinaryPrimitives.WriteInt32LittleEndian(h[12..], publishers.Length);
        BinaryPrimitives.WriteInt64LittleEndian(h[16..], inputSequence);
        BinaryPrimitives.WriteUInt64LittleEndian(h[24..], hash);
        BinaryPrimitives.WriteInt64LittleEndian(h[32..], decisionSequence);
        BinaryPrimitives.WriteInt64LittleEndian(h[40..], created);
        fingerprint[..JournalFormat.FingerprintLength].CopyTo(h[48..]);
        BinaryPrimitives.WriteInt64LittleEndian(h[80..], bodyBytes);
        int at = FixedHeader;
        foreach (var p in publishers)
        {
            BinaryPrimitives.WriteInt32LittleEndian(h[at..], p.SessionId);
            BinaryPrimitives.WriteInt32LittleEndian(h[(at + 4)..], p.StreamId);
            BinaryPrimitives.WriteInt64LittleEndian(h[(at + 8)..], p.LastSequence);
            BinaryPrimitives.WriteInt64LittleEndian(h[(at + 16)..], p.Gaps);
            BinaryPrimitives.WriteInt64LittleEndian(h[(at + 24)..], p.Messages);
            at += PublisherEntry;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(h[at..], JournalFormat.Crc32C(h[..at]));
    }

    /// <summary>
    /// Loads the snapshot at <paramref name="path"/> into <paramref name="fresh"/> (an engine just built from
    /// the configuration): checks the header's magic, version, checksum and length, that it was taken
    /// under <paramref name="expected"/>, then the engine's sections, sealed hash and cache audit
    /// (<see cref="RiskEngine.LoadSnapshot(Stream, out ulong, bool)"/>). Returns the refusal, or null with the header.
    /// </summary>
    public static string? TryLoad(string path, ConfigFingerprint expected, RiskEngine fresh, out SnapshotHeader? header, bool verifyCaches = true)
    {
        ArgumentNullException.ThrowIfNull(fresh);
        header = null;
        string name = Path.GetFileName(path);
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, IoBuffer);
            long fileLength = file.Length;
            Span<byte> fixedPart = stackalloc byte[FixedHeader];
            if (fileLength < FixedHeader + sizeof(uint)) return $"{name}: {fileLength} bytes, shorter than a snapshot header";
            file.ReadExactly(fixedPart);
            if (!fixedPart[..8].SequenceEqual(Magic)) return $"{name}: not a CrossMargin snapshot (bad magic)";
            ushort version = BinaryPrimitives.ReadUInt16LittleEndian(fixedPart[8..]);
            if (version != Version) return $"{name}: snapshot format version {version}, this build reads {Version}";
            int n = BinaryPrimitives.ReadInt32LittleEndian(fixedPart[12..]);
            if (BinaryPrimitives.ReadUInt16LittleEndian(fixedPart[10..]) != FixedHeader || n < 0 || n > 1 << 16 || fileLength < FixedHeader + (long)n * PublisherEntry + sizeof(uint))
                return $"{name}: header checksum mismatch (damaged header fields)";
            var h = new byte[FixedHeader + n * PublisherEntry + sizeof(uint)];
            fixedPart.CopyTo(h);
            file.ReadExactly(h.AsSpan(FixedHeader));
            int crcAt = h.Length - sizeof(uint);
            if (JournalFormat.Crc32C(h.AsSpan(0, crcAt)) != BinaryPrimitives.ReadUInt32LittleEndian(h.AsSpan(crcAt))) return $"{name}: header checksum mismatch";
            var publishers = new PublisherSequences.Entry[n];
            for (int k = 0, at = FixedHeader; k < n; k++, at += PublisherEntry)
                publishers[k] = new PublisherSequences.Entry(BinaryPrimitives.ReadInt32LittleEndian(h.AsSpan(at)), BinaryPrimitives.ReadInt32LittleEndian(h.AsSpan(at + 4)),
                    BinaryPrimitives.ReadInt64LittleEndian(h.AsSpan(at + 8)), BinaryPrimitives.ReadInt64LittleEndian(h.AsSpan(at + 16)), BinaryPrimitives.ReadInt64LittleEndian(h.AsSpan(at + 24)));
            var hd = new SnapshotHeader(BinaryPrimitives.ReadInt64LittleEndian(h.AsSpan(16)), BinaryPrimitives.ReadUInt64LittleEndian(h.AsSpan(24)),
                BinaryPrimitives.ReadInt64LittleEndian(h.AsSpan(32)), BinaryPrimitives.ReadInt64LittleEndian(h.AsSpan(40)), h.AsSpan(48, JournalFormat.FingerprintLength).ToArray(),
                publishers, BinaryPrimitives.ReadInt64LittleEndian(h.AsSpan(80)));
            if (TryParseFileName(name, out long named) && named != hd.InputSequence) return $"{name}: header says input {hd.InputSequence}";
            if (fileLength != h.Length + hd.BodyBytes) return $"{name}: {fileLength} bytes, the header promises {h.Length + hd.BodyBytes} (truncated or extended)";
            if (!expected.Matches(hd.Fingerprint))
                return $"{name}: taken under config fingerprint {Convert.ToHexStringLower(hd.Fingerprint)[..16]}…, the config given has {expected.Short}…";
            if (fresh.LoadSnapshot(file, out ulong hash, verifyCaches) is { } refused) return $"{name}: {refused}";
            if (file.ReadByte() != -1) return $"{name}: bytes after the sealed state";
            if (hash != hd.StateHash) return $"{name}: the state hashes to {hash:x16}, the header says {hd.StateHash:x16}";
            header = hd;
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return $"{name}: {ex.Message}"; }
    }
}
