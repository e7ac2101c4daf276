using CrossMargin.Core.Engine;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Host;
using CrossMargin.Gate.Journal;
using CrossMargin.Messages;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CrossMargin.Gate.Tests.JournalTests;

/// <summary>
/// Issue 9, item 2: restart = the newest snapshot that proves itself + the journal tail after it, in
/// one pass over the journal, giving the state (and the publishers' sender sequences) of a full
/// replay; a damaged snapshot is refused by name and the restart falls back to an older one or to
/// the whole journal; the replica follows a journal being written and snapshots itself.
/// </summary>
public class SnapshotRestartTests
{
    private static readonly GateConfig Config = GateHostTests.LoopbackConfig();

    /// <summary>A snapshot after the first <paramref name="upTo"/> messages, as the replica would write it.</summary>
    private static SnapshotWritten SnapshotAfter(string dir, IReadOnlyList<byte[]> messages, int upTo, int keep = 10)
    {
        var engine = Config.BuildEngine();
        var publishers = new PublisherSequences();
        for (int i = 0; i < upTo; i++)
        {
            Assert.Equal(DecodeResult.Ok, InputCodec.TryDecode(messages[i], out RiskInput input, out long sender));
            engine.Process(input);
            publishers.Track(0, 0, sender);
        }
        return SnapshotFile.Write(dir, engine, upTo, ConfigFingerprint.Of(Config), publishers.Entries(), sync: false, keep: keep);
    }

    /// <summary>Sends inputs <paramref name="from"/>… (sender sequence = index + 1), taking decisions after each.</summary>
    private static void SendAll(GateHostTests.Peer peer, List<RiskInput> inputs, int from, int to = int.MaxValue)
    {
        var buffer = new byte[InputCodec.MaxLength];
        for (int i = from; i < Math.Min(to, inputs.Count); i++)
        {
            peer.Send(buffer.AsSpan(0, InputCodec.Encode(inputs[i], i + 1, buffer)));
            peer.Pump(() => true, TimeSpan.FromSeconds(1));
        }
    }

    private static (ulong Hash, PublisherSequences.Entry[] Publishers) FullReplay(string dir)
    {
        var table = new PublisherSequences();
        var engine = Config.BuildEngine();
        var replay = InputJournal.Replay(dir, engine, ConfigFingerprint.Of(Config), publishers: table);
        Assert.Null(replay.Error);
        return (engine.StateHash(), table.Entries());
    }

    [Property(MaxTest = 12)]
    public void Snapshot_at_any_point_plus_the_journal_tail_gives_the_state_and_sender_sequences_of_a_full_replay(PositiveInt point)
    {
        string dir = JournalKit.NewDirectory();
        try
        {
            var messages = JournalKit.Messages(Config);
            int at = point.Get % (messages.Count + 1);
            JournalKit.Write(dir, JournalKit.Options(Config, segmentBytes: 2048), messages); // several segments
            var written = SnapshotAfter(dir, messages, at);
            var (hash, publishers) = FullReplay(dir);

            Assert.Null(JournalRecovery.Replay(dir, ConfigFingerprint.Of(Config), () => Config.BuildEngine(), false, false, out var recovered));
            Assert.Equal(written.Path, recovered!.Report.Snapshot);
            Assert.Equal(at, recovered.Report.SnapshotSequence);
            Assert.Equal(messages.Count - at, recovered.Report.TailRecords);
            Assert.Equal(1, recovered.Report.JournalPasses);
            Assert.Equal(hash, recovered.Engine.StateHash());
            Assert.Equal(publishers, recovered.Publishers.Entries());

            // --from-start ignores it and reaches the same state.
            Assert.Null(JournalRecovery.Replay(dir, ConfigFingerprint.Of(Config), () => Config.BuildEngine(), false, true, out var full));
            Assert.Null(full!.Report.Snapshot);
            Assert.Equal(messages.Count, full.Report.TailRecords);
            Assert.Equal(hash, full.Engine.StateHash());
        }
        finally { JournalKit.Delete(dir); }
    }

