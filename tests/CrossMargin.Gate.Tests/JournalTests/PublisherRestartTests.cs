using System.Diagnostics;
using CrossMargin.Aeron;
using CrossMargin.Aeron.Client;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Host;
using CrossMargin.Gate.Journal;
using CrossMargin.Messages;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CrossMargin.Gate.Tests.JournalTests;

/// <summary>
/// Issue 9, item 3: sender sequences per publisher persist across a restart. Each journal record carries
/// the publisher (Aeron session and stream) its input came from, and the start-up replay rebuilds the
/// table from it, so a restarted gate expects every publisher's next number.
/// </summary>
public class PublisherRestartTests
{
    private const int SessionA = 101, SessionB = 202;

    [Fact]
    public void A_gate_restarted_over_its_journal_expects_each_publishers_next_number()
    {
        string journal = JournalKit.NewDirectory();
        try
        {
            var config = GateHostTests.LoopbackConfig().WithJournal(journal);
            int stream = config.OrderFlow.StreamId;
            var inputs = GateHostTests.Workload(config.BuildEngine());
            var buffer = new byte[InputCodec.MaxLength];
            int next = 0;
            byte[] Encode(long senderSequence) => buffer[..InputCodec.Encode(inputs[next++ % inputs.Count], senderSequence, buffer)];

            // First run: A sends 1..4, B sends 1..4, interleaved.
            using (var gate = GateHost.Start(config))
            using (var exchange = new Exchange(config))
            {
                for (long s = 1; s <= 4; s++)
                {
                    exchange.Send(exchange.A, Encode(s), () => gate.ProcessorCounters.Inputs == 2 * s - 1); // a fixed interleaving
                    exchange.Send(exchange.B, Encode(s), () => gate.ProcessorCounters.Inputs == 2 * s);
                }
                Assert.True(gate.Stop(TimeSpan.FromSeconds(10)));
                Assert.Equal(0, gate.Counters.SequenceGaps.Value);
            }

            // Restart: the replay restores both publishers before anything new is heard.
            using var restarted = GateHost.Start(config);
            Assert.Equal(8, restarted.Counters.Replayed.Value);
            Assert.Equal(
                [new PublisherSequences.Entry(SessionA, stream, 4, 0, 4), new PublisherSequences.Entry(SessionB, stream, 4, 0, 4)],
                restarted.ReplayedPublishers);
            // A continues with 5, 6; B skipped 5, 6, 7 while the gate was down and goes on with 8.
            using (var exchange = new Exchange(config))
            {
                exchange.Send(exchange.A, Encode(5), () => restarted.ProcessorCounters.Inputs == 1);
                exchange.Send(exchange.A, Encode(6), () => restarted.ProcessorCounters.Inputs == 2);
                exchange.Send(exchange.B, Encode(8), () => restarted.ProcessorCounters.Inputs == 3);
                Assert.True(restarted.Stop(TimeSpan.FromSeconds(10)));
            }
            Assert.Equal(3, restarted.Counters.SequenceGaps.Value); // exactly B's three, none of A's
            Assert.Equal(
                [new PublisherSequences.Entry(SessionA, stream, 6, 0, 6), new PublisherSequences.Entry(SessionB, stream, 8, 3, 5)],
                restarted.Publishers.Entries());
        }
        finally { JournalKit.Delete(journal); }
    }

    /// <summary>A test-side exchange: two order-flow publications (sessions A and B) on one driver, keeping their session ids across gate restarts.</summary>
    private sealed class Exchange : IDisposable
    {
        private readonly EmbeddedDriver _driver = new();
        public readonly ExclusivePublication A, B;

        public Exchange(GateConfig config)
        {
            A = _driver.AddPublication($"{config.OrderFlow.Channel}|session-id={SessionA}", config.OrderFlow.StreamId);
            B = _driver.AddPublication($"{config.OrderFlow.Channel}|session-id={SessionB}", config.OrderFlow.StreamId);
            Pump(() => A.IsConnected && B.IsConnected);
        }

        /// <summary>Offers <paramref name="message"/> on <paramref name="publication"/>, then runs the driver until <paramref name="until"/>.</summary>
        public void Send(ExclusivePublication publication, byte[] message, Func<bool> until)
        {
            Pump(() => publication.Offer(message) >= 0);
            Pump(until);
        }

        private void Pump(Func<bool> until)
        {
            var sw = Stopwatch.StartNew();
            while (!until())
            {
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), "timed out");
                if (_driver.DoWork() == 0) Thread.Yield();
            }
        }

        public void Dispose() => _driver.Dispose();
    }

    /// <summary>Per publisher: how many messages it sent before the restart, and how many numbers it skips after it.</summary>
    private static readonly Gen<(int Before, int Skipped)[]> Publishers =
        Gen.Zip(Gen.Choose(1, 6), Gen.Choose(0, 5)).ArrayOf().Where(p => p.Length is > 0 and <= 5);

    [Property(MaxTest = 40)]
    public Property Replay_rebuilds_every_publishers_expectation_and_charges_each_skip_to_its_publisher() =>
        Prop.ForAll(Publishers.ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (publishers, order) =>
        {
            string dir = JournalKit.NewDirectory();
            try
            {
                var config = GateHostTests.LoopbackConfig();
                var messages = JournalKit.Messages(config);
                var buffer = new byte[InputCodec.MaxLength];
                // Publisher p is session p + 1 on stream 1000 + p % 2; its messages are interleaved with the others' in an order the seed picks.
                var sent = new int[publishers.Length];
                int total = publishers.Sum(p => p.Before), seed = order;
                using (var w = JournalWriter.Open(dir, JournalKit.Options(config), out _))
                {
                    for (int n = 0; n < total; n++)
                    {
                        int p = seed % publishers.Length;
                        while (sent[p] == publishers[p].Before) p = (p + 1) % publishers.Length;
                        seed = seed / 2 + p;
                        sent[p]++;
                        Assert.True(InputCodec.TryDecode(messages[n % messages.Count], out var input, out _) == DecodeResult.Ok);
                        int length = InputCodec.Encode(input, sent[p], buffer);
                        Assert.Equal(AppendResult.Ok, w.Append(w.NextSequence, p + 1, 1000 + p % 2, buffer.AsSpan(0, length)));
                    }
                }
                var table = new PublisherSequences();
                var replay = InputJournal.Replay(dir, config.BuildEngine(), ConfigFingerprint.Of(config), publishers: table);
                Assert.Null(replay.Error);
                // After the restart each publisher sends the number after the ones it skipped.
                for (int p = 0; p < publishers.Length; p++)
                    Assert.Equal(publishers[p].Skipped, table.Track(p + 1, 1000 + p % 2, publishers[p].Before + publishers[p].Skipped + 1));
                var entries = table.Entries().OrderBy(e => e.SessionId).ToArray();
                Assert.Equal(publishers.Length, entries.Length);
                for (int p = 0; p < publishers.Length; p++)
                    Assert.Equal(new PublisherSequences.Entry(p + 1, 1000 + p % 2, publishers[p].Before + publishers[p].Skipped + 1, publishers[p].Skipped, publishers[p].Before + 1), entries[p]);
            }
            finally { JournalKit.Delete(dir); }
        });
}
