using CrossMargin.Gate.Host;
using CrossMargin.Gate.Journal;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CrossMargin.Gate.Tests.JournalTests;

/// <summary>
/// Issue 10, item 1: the publisher-halts file. Replaying its records gives the publishers still halted;
/// any damage refuses the start with a message naming the file, the offset and the record.
/// </summary>
public class HaltJournalTests
{
    /// <summary>A halt (true) or resume (false) of publisher session 1..3 on stream 1002..1003.</summary>
    public static Arbitrary<(bool Halt, int Session, int Stream, int From, int Span)[]> Operations() =>
        (from halt in Gen.Frequency((3, Gen.Constant(true)), (2, Gen.Constant(false)))
         from session in Gen.Choose(1, 3)
         from stream in Gen.Choose(1002, 1003)
         from first in Gen.Choose(1, 1000)
         from span in Gen.Choose(0, 50)
         select (halt, session, stream, first, span)).ArrayOf().Where(a => a.Length <= 30).ToArbitrary();

    [Property(Arbitrary = [typeof(HaltJournalTests)], MaxTest = 40)]
    public void Reopening_gives_the_publishers_halted_and_not_resumed_since_with_their_latest_loss((bool Halt, int Session, int Stream, int From, int Span)[] operations)
    {
        string dir = JournalKit.NewDirectory();
        Directory.CreateDirectory(dir);
        try
        {
            var model = new List<(int Session, int Stream, long From, long To)>(); // in order of first halt
            using (var halts = HaltJournal.Open(dir, out var none))
            {
                Assert.Empty(none);
                foreach (var (halt, session, stream, from, span) in operations)
                {
                    int at = model.FindIndex(h => h.Session == session && h.Stream == stream);
                    if (halt)
                    {
                        Assert.True(halts.RecordHalt(session, stream, from, from + span));
                        if (at >= 0) model[at] = (session, stream, from, from + span);
                        else model.Add((session, stream, from, from + span));
                    }
                    else
                    {
                        Assert.True(halts.RecordResume(session, stream));
                        if (at >= 0) model.RemoveAt(at);
                    }
                }
                Assert.Equal(operations.Length, halts.Syncs); // every record synced on its own
            }
            var read = HaltJournal.ReadHalted(dir);
            Assert.Equal(model, read.Select(h => (h.SessionId, h.StreamId, h.FromSequence, h.ToSequence)).ToList());
            Assert.All(read, h => Assert.True(Math.Abs((DateTime.UtcNow - h.At).TotalMinutes) < 10));
            Assert.Equal(HaltJournal.HeaderLength + operations.Length * HaltJournal.RecordLength, new FileInfo(HaltJournal.PathFor(dir)).Length);
        }
        finally { JournalKit.Delete(dir); }
    }