    [Fact]
    public void A_restarted_gate_starts_from_the_newest_snapshot_and_equals_a_full_replay()
    {
        string dir = JournalKit.NewDirectory();
        try
        {
            var messages = JournalKit.Messages(Config);
            JournalKit.Write(dir, JournalKit.Options(Config), messages);
            SnapshotAfter(dir, messages, 60);
            var newest = SnapshotAfter(dir, messages, 150);
            var (hash, publishers) = FullReplay(dir);
            using var gate = GateHost.Start(Config.WithJournal(dir));
            Assert.Equal(newest.Path, gate.Restart!.Snapshot);
            Assert.Equal(messages.Count - 150, gate.Restart.TailRecords);
            Assert.Empty(gate.Restart.Refused);
            Assert.Equal(messages.Count, gate.Counters.Replayed.Value);
            Assert.Equal(publishers, gate.ReplayedPublishers);
            Assert.Equal(messages.Count + 1, gate.JournalOpened!.NextSequence);
            Assert.True(gate.Stop(TimeSpan.FromSeconds(10)));
            Assert.Equal(hash, gate.Engine.StateHash());
        }
        finally { JournalKit.Delete(dir); }
    }

    [Fact]
    public void A_gate_with_a_replica_snapshots_what_is_durable_and_its_restart_starts_from_the_newest()
    {
        string dir = JournalKit.NewDirectory();
        try
        {
            var config = Config.WithJournal(dir) with { JournalDurability = DurabilityPolicy.Batch, JournalSnapshots = new SnapshotPolicy(50, 0, Keep: 2) };
            var inputs = GateHostTests.Workload(config.BuildEngine());
            ulong expected;
            using (var gate = GateHost.Start(config))
            using (var peer = new GateHostTests.Peer(config))
            {
                Assert.NotNull(gate.Snapshots);
                peer.Pump(() => peer.OrderFlow.IsConnected && peer.Decisions.IsConnected, TimeSpan.FromSeconds(10));
                // Two halves, the replica caught up with each: it advances with the decided mark (every 100 ms), so
                // without the pause one poll could take every input and leave one due snapshot.
                int half = inputs.Count / 2;
                SendAll(peer, inputs, 0, half);
                peer.Pump(() => gate.ProcessorCounters.Inputs == half, TimeSpan.FromSeconds(30));
                Assert.True(gate.Snapshots!.WaitApplied(half, TimeSpan.FromSeconds(30)), gate.Snapshots.Fault);
                SendAll(peer, inputs, half);
                peer.Pump(() => gate.ProcessorCounters.Inputs == inputs.Count, TimeSpan.FromSeconds(30));
                Assert.True(gate.Snapshots!.WaitApplied(inputs.Count, TimeSpan.FromSeconds(30)), gate.Snapshots.Fault);
                Assert.True(gate.RequestSnapshot());
                peer.Pump(() => gate.Snapshots.Last?.InputSequence == inputs.Count, TimeSpan.FromSeconds(30));
                Assert.True(gate.Stop(TimeSpan.FromSeconds(10)));
                Assert.Null(gate.Snapshots.Fault);
                // Due ones at the replica's poll boundaries after every 50 (one per half at least), then the requested one (or it was held already).
                Assert.True(gate.Snapshots.Written >= 2, $"{gate.Snapshots.Written} snapshots for {inputs.Count} inputs every 50");
                expected = gate.Engine.StateHash();
            }
            var kept = SnapshotFile.List(dir);
            Assert.Equal(2, kept.Count);
            Assert.Equal(inputs.Count, kept[0].InputSequence);
            using var restarted = GateHost.Start(config);
            Assert.True(kept[0].Path == restarted.Restart!.Snapshot, string.Join("; ", restarted.Restart.Refused));
            Assert.Equal(0, restarted.Restart.TailRecords);
            Assert.True(restarted.Stop(TimeSpan.FromSeconds(10)));
            Assert.Equal(expected, restarted.Engine.StateHash());
        }
        finally { JournalKit.Delete(dir); }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_gate_restarted_from_a_snapshot_processes_new_inputs_as_an_uninterrupted_engine(bool replica)
    {
        string dir = JournalKit.NewDirectory();
        try
        {
            var messages = JournalKit.Messages(Config);
            var inputs = GateHostTests.Workload(Config.BuildEngine());
            const int Before = 100;
            JournalKit.Write(dir, JournalKit.Options(Config), messages.Take(Before).ToList());
            SnapshotAfter(dir, messages, Before);
            var config = Config.WithJournal(dir) with { JournalSnapshots = replica ? new SnapshotPolicy(30, 0) : null };
            using var gate = GateHost.Start(config);
            using var peer = new GateHostTests.Peer(config);
            Assert.Equal(Before, gate.Restart!.SnapshotSequence);
            peer.Pump(() => peer.OrderFlow.IsConnected && peer.Decisions.IsConnected, TimeSpan.FromSeconds(10));
            SendAll(peer, inputs, Before);
            peer.Pump(() => gate.ProcessorCounters.Inputs == inputs.Count - Before, TimeSpan.FromSeconds(30));
            Assert.True(gate.Stop(TimeSpan.FromSeconds(10)));
            Assert.Equal(JournalKit.HashOf(Config, messages), gate.Engine.StateHash());
        }
        finally { JournalKit.Delete(dir); }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_gate_restarted_from_its_replicas_snapshot_under_the_crash_tests_load_equals_the_inputs_applied_directly(bool replicaSecond)
    {
        string dir = JournalKit.NewDirectory();
        try
        {
            var ports = Cli.GateProcess.FreeUdpPorts(3);
            var config = GateConfig.Parse(Cli.CrashRestartTests.RunConfigJson(ports)).WithJournal(dir) with { JournalSnapshots = new SnapshotPolicy(300, 0) };
            var reference = config.BuildEngine();
            int btc = reference.FindInstrument("BTC-PERP"), eth = reference.FindInstrument("ETH-PERP");
            var buffer = new byte[InputCodec.MaxLength];
            void Run(GateConfig c, long from, long to)
            {
                using var gate = GateHost.Start(c);
                using var peer = new GateHostTests.Peer(c);
                peer.Pump(() => peer.OrderFlow.IsConnected && peer.Decisions.IsConnected, TimeSpan.FromSeconds(10));
                for (long i = from; i < to; i++)
                {
                    peer.Send(buffer.AsSpan(0, InputCodec.Encode(Cli.CrashRestartTests.InputAt(i, btc, eth), i + 1, buffer)));
                    if (i % 1024 == 0) peer.Pump(() => true, TimeSpan.FromSeconds(1));
                }
                peer.Pump(() => gate.ProcessorCounters.Inputs == to - from, TimeSpan.FromSeconds(30));
                if (c.JournalSnapshots is not null) gate.Snapshots!.WaitApplied(to, TimeSpan.FromSeconds(30));
                Assert.True(gate.Stop(TimeSpan.FromSeconds(10)));
                var direct = c.BuildEngine();
                for (long i = 0; i < to; i++) direct.Process(Cli.CrashRestartTests.InputAt(i, btc, eth));
                Assert.True(direct.StateHash() == gate.Engine.StateHash(), $"after {to}: gate differs from direct; recovery {gate.Restart}");
            }
            Run(config, 0, 30000);
            Assert.NotEmpty(SnapshotFile.List(dir));
            Run(replicaSecond ? config : config with { JournalSnapshots = null }, 30000, 40000);
        }
        finally { JournalKit.Delete(dir); }
    }

    [Property(MaxTest = 25)]
    public void A_flipped_bit_anywhere_in_the_newest_snapshot_is_refused_and_the_restart_falls_back_to_the_older_one(PositiveInt where, byte bit)
    {
        string dir = JournalKit.NewDirectory();
        try
        {
            var messages = JournalKit.Messages(Config);
            JournalKit.Write(dir, JournalKit.Options(Config), messages);
            var older = SnapshotAfter(dir, messages, 80);
            var newest = SnapshotAfter(dir, messages, 170);
            var bytes = File.ReadAllBytes(newest.Path);
            int at = where.Get % bytes.Length;
            bytes[at] ^= (byte)(1 << (bit & 7));
            File.WriteAllBytes(newest.Path, bytes);

            Assert.Null(JournalRecovery.Replay(dir, ConfigFingerprint.Of(Config), () => Config.BuildEngine(), false, false, out var recovered));
            Assert.Equal(older.Path, recovered!.Report.Snapshot);
            var refused = Assert.Single(recovered.Report.Refused);
            Assert.StartsWith(Path.GetFileName(newest.Path) + ": ", refused, StringComparison.Ordinal);
            Assert.Equal(messages.Count - 80, recovered.Report.TailRecords);
            Assert.Equal(FullReplay(dir).Hash, recovered.Engine.StateHash());
        }
        finally { JournalKit.Delete(dir); }
    }

    [Fact]
    public void With_every_snapshot_damaged_or_ahead_of_the_journal_the_restart_replays_the_whole_journal()
    {
        string dir = JournalKit.NewDirectory();
        try
        {
            var messages = JournalKit.Messages(Config);
            JournalKit.Write(dir, JournalKit.Options(Config), messages.Take(100).ToList());
            var truncated = SnapshotAfter(dir, messages, 50);
            using (var f = new FileStream(truncated.Path, FileMode.Open)) f.SetLength(f.Length - 3);
            SnapshotAfter(dir, messages, 120); // inputs the journal does not have (lost with a torn tail, say)
            using var gate = GateHost.Start(Config.WithJournal(dir));
            var report = gate.Restart!;
            Assert.Null(report.Snapshot);
            Assert.Equal(2, report.Refused.Count);
            Assert.Contains("ahead of the journal (input 120, the journal ends at 100)", report.Refused[0], StringComparison.Ordinal);
            Assert.Contains("truncated", report.Refused[1], StringComparison.Ordinal);
            Assert.Equal(2, report.JournalPasses);
            Assert.Equal(100, report.TailRecords);
            Assert.True(gate.Stop(TimeSpan.FromSeconds(10)));
            Assert.Equal(JournalKit.HashOf(Config, messages.Take(100)), gate.Engine.StateHash());
        }
        finally { JournalKit.Delete(dir); }
    }

    [Fact]
    public void A_snapshot_of_another_configuration_is_refused_by_its_fingerprint()
    {
        string dir = JournalKit.NewDirectory();
        try
        {
            var messages = JournalKit.Messages(Config);
            JournalKit.Write(dir, JournalKit.Options(Config), messages);
            SnapshotAfter(dir, messages, 100);
            var other = Config with { Capacities = Config.Capacities with { Accounts = Config.Capacities.Accounts + 1 } };
            // The journal under another config only with --accept-config-change; its snapshots never (another state layout).
            Assert.Null(JournalRecovery.Replay(dir, ConfigFingerprint.Of(other), () => other.BuildEngine(), true, false, out var recovered));
            Assert.Null(recovered!.Report.Snapshot);
            Assert.Contains("taken under config fingerprint", Assert.Single(recovered.Report.Refused), StringComparison.Ordinal);
            Assert.Equal(messages.Count, recovered.Report.TailRecords);
            Assert.Equal(JournalKit.HashOf(other, messages), recovered.Engine.StateHash());
        }
        finally { JournalKit.Delete(dir); }
    }

    [Fact]
    public void The_tail_follows_a_journal_while_it_is_written_across_segments()
    {
        string dir = JournalKit.NewDirectory();
        try
        {
            var messages = JournalKit.Messages(Config);
            using var w = JournalWriter.Open(dir, JournalKit.Options(Config, segmentBytes: 1024), out _);
            Assert.Null(JournalTail.TryOpen(dir, 1, out var tail));
            using (tail)
            {
                var seen = new Seen { Records = [] };
                for (int i = 0; i < messages.Count; i++)
                {
                    Assert.Equal(AppendResult.Ok, w.Append(w.NextSequence, messages[i]));
                    if (i % 5 == 4) w.Commit();
                    Assert.True(tail!.Poll(w.OsSequence, 3, ref seen, out var error) >= 0, error);
                }
                w.Commit();
                while (tail!.NextSequence <= w.OsSequence) Assert.True(tail.Poll(w.OsSequence, 64, ref seen, out var error) >= 0, error);
                Assert.True(JournalKit.Segments(dir).Length > 3);
                Assert.Equal(messages.Count, seen.Records.Count);
                for (int i = 0; i < messages.Count; i++) Assert.Equal(messages[i], seen.Records[i]);
            }
            // Started mid-journal, it begins at the record asked for.
            Assert.Null(JournalTail.TryOpen(dir, 100, out var mid));
            using (mid)
            {
                var seen = new Seen { Records = [] };
                Assert.Equal(5, mid!.Poll(104, 64, ref seen, out _));
                Assert.Equal(messages[99], seen.Records[0]);
            }
        }
        finally { JournalKit.Delete(dir); }
    }

    /// <summary>
    /// An operator's request before the replica has anything (right after start, or before the inputs the gate
    /// journaled reach it) is not dropped as "the newest snapshot holds this state": it is served once the replica
    /// has applied what the journal held when it was made (SnapshotCrashRestartTests waited in vain for it under load).
    /// </summary>
    [Fact]
    public void A_request_before_the_replica_applied_anything_waits_for_the_inputs_and_is_served()
    {
        string dir = JournalKit.NewDirectory();
        try
        {
            var messages = JournalKit.Messages(Config);
            using var w = JournalWriter.Open(dir, JournalKit.Options(Config), out _);
            long visible = 0; // what the replica may read: held back to order the request before the inputs reach it
            using var replica = new SnapshotReplica(dir, () => Config.BuildEngine(), ConfigFingerprint.Of(Config), () => Volatile.Read(ref visible),
                new SnapshotPolicy(1000, 0, Keep: 2), null, sync: false);
            replica.Request(); // nothing journaled, no snapshot
            for (int k = 0; k < 10; k++) Assert.Equal(AppendResult.Ok, w.Append(w.NextSequence, messages[k]));
            w.Commit();
            Thread.Sleep(20);
            Assert.Equal(0, replica.Written); // nothing to snapshot yet: the request waits
            Volatile.Write(ref visible, 10);
            var sw = System.Diagnostics.Stopwatch.StartNew();
            while (replica.Written == 0 && sw.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(2);
            Assert.Equal(1, replica.Written);
            Assert.True(replica.Last!.InputSequence >= 1, $"snapshot at input {replica.Last.InputSequence}");
            // A request whose inputs the replica has not applied yet is served once it has them.
            for (int k = 10; k < 20; k++) Assert.Equal(AppendResult.Ok, w.Append(w.NextSequence, messages[k]));
            w.Commit();
            Assert.True(replica.WaitApplied(10, TimeSpan.FromSeconds(30)));
            Volatile.Write(ref visible, 20);
            replica.Request();
            sw.Restart();
            while (replica.Written < 2 && sw.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(2);
            Assert.Equal(20, replica.Last!.InputSequence);
            Assert.Null(replica.Fault);
        }
        finally { JournalKit.Delete(dir); }
    }

    [Fact]
    public void The_replica_follows_the_journal_snapshots_every_n_inputs_and_on_request_and_keeps_the_last_k()
    {
        string dir = JournalKit.NewDirectory();
        try
        {
            var messages = JournalKit.Messages(Config);
            var fingerprint = ConfigFingerprint.Of(Config);
            using var w = JournalWriter.Open(dir, JournalKit.Options(Config), out _);
            var written = new List<SnapshotWritten>();
            using (var replica = new SnapshotReplica(dir, () => Config.BuildEngine(), fingerprint, () => w.OsSequence, new SnapshotPolicy(40, 0, Keep: 2), null, sync: false))
            {
                replica.SnapshotWritten += s => { lock (written) written.Add(s); };
                var sw = System.Diagnostics.Stopwatch.StartNew();
                void Append(int count)
                {
                    for (int k = 0; k < count; k++) Assert.Equal(AppendResult.Ok, w.Append(w.NextSequence, messages[(int)w.NextSequence - 1]));
                    w.Commit();
                    Assert.True(replica.WaitApplied(w.OsSequence, TimeSpan.FromSeconds(30)), replica.Fault);
                }
                void WaitWritten(int n)
                {
                    while (replica.Written < n && sw.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(2);
                    Assert.True(replica.Written == n, $"{replica.Written} snapshots written, expected {n}; fault: {replica.Fault}");
                }
                for (int round = 1; round <= 3; round++)
                {
                    Append(25);
                    Thread.Sleep(20);
                    Assert.Equal(round - 1, replica.Written); // 25 inputs since the last: not due yet
                    Append(20);
                    WaitWritten(round);
                }
                Append(5);
                replica.Request(); // 5 inputs since the last: only the request makes one
                WaitWritten(4);
                Assert.Null(replica.Fault);
            }
            lock (written)
            {
                Assert.Equal([45L, 90, 135, 140], written.Select(s => s.InputSequence).ToArray());
            }
            var kept = SnapshotFile.List(dir);
            Assert.Equal(2, kept.Count);
            Assert.Equal(140, kept[0].InputSequence);
            Assert.Equal(135, kept[1].InputSequence);
            foreach (var (sequence, path) in kept)
            {
                var engine = Config.BuildEngine();
                Assert.Null(SnapshotFile.TryLoad(path, fingerprint, engine, out var header));
                Assert.Equal(JournalKit.HashOf(Config, messages.Take((int)sequence)), engine.StateHash());
                Assert.Equal(sequence, Assert.Single(header!.Publishers).LastSequence);
            }
        }
        finally { JournalKit.Delete(dir); }
    }

    [Theory]
    [InlineData("\"60s\"", 0, 60)]
    [InlineData("1000000", 1_000_000, 0)]
    [InlineData("\"250000\"", 250_000, 0)]
    [InlineData("\"request\"", 0, 0)]
    public void Snapshot_policies_parse(string every, long inputs, int seconds)
    {
        var config = GateConfig.Parse(GateConfig.DefaultJson().Replace("\"threads\":", $"\"journal\": {{ \"path\": \"j\", \"snapshotEvery\": {every}, \"snapshotKeep\": 5 }},\n  \"threads\":"));
        Assert.Equal(new SnapshotPolicy(inputs, seconds, 5), config.JournalSnapshots);
    }

    [Theory]
    [InlineData("\"soon\"", "config.journal.snapshotEvery: 'soon' is not a number of inputs")]
    [InlineData("\"0s\"", "config.journal.snapshotEvery: '0s' is not a number")]
    [InlineData("0", "config.journal.snapshotEvery: must be an integer in 1..")]
    public void Bad_snapshot_policies_are_refused_by_name(string every, string message)
    {
        var ex = Assert.Throws<GateConfigException>(() => GateConfig.Parse(GateConfig.DefaultJson().Replace("\"threads\":", $"\"journal\": {{ \"path\": \"j\", \"snapshotEvery\": {every} }},\n  \"threads\":")));
        Assert.StartsWith(message, ex.Message, StringComparison.Ordinal);
    }

    private struct Seen : IJournalVisitor
    {
        public List<byte[]> Records;

        public readonly string? OnRecord(long sequence, int sessionId, int streamId, ReadOnlySpan<byte> message)
        {
            Records.Add(message.ToArray());
            return null;
        }
    }
}

/// <summary>
/// The replica shares the process with the risk thread, so its garbage would bring GCs that stop every
/// thread: following the journal allocates nothing per record, and a snapshot write only its file
/// buffer and a few small objects — the same at 5,000 accounts as at 40.
/// </summary>
public class SnapshotAllocationTests
{
    [Fact]
    public void Following_the_journal_allocates_nothing_and_a_snapshot_write_a_bounded_few_kilobytes()
    {
        string dir = JournalKit.NewDirectory();
        try
        {
            var config = GateHostTests.LoopbackConfig();
            var messages = JournalKit.Messages(config);
            string journal = Path.Combine(dir, "journal");
            JournalKit.Write(journal, JournalKit.Options(config), messages);
            // Warm-up over every record on a throwaway engine first: the rules' one-time static set-up
            // (first order, first liquidation, first query) is not a per-record cost.
            Assert.Null(JournalTail.TryOpen(journal, 1, out var warm));
            using (warm)
            {
                var warmApply = new InputJournal.Apply(config.BuildEngine(), new PublisherSequences());
                Assert.Equal(messages.Count, warm!.Poll(messages.Count, 10_000, ref warmApply, out _));
            }
            var engine = config.BuildEngine();
            Assert.Null(JournalTail.TryOpen(journal, 1, out var tail));
            using (tail)
            {
                var apply = new InputJournal.Apply(engine, new PublisherSequences());
                Assert.Equal(10, tail!.Poll(10, 100, ref apply, out _)); // warm-up (JIT, first segment read)
                long before = GC.GetAllocatedBytesForCurrentThread();
                int n = tail.Poll(messages.Count, 10_000, ref apply, out string? error);
                long followed = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.True(n == messages.Count - 10, error);
                Assert.Equal(0, followed);
            }
            var fingerprint = ConfigFingerprint.Of(config);
            var big = (config with { Capacities = config.Capacities with { Accounts = 6000 } }).BuildEngine();
            for (long a = 1; a <= 5000; a++) big.Process(new RiskInput { Kind = InputKind.Deposit, Account = a, Asset = 0, Amount = 1_000_000 });
            long[] costs = new long[2];
            var engines = new[] { engine, big };
            for (int k = 0; k < 2; k++)
            {
                SnapshotFile.Write(dir, engines[k], 1, fingerprint, [], sync: false); // warm-up
                long before = GC.GetAllocatedBytesForCurrentThread();
                SnapshotFile.Write(dir, engines[k], 2, fingerprint, [new PublisherSequences.Entry(1, 2, 3, 0, 3)], sync: false);
                costs[k] = GC.GetAllocatedBytesForCurrentThread() - before;
            }
            Assert.True(costs[0] < 96 * 1024 && costs[1] < 96 * 1024, $"a snapshot write allocated {costs[0]:N0} B (40 accounts) and {costs[1]:N0} B (5,000 accounts)");
        }
        finally { JournalKit.Delete(dir); }
    }
}
