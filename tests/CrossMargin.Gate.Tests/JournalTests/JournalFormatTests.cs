using System.Buffers.Binary;
using CrossMargin.Gate.Journal;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CrossMargin.Gate.Tests.JournalTests;

/// <summary>The segment and record layout, the checksum, and what opening a journal checks.</summary>
public class JournalFormatTests
{
    [Fact]
    public void Crc32C_matches_the_RFC_3720_test_vectors()
    {
        // RFC 3720 appendix B.4 (the CRC is sent low byte first: "aa 91 36 8a" is 0x8A9136AA).
        Assert.Equal(0x8A9136AAu, JournalFormat.Crc32C(new byte[32]));
        Assert.Equal(0x62A8AB43u, JournalFormat.Crc32C(Enumerable.Repeat((byte)0xFF, 32).ToArray()));
        Assert.Equal(0x46DD794Eu, JournalFormat.Crc32C(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()));
        Assert.Equal(0x113FDB5Cu, JournalFormat.Crc32C(Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray()));
        // The customary check value of CRC-32C.
        Assert.Equal(0xE3069283u, JournalFormat.Crc32C("123456789"u8));
        // And it is not CRC-32 (IEEE), whose check value is 0xCBF43926.
        Assert.NotEqual(0xCBF43926u, JournalFormat.Crc32C("123456789"u8));
    }

