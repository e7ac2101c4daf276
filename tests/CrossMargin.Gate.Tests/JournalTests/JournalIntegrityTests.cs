using CrossMargin.Gate.Config;
using CrossMargin.Gate.Journal;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit.Abstractions;

namespace CrossMargin.Gate.Tests.JournalTests;

/// <summary>
/// Nothing lost, nothing silently changed: a torn tail is cut back and appending goes on; a flipped
/// bit anywhere is refused, by the reader, by replay (which then applies nothing) and by opening
/// for append (which then cuts nothing).
/// </summary>
public sealed class JournalIntegrityTests(ITestOutputHelper output) : IDisposable
{
    // One journal of the real workload (181 SBE inputs) in segments of ~1 KiB: ~13 segments, so
    // flips land in segment headers, record headers, messages and checksums of first, middle and last segments.
    private readonly GateConfig _config = GateHostTests.LoopbackConfig();
    private readonly string _dir = JournalKit.NewDirectory();
    private List<byte[]>? _messages;
    private int _flipsTried, _flipsDetected;

    public void Dispose()
    {
        if (_flipsTried > 0) output.WriteLine($"bit flips: {_flipsTried} tried, {_flipsDetected} detected");
        JournalKit.Delete(_dir);
    }

    private JournalOptions Options => JournalKit.Options(_config, segmentBytes: 1024);

    // FsCheck may ask for the property more than once: build the journal once per test.
    private List<byte[]> BuildJournal()
    {
        if (_messages is not null) return _messages;
        _messages = JournalKit.Messages(_config);
        JournalKit.Write(_dir, Options, _messages);
        Assert.True(JournalKit.Segments(_dir).Length >= 10);
        return _messages;
    }

    [Property(MaxTest = 30)]
    public Property A_torn_tail_is_cut_back_reported_and_appending_goes_on()
    {
        var messages = BuildJournal();
        var segments = JournalKit.Segments(_dir);
        string last = segments[^1];
        var original = File.ReadAllBytes(last);
        // Cut anywhere in the last segment, its header included (a crash right after creating it).
        return Prop.ForAll(Gen.Choose(1, original.Length).ToArbitrary(), cut =>
        {
            File.WriteAllBytes(last, original[..^cut]);
            var before = JournalKit.ReadAll(_dir, Options.Fingerprint);
            Assert.Null(before.Scan.Error);
            int whole = before.Records.Count;
            long keep = original.Length - cut;
            // Which records survive: those wholly inside what is left.
            Assert.Equal(messages.Take(whole).ToList(), before.Records.Select(r => r.Message).ToList());
            Assert.True(whole < messages.Count);

            using (var w = JournalWriter.Open(_dir, Options, out var report))
            {
                if (before.Scan.TornTail is { } torn)
                {
                    Assert.Equal(torn, report.TornTail);
                    Assert.Equal(keep, torn.Offset + torn.Bytes);
                    Assert.Equal(Path.GetFileName(last), torn.Segment);
                }
                else Assert.Null(report.TornTail); // cut exactly at a record boundary: nothing torn, just fewer records
                Assert.Equal(whole + 1, report.NextSequence);
                // The restarted gate re-receives what was lost (gap recovery) and appends after the cut.
                for (int i = whole; i < messages.Count; i++) Assert.Equal(AppendResult.Ok, w.Append(w.NextSequence, messages[i]));
            }
            var after = JournalKit.ReadAll(_dir, Options.Fingerprint);
            Assert.Null(after.Scan.Error);
            Assert.Null(after.Scan.TornTail);
            Assert.Equal(messages, after.Records.Select(r => r.Message).ToList());
            Assert.Equal(Enumerable.Range(1, messages.Count).Select(i => (long)i), after.Records.Select(r => r.Sequence));
            var engine = _config.BuildEngine();
            Assert.Equal(messages.Count, InputJournal.Replay(_dir, engine, Options.Fingerprint).Records);
            Assert.Equal(JournalKit.HashOf(_config, messages), engine.StateHash());

            // Back to the original files for the next case.
            foreach (var s in JournalKit.Segments(_dir)) if (!segments.Contains(s)) File.Delete(s);
            File.WriteAllBytes(last, original);
        });
    }