    /// <summary>Any one bit flipped anywhere in the file (header or records) refuses it; the file is never half believed.</summary>
    [Property(MaxTest = 60)]
    public Property A_flipped_bit_anywhere_is_refused_never_read_as_other_halts() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            string dir = JournalKit.NewDirectory();
            Directory.CreateDirectory(dir);
            try
            {
                using (var halts = HaltJournal.Open(dir, out _))
                {
                    Assert.True(halts.RecordHalt(7, 1002, 3, 4));
                    Assert.True(halts.RecordHalt(8, 1002, 10, 12));
                    Assert.True(halts.RecordResume(7, 1002));
                }
                string path = HaltJournal.PathFor(dir);
                var bytes = File.ReadAllBytes(path);
                int bit = seed % (bytes.Length * 8);
                bytes[bit / 8] ^= (byte)(1 << (bit % 8));
                File.WriteAllBytes(path, bytes);
                var ex = Assert.Throws<JournalException>(() => HaltJournal.ReadHalted(dir));
                Assert.Contains(path, ex.Message);
                Assert.Contains("cannot tell which publishers are halted", ex.Message);
                int offset = bit / 8;
                if (offset >= HaltJournal.HeaderLength)
                {
                    long record = (offset - HaltJournal.HeaderLength) / HaltJournal.RecordLength + 1;
                    Assert.Contains($"at offset {HaltJournal.HeaderLength + (record - 1) * HaltJournal.RecordLength}, record {record}:", ex.Message);
                }
            }
            finally { JournalKit.Delete(dir); }
        });

    /// <summary>Whatever bytes the file holds (random, or a valid file cut or extended anywhere), reading it gives halts or a JournalException, nothing else.</summary>
    [Property(MaxTest = 100)]
    public Property Any_bytes_read_as_halts_or_a_refusal_and_nothing_else() =>
        Prop.ForAll(Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf().Where(a => a.Length < 300).ToArbitrary(), Gen.Choose(0, 200).ToArbitrary(), (noise, cut) =>
        {
            string dir = JournalKit.NewDirectory();
            Directory.CreateDirectory(dir);
            try
            {
                using (var halts = HaltJournal.Open(dir, out _))
                {
                    Assert.True(halts.RecordHalt(7, 1002, 3, 4));
                    Assert.True(halts.RecordHalt(8, 1002, 1, 1));
                }
                string path = HaltJournal.PathFor(dir);
                var valid = File.ReadAllBytes(path);
                foreach (var bytes in new[] { noise, valid[..Math.Min(cut, valid.Length)], [.. valid, .. noise] })
                {
                    File.WriteAllBytes(path, bytes);
                    try
                    {
                        var read = HaltJournal.ReadHalted(dir);
                        Assert.True(bytes.Length >= HaltJournal.HeaderLength && (bytes.Length - HaltJournal.HeaderLength) % HaltJournal.RecordLength == 0);
                        Assert.True(read.Count <= (bytes.Length - HaltJournal.HeaderLength) / HaltJournal.RecordLength);
                    }
                    catch (JournalException ex) { Assert.Contains(path, ex.Message); }
                }
            }
            finally { JournalKit.Delete(dir); }
        });

    [Fact]
    public void A_partial_record_or_a_short_header_is_refused_with_a_specific_message()
    {
        string dir = JournalKit.NewDirectory();
        Directory.CreateDirectory(dir);
        try
        {
            using (var halts = HaltJournal.Open(dir, out _)) Assert.True(halts.RecordHalt(7, 1002, 3, 4));
            string path = HaltJournal.PathFor(dir);
            var whole = File.ReadAllBytes(path);
            File.WriteAllBytes(path, [.. whole, .. whole.AsSpan(HaltJournal.HeaderLength, 17).ToArray()]); // a second record cut short
            var ex = Assert.Throws<JournalException>(() => HaltJournal.ReadHalted(dir));
            Assert.Equal(JournalErrorKind.Truncated, ex.Error.Kind);
            Assert.Equal($"journal refused (Truncated): {path} at offset 56, record 2: a partial publisher halt record (17 of 40 bytes: a write cut short); " +
                "the gate cannot tell which publishers are halted, so it does not start (inspect it: layout in docs/operator-guide.md; moving it aside starts the gate with no publisher halted)", ex.Message);
            // Open (for appending) refuses the same file: nothing is appended behind damage.
            Assert.Throws<JournalException>(() => HaltJournal.Open(dir, out _));

            File.WriteAllBytes(path, whole[..10]);
            ex = Assert.Throws<JournalException>(() => HaltJournal.ReadHalted(dir));
            Assert.Contains("publisher halt file of 10 bytes, shorter than its 16-byte header", ex.Message);
        }
        finally { JournalKit.Delete(dir); }
    }

    [Fact]
    public void A_gate_over_a_damaged_halt_file_does_not_start_and_says_which_record()
    {
        string dir = JournalKit.NewDirectory();
        try
        {
            var ports = CrossMargin.Gate.Tests.Cli.GateProcess.FreeUdpPorts(1);
            var config = GateHostTests.LoopbackConfig().WithJournal(dir) with
            {
                Recovery = new Config.ChannelConfig($"aeron:udp?endpoint=127.0.0.1:{ports[0]}", 1004),
            };
            using (var gate = GateHost.Start(config)) Assert.True(gate.Stop(TimeSpan.FromSeconds(10)));
            string path = HaltJournal.PathFor(dir);
            Assert.True(File.Exists(path)); // created at the first start with recovery on
            using (var halts = HaltJournal.Open(dir, out _))
            {
                Assert.True(halts.RecordHalt(7, 1002, 3, 4));
                Assert.True(halts.RecordResume(7, 1002));
            }
            var bytes = File.ReadAllBytes(path);
            bytes[HaltJournal.HeaderLength + HaltJournal.RecordLength + 5] ^= 0x40; // the resume's session id
            File.WriteAllBytes(path, bytes);
            var ex = Assert.Throws<JournalException>(() => GateHost.Start(config));
            Assert.Equal(JournalErrorKind.BadRecordChecksum, ex.Error.Kind);
            Assert.StartsWith($"journal refused (BadRecordChecksum): {path} at offset 56, record 2: publisher halt record checksum does not hold", ex.Message);
            // Nothing was left open: with the file moved aside the same journal starts (and no publisher is halted).
            File.Move(path, path + ".damaged");
            using var started = GateHost.Start(config);
            Assert.Empty(started.RestoredHalts);
            Assert.Equal(0, started.Counters.PublishersHalted.Value);
        }
        finally { JournalKit.Delete(dir); }
    }

    [Fact]
    public void Halts_on_record_refuse_a_start_without_order_flow_recovery_and_an_offline_resume_lifts_them()
    {
        string dir = JournalKit.NewDirectory();
        try
        {
            var config = GateHostTests.LoopbackConfig().WithJournal(dir);
            using (var gate = GateHost.Start(config)) Assert.True(gate.Stop(TimeSpan.FromSeconds(10)));
            using (var halts = HaltJournal.Open(dir, out _)) Assert.True(halts.RecordHalt(7, 1002, 3, 4));
            var ex = Assert.Throws<JournalException>(() => GateHost.Start(config));
            Assert.Equal(JournalErrorKind.HaltsUnenforceable, ex.Error.Kind);
            Assert.Contains("publisher session 7 stream 1002 halted since", ex.Message);
            Assert.Contains("but aeron.recovery is off", ex.Message);

            var output = new StringWriter();
            var notHalted = Assert.Throws<global::CrossMargin.Gate.Cli.CliException>(() => Operator.ResumeCommand.ExecuteOffline(dir, 8, 1002, output));
            Assert.Contains("publisher session 8 stream 1002 is not halted (halted: publisher session 7 stream 1002", notHalted.Message);
            Assert.Equal(0, Operator.ResumeCommand.ExecuteOffline(dir, 7, 1002, output));
            Assert.Contains("resumed (recorded in", output.ToString());
            Assert.Empty(HaltJournal.ReadHalted(dir));
            using var started = GateHost.Start(config); // nothing halted: recovery off is fine again
            // A running gate holds the journal: the offline resume refuses it.
            var busy = Assert.Throws<global::CrossMargin.Gate.Cli.CliException>(() => Operator.ResumeCommand.ExecuteOffline(dir, 0, 0, output));
            Assert.Contains("is in use by a running gate", busy.Message);
        }
        finally { JournalKit.Delete(dir); }
    }

    [Fact]
    public void A_restored_halt_moves_the_expectation_past_the_lost_range_only_when_it_lies_in_it()
    {
        var table = new PublisherSequences();
        var counters = new GateCounters();
        var recovery = new OrderFlowRecovery(table, counters, new RecoveryLimits(64, 1, 250, 3));
        // Publisher 7: the journal ended before its lost range 3..4 (next 3). Publisher 8: inputs past its range were journaled (next 20).
        Assert.True(table.Restore(new PublisherSequences.Entry(7, 1002, 2, 0, 2)));
        Assert.True(table.Restore(new PublisherSequences.Entry(8, 1002, 19, 2, 17)));
        Assert.True(recovery.RestoreHalt(new PublisherHalt(7, 1002, 3, 4, DateTime.UtcNow)));
        Assert.True(recovery.RestoreHalt(new PublisherHalt(8, 1002, 10, 11, DateTime.UtcNow)));
        Assert.True(recovery.RestoreHalt(new PublisherHalt(9, 1003, 1, 5, DateTime.UtcNow))); // never journaled: added, from 6 on
        Assert.Equal(3, recovery.Halted);
        Assert.Equal(3, counters.PublishersHalted.Value);
        Assert.Equal([new(7, 1002, 4, 2, 2), new(8, 1002, 19, 2, 17), new PublisherSequences.Entry(9, 1003, 5, 5, 0)], table.Entries());
        Assert.Equal((9, 1003, 1L, 5L), recovery.LastLoss);
        // Its next message is in order (no gap asked for again), and still halted.
        Assert.Equal(ArrivalAction.Apply, recovery.OnArrival(7, 1002, 5, new byte[12], out int slot));
        Assert.True(recovery.IsHalted(slot));
        Assert.Equal(0, recovery.Recovering);
        Assert.Equal(1, recovery.Resume(7, 1002));
        Assert.False(recovery.IsHalted(slot));
        Assert.Equal(0, counters.HaltRecordFaults.Value);
    }
}