    [Fact]
    public void A_record_is_laid_out_byte_for_byte_as_documented()
    {
        var buffer = new byte[64];
        int n = JournalFormat.WriteRecord(buffer, 0x0102030405060708, -559038737, 1002, [0xAA, 0xBB, 0xCC]);
        Assert.Equal(31, n);
        Assert.Equal(3, BinaryPrimitives.ReadInt32LittleEndian(buffer));
        Assert.Equal(0x0102030405060708, BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(4)));
        Assert.Equal(new byte[] { 0xEF, 0xBE, 0xAD, 0xDE }, buffer[12..16]); // session id 0xDEADBEEF, little-endian
        Assert.Equal(1002, BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(16)));
        Assert.Equal(JournalFormat.Crc32C(buffer.AsSpan(0, 20)), BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(20)));
        Assert.Equal(new byte[] { 0xAA, 0xBB, 0xCC }, buffer[24..27]);
        Assert.Equal(JournalFormat.Crc32C(buffer.AsSpan(0, 27)), BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(27)));
    }

    [Fact]
    public void A_segment_header_carries_magic_version_index_first_sequence_and_fingerprint()
    {
        var config = GateHostTests.LoopbackConfig();
        var fingerprint = ConfigFingerprint.Of(config);
        var header = new byte[64];
        JournalFormat.WriteSegmentHeader(header, 3, 1234, fingerprint.Bytes);
        Assert.Equal("CMJRNL03"u8.ToArray(), header[..8]);
        Assert.Equal(3, BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(8)));
        Assert.Equal(64, BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(10)));
        Assert.Equal(3, BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(12)));
        Assert.Equal(1234, BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(16)));
        Assert.True(fingerprint.Matches(header.AsSpan(24, 32)));
        Assert.Equal(JournalFormat.Crc32C(header.AsSpan(0, 60)), BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(60)));
    }

    [Fact]
    public void The_fingerprint_covers_what_shapes_state_and_nothing_else()
    {
        var config = GateHostTests.LoopbackConfig();
        var fp = ConfigFingerprint.Of(config);
        // Channels, rings, journal settings: same state, same fingerprint.
        Assert.Equal(fp, ConfigFingerprint.Of(config with { InboundRing = 1024, WaitStrategy = "busy-spin", JournalPath = "/x", Mtu = 9000 }));
        // Instruments reordered, a bracket changed, a capacity, a risk parameter: each changes it.
        Assert.NotEqual(fp, ConfigFingerprint.Of(config with { Instruments = [.. config.Instruments.Reverse()] }));
        var btc = config.Instruments[0];
        Assert.NotEqual(fp, ConfigFingerprint.Of(config with { Instruments = [btc with { Brackets = [.. btc.Brackets.Take(2)] }, config.Instruments[1]] }));
        Assert.NotEqual(fp, ConfigFingerprint.Of(config with { Capacities = config.Capacities with { Accounts = 65 } }));
        Assert.NotEqual(fp, ConfigFingerprint.Of(config with { InsuranceFund = config.InsuranceFund + 1 }));
        Assert.NotEqual(fp, ConfigFingerprint.Of(config with { Assets = [.. config.Assets.Skip(1)] }));
    }

    /// <summary>Whatever messages are appended, with whatever commits and segment size, they read back in order with sequences 1, 2, 3, …</summary>
    [Property(MaxTest = 40)]
    public Property Records_read_back_exactly_in_order_across_segments()
    {
        var message = Gen.Choose(1, 300).SelectMany(n => Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), n));
        var gen = from messages in Gen.ListOf(message).Select(l => l.ToList())
                  from segment in Gen.Choose(256, 4096)
                  from commitEvery in Gen.Choose(1, 20)
                  select (messages, segment, commitEvery);
        return Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (messages, segment, commitEvery) = t;
            string dir = JournalKit.NewDirectory();
            try
            {
                var options = JournalKit.Options(GateHostTests.LoopbackConfig(), segment);
                JournalKit.Write(dir, options, messages, commitEvery);
                var (scan, records) = JournalKit.ReadAll(dir, options.Fingerprint);
                Assert.Null(scan.Error);
                Assert.Null(scan.TornTail);
                Assert.Equal(messages.Count, records.Count);
                for (int i = 0; i < messages.Count; i++)
                {
                    Assert.Equal(i + 1, records[i].Sequence);
                    Assert.Equal(messages[i], records[i].Message);
                }
                // Every segment but a lone oversized record stays within the size; a segment holds at least one record.
                var segments = JournalKit.Segments(dir);
                foreach (var s in segments[..^1])
                {
                    long length = new FileInfo(s).Length;
                    Assert.True(length <= segment || length <= JournalFormat.SegmentHeaderLength + JournalFormat.RecordOverhead + 300, $"{s}: {length} > {segment}");
                }
                Assert.Equal(scan.Segments, segments.Length);
            }
            finally { JournalKit.Delete(dir); }
        });
    }

    [Fact]
    public void A_damaged_record_is_refused_naming_segment_offset_and_record()
    {
        string dir = JournalKit.NewDirectory();
        try
        {
            var options = JournalKit.Options(GateHostTests.LoopbackConfig());
            JournalKit.Write(dir, options, [.. Enumerable.Range(0, 5).Select(i => Enumerable.Repeat((byte)(i + 1), 10).ToArray())]);
            string segment = JournalKit.Segments(dir)[0];
            // Each record is 24 + 10 + 4 = 38 bytes after the 64-byte header: record 3 starts at 64 + 2 × 38 = 140.
            var bytes = File.ReadAllBytes(segment);
            Assert.Equal(64 + 5 * 38, bytes.Length);
            bytes[140 + 24 + 5] ^= 0x10; // a bit of record 3's message
            File.WriteAllBytes(segment, bytes);
            var error = JournalReader.Verify(dir).Error;
            Assert.NotNull(error);
            Assert.Equal(new JournalError(JournalErrorKind.BadRecordChecksum, "segment-00000000.cmj", 140, 3, "record checksum mismatch"), error);
            Assert.Equal("journal refused (BadRecordChecksum): segment-00000000.cmj at offset 140, record 3: record checksum mismatch", error.ToString());
            // Opening for append refuses it too, and cuts nothing.
            Assert.Equal(error, JournalWriter.TryOpen(dir, options, out var writer, out _));
            Assert.Null(writer);
            Assert.Equal(bytes, File.ReadAllBytes(segment));
            // A damaged length (record 5's, the last) is a damaged header, not a torn tail.
            bytes[140 + 24 + 5] ^= 0x10;
            bytes[64 + 4 * 38] ^= 0x40;
            File.WriteAllBytes(segment, bytes);
            Assert.Equal(new JournalError(JournalErrorKind.BadRecordHeader, "segment-00000000.cmj", 216, 5, "record header checksum mismatch"), JournalReader.Verify(dir).Error);
        }
        finally { JournalKit.Delete(dir); }
    }

    [Fact]
    public void A_missing_segment_is_refused()
    {
        string dir = JournalKit.NewDirectory();
        try
        {
            var config = GateHostTests.LoopbackConfig();
            var options = JournalKit.Options(config, segmentBytes: 256);
            JournalKit.Write(dir, options, JournalKit.Messages(config));
            var segments = JournalKit.Segments(dir);
            Assert.True(segments.Length >= 4);
            File.Delete(segments[2]);
            var error = JournalReader.Verify(dir).Error!;
            Assert.Equal(JournalErrorKind.MissingSegment, error.Kind);
            Assert.Equal("segment-00000002.cmj", error.Segment);
            File.Delete(segments[0]);
            File.Delete(segments[1]);
            // Starting later than record 1 (no snapshot to start from yet): replay refuses, naming the first record present.
            var replay = InputJournal.Replay(dir, config.BuildEngine(), options.Fingerprint);
            Assert.Equal(JournalErrorKind.StartsLate, replay.Error!.Kind);
        }
        finally { JournalKit.Delete(dir); }
    }

    [Fact]
    public void A_damaged_publisher_identity_is_a_damaged_record_header()
    {
        string dir = JournalKit.NewDirectory();
        try
        {
            var options = JournalKit.Options(GateHostTests.LoopbackConfig());
            using (var w = JournalWriter.Open(dir, options, out _))
            {
                Assert.Equal(AppendResult.Ok, w.Append(1, 7, 1001, [1, 2, 3]));
                Assert.Equal(AppendResult.Ok, w.Append(2, 8, 1002, [4, 5, 6]));
            }
            string segment = JournalKit.Segments(dir)[0];
            var bytes = File.ReadAllBytes(segment);
            bytes[64 + 12] ^= 0x01; // record 1's session id: 7 would read as 6, a message charged to another publisher
            File.WriteAllBytes(segment, bytes);
            Assert.Equal(new JournalError(JournalErrorKind.BadRecordHeader, "segment-00000000.cmj", 64, 1, "record header checksum mismatch"), JournalReader.Verify(dir).Error);
        }
        finally { JournalKit.Delete(dir); }
    }

    [Fact]
    public void A_version_2_segment_is_refused_by_name()
    {
        string dir = JournalKit.NewDirectory();
        try
        {
            var options = JournalKit.Options(GateHostTests.LoopbackConfig());
            Directory.CreateDirectory(dir);
            // A version 2 segment header: same layout, its own magic and version, a valid checksum.
            var header = new byte[JournalFormat.SegmentHeaderLength];
            JournalFormat.WriteSegmentHeader(header, 0, JournalFormat.FirstSequence, options.Fingerprint.Bytes);
            "CMJRNL02"u8.CopyTo(header);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), 2);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(60), JournalFormat.Crc32C(header.AsSpan(0, 60)));
            File.WriteAllBytes(Path.Combine(dir, JournalFormat.SegmentFileName(0)), header);
            var error = JournalReader.Verify(dir).Error!;
            Assert.Equal(JournalErrorKind.UnsupportedVersion, error.Kind);
            Assert.Equal("segment-00000000.cmj", error.Segment);
            Assert.Contains("format version 2 (records without the publisher's session and stream)", error.Detail, StringComparison.Ordinal);
            Assert.Equal(error, JournalWriter.TryOpen(dir, options, out var writer, out _));
            Assert.Null(writer);
            Assert.Equal(header, File.ReadAllBytes(Path.Combine(dir, JournalFormat.SegmentFileName(0)))); // nothing cut or rewritten
        }
        finally { JournalKit.Delete(dir); }
    }

    [Fact]
    public void The_old_single_file_format_is_refused_with_a_migration_note()
    {
        string path = JournalKit.NewDirectory();
        try
        {
            File.WriteAllBytes(path, "CMJRNL01"u8.ToArray());
            var error = JournalReader.Verify(path).Error!;
            Assert.Equal(JournalErrorKind.LegacySingleFile, error.Kind);
            Assert.Contains("single-file format (CMJRNL01)", error.Detail, StringComparison.Ordinal);
            Assert.Equal(error, JournalWriter.TryOpen(path, JournalKit.Options(GateHostTests.LoopbackConfig()), out _, out _));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void One_writer_per_journal()
    {
        string dir = JournalKit.NewDirectory();
        try
        {
            var options = JournalKit.Options(GateHostTests.LoopbackConfig());
            using var first = JournalWriter.Open(dir, options, out _);
            var error = JournalWriter.TryOpen(dir, options, out var second, out _);
            Assert.Equal(JournalErrorKind.Locked, error?.Kind);
            Assert.Null(second);
        }
        finally { JournalKit.Delete(dir); }
    }

    [Fact]
    public void Appends_out_of_sequence_or_of_bad_length_are_refused_and_write_nothing()
    {
        string dir = JournalKit.NewDirectory();
        try
        {
            using (var w = JournalWriter.Open(dir, JournalKit.Options(GateHostTests.LoopbackConfig()), out _))
            {
                Assert.Equal(AppendResult.OutOfSequence, w.Append(2, [1]));
                Assert.Equal(AppendResult.BadLength, w.Append(1, []));
                Assert.Equal(AppendResult.BadLength, w.Append(1, new byte[JournalFormat.MaxMessageLength + 1]));
                Assert.Equal(AppendResult.Ok, w.Append(1, [1]));
                Assert.Equal(AppendResult.OutOfSequence, w.Append(1, [1]));
            }
            Assert.Equal(1, JournalReader.Verify(dir).Records);
        }
        finally { JournalKit.Delete(dir); }
    }

    [Theory]
    [InlineData("none")]
    [InlineData("batch")]
    [InlineData("interval:5")]
    public void Each_durability_policy_reports_what_reached_the_os_and_the_disk(string text)
    {
        Assert.True(DurabilityPolicy.TryParse(text, out var policy, out _));
        Assert.Equal(text, policy.ToString());
        string dir = JournalKit.NewDirectory();
        try
        {
            using var w = JournalWriter.Open(dir, JournalKit.Options(GateHostTests.LoopbackConfig(), durability: policy), out _);
            for (int i = 0; i < 10; i++) Assert.Equal(AppendResult.Ok, w.Append(w.NextSequence, [1, 2, 3]));
            Assert.Equal(0, w.OsSequence); // buffered until the batch ends
            w.Commit();
            Assert.Equal(10, w.OsSequence);
            switch (policy.Mode)
            {
                case DurabilityMode.None: Assert.Equal(0, w.DurableSequence); break;
                case DurabilityMode.Batch: Assert.Equal(10, w.DurableSequence); break;
                default:
                    var until = DateTime.UtcNow.AddSeconds(10);
                    while (w.DurableSequence < 10 && DateTime.UtcNow < until) Thread.Sleep(1);
                    Assert.Equal(10, w.DurableSequence); // the background syncer got there
                    break;
            }
            Assert.Null(w.Fault);
        }
        finally { JournalKit.Delete(dir); }
    }

    [Theory]
    [InlineData("")]
    [InlineData("fsync")]
    [InlineData("interval:")]
    [InlineData("interval:0")]
    [InlineData("interval:60001")]
    [InlineData("interval:-5")]
    [InlineData("Batch")]
    public void A_bad_durability_policy_is_refused_with_the_accepted_forms(string text)
    {
        Assert.False(DurabilityPolicy.TryParse(text, out _, out var error));
        Assert.Equal($"'{text}' is not one of none, batch, interval:MS (MS an integer in 1..60000)", error);
    }
}