    [Fact]
    public void Zeros_after_the_last_record_are_a_torn_tail_but_zeros_before_it_are_damage()
    {
        var messages = BuildJournal();
        var segments = JournalKit.Segments(_dir);
        // A power cut can leave allocated but unwritten (zero) blocks after the last record.
        using (var f = new FileStream(segments[^1], FileMode.Append)) f.Write(new byte[300]);
        var scan = JournalReader.Verify(_dir, Options.Fingerprint);
        Assert.Null(scan.Error);
        Assert.Equal(300, scan.TornTail!.Bytes);
        Assert.Equal(messages.Count, scan.Records);
        using (JournalWriter.Open(_dir, Options, out var report)) Assert.Equal(300, report.TornTail!.Bytes);
        Assert.Null(JournalReader.Verify(_dir).TornTail);
        // The same in a segment that is not the last is refused.
        using (var f = new FileStream(segments[0], FileMode.Append)) f.Write(new byte[300]);
        var error = JournalReader.Verify(_dir).Error!;
        Assert.Equal(JournalErrorKind.BadRecordHeader, error.Kind);
        Assert.Equal(Path.GetFileName(segments[0]), error.Segment);
    }

    /// <summary>The check: a flipped bit anywhere is detected, 100 % over ≥ 100 random flips (FsCheck picks where).</summary>
    [Property(MaxTest = 300)]
    public Property A_flipped_bit_anywhere_is_refused_and_nothing_is_applied_or_cut()
    {
        BuildJournal();
        var files = JournalKit.Segments(_dir).Select(p => (Path: p, Bytes: File.ReadAllBytes(p))).ToArray();
        long totalBits = files.Sum(f => f.Bytes.LongLength * 8);
        ulong freshHash = _config.BuildEngine().StateHash();
        // A bit position over the concatenated segment files.
        var flips = Gen.Choose(0, (int)totalBits - 1).ToArbitrary();
        return Prop.ForAll(flips, bit =>
        {
            _flipsTried++;
            int file = 0;
            long at = bit / 8;
            while (at >= files[file].Bytes.Length) at -= files[file++].Bytes.Length;
            var (path, bytes) = files[file];
            var damaged = (byte[])bytes.Clone();
            damaged[at] ^= (byte)(1 << (bit % 8));
            File.WriteAllBytes(path, damaged);
            try
            {
                var verify = JournalReader.Verify(_dir, Options.Fingerprint);
                Assert.True(verify.Error is not null, $"flip of bit {bit % 8} at {Path.GetFileName(path)}:{at} not detected (torn tail {verify.TornTail})");
                var engine = _config.BuildEngine();
                var replay = InputJournal.Replay(_dir, engine, Options.Fingerprint);
                Assert.NotNull(replay.Error);
                Assert.Equal(0, replay.Records);
                Assert.Equal(freshHash, engine.StateHash()); // refused means not applied, not even in part
                Assert.NotNull(JournalWriter.TryOpen(_dir, Options, out var writer, out _));
                Assert.Null(writer);
                Assert.Equal(damaged, File.ReadAllBytes(path)); // and nothing was cut
                _flipsDetected++;
            }
            finally { File.WriteAllBytes(path, bytes); }
        });
    }

    /// <summary>Not a sample but every bit of a smaller journal (3 segments).</summary>
    [Fact]
    public void Every_single_bit_flip_of_a_small_journal_is_refused()
    {
        var messages = JournalKit.Messages(_config).Take(24).ToList();
        JournalKit.Write(_dir, JournalKit.Options(_config, segmentBytes: 700), messages);
        var files = JournalKit.Segments(_dir);
        Assert.Equal(3, files.Length);
        long tried = 0, detected = 0;
        foreach (var path in files)
        {
            var bytes = File.ReadAllBytes(path);
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
            for (int i = 0; i < bytes.Length; i++)
            {
                for (int b = 0; b < 8; b++)
                {
                    tried++;
                    RandomAccess.Write(handle, new[] { (byte)(bytes[i] ^ (1 << b)) }, i);
                    if (JournalReader.Verify(_dir, Options.Fingerprint).Error is not null) detected++;
                    else output.WriteLine($"undetected: {Path.GetFileName(path)} byte {i} bit {b}");
                }
                RandomAccess.Write(handle, bytes.AsSpan(i, 1), i);
            }
        }
        output.WriteLine($"exhaustive bit flips: {tried} tried, {detected} detected");
        Assert.Equal(tried, detected);
        Assert.True(tried > 10_000);
    }
}
