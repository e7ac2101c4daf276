using CrossMargin.Core.Engine;
using CrossMargin.Core.Trigger;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CrossMargin.Core.Tests;

/// <summary>
/// Issue 9, item 2: an engine snapshot taken between any two inputs, loaded into an engine built
/// fresh from the same definitions, continues exactly as the engine it was taken from — same events
/// and same state hash after every later input — and a damaged snapshot is refused, never loaded.
/// </summary>
public class SnapshotTests
{
    private static byte[] Snapshot(RiskEngine engine, out ulong hash)
    {
        var ms = new MemoryStream();
        hash = engine.WriteSnapshot(ms);
        return ms.ToArray();
    }

    [Property(MaxTest = 30, Arbitrary = [typeof(ChoiceArbitraries)])]
    public void A_snapshot_at_a_random_point_loaded_and_continued_equals_the_uninterrupted_run(uint[] choices, bool scanMode, PositiveInt cut)
    {
        var mode = scanMode ? TriggerMode.Scan : TriggerMode.Index;
        const int Steps = 300;
        int at = cut.Get % Steps;
        var run = new Book(accounts: 12, trigger: mode);       // uninterrupted, never snapshotted
        var source = new Book(accounts: 12, trigger: mode);    // the engine the snapshot is taken from
        var flow = new RandomFlow(run, new ChoiceStream(choices), accounts: 10);
        for (long a = 1; a <= 10; a++) { run.Deposit(a, "2000"); source.Deposit(a, "2000"); }
        Book? loaded = null;
        for (int step = 0; step < Steps; step++)
        {
            if (step == at)
            {
                var bytes = Snapshot(source.Engine, out ulong sealedHash);
                Assert.Equal(run.Engine.StateHash(), sealedHash);
                loaded = new Book(accounts: 12, trigger: mode);
                Assert.Null(loaded.Engine.LoadSnapshot(new MemoryStream(bytes)));
                Assert.Equal(sealedHash, loaded.Engine.StateHash());
            }
            var input = flow.Next();
            var expected = run.Engine.Process(input);
            var events = run.Engine.Events.Span.ToArray();
            Assert.Equal(expected, source.Engine.Process(input));
            if (loaded is null) { flow.Observe(input, events); continue; }
            Assert.True(expected == loaded.Engine.Process(input), $"step {step} {input.Kind}: status differs after the load");
            var got = loaded.Engine.Events.Span;
            Assert.True(events.Length == got.Length, $"step {step} {input.Kind}: {events.Length} events vs {got.Length} after the load");
            for (int k = 0; k < events.Length; k++) Assert.True(events[k].Equals(got[k]), $"step {step} {input.Kind}: event {k} differs after the load");
            Assert.True(run.Engine.StateHash() == loaded.Engine.StateHash(), $"step {step} {input.Kind}: state hash differs after the load");
            flow.Observe(input, events);
        }
        Assert.NotNull(loaded);
        Assert.Equal(run.Engine.StateHash(), source.Engine.StateHash()); // taking a snapshot changed nothing
        Assert.Equal(run.Engine.Counters.TriggerPops, loaded!.Engine.Counters.TriggerPops);
        Assert.Equal(run.Engine.Counters.LiquidationOrders, loaded.Engine.Counters.LiquidationOrders);
        Assert.Null(loaded.Engine.VerifyCaches());
    }

    /// <summary>A populated engine: positions, open orders, isolated parts, collateral, liquidations.</summary>
    private static Book Populated(uint[] choices)
    {
        var book = new Book(accounts: 12);
        var flow = new RandomFlow(book, new ChoiceStream(choices), accounts: 10);
        for (long a = 1; a <= 10; a++) book.Deposit(a, "2000");
        for (int step = 0; step < 200; step++)
        {
            var input = flow.Next();
            book.Engine.Process(input);
            flow.Observe(input, book.Engine.Events.Span);
        }
        return book;
    }

    [Property(MaxTest = 100, Arbitrary = [typeof(ChoiceArbitraries)])]
    public void Any_single_flipped_bit_is_refused(uint[] choices, PositiveInt where, byte bit)
    {
        var bytes = Snapshot(Populated(choices).Engine, out _);
        int at = where.Get % bytes.Length;
        bytes[at] ^= (byte)(1 << (bit & 7));
        var error = new Book(accounts: 12).Engine.LoadSnapshot(new MemoryStream(bytes));
        Assert.NotNull(error);
        Assert.Equal(SnapshotLoadErrorKind.Damaged, error!.Kind);
    }

    [Property(MaxTest = 30, Arbitrary = [typeof(ChoiceArbitraries)])]
    public void A_truncated_snapshot_is_refused_as_truncated(uint[] choices, PositiveInt keep)
    {
        var bytes = Snapshot(Populated(choices).Engine, out _);
        var cut = bytes.AsSpan(0, keep.Get % bytes.Length).ToArray();
        var error = new Book(accounts: 12).Engine.LoadSnapshot(new MemoryStream(cut));
        Assert.NotNull(error);
        Assert.Contains("truncated", error!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_snapshot_of_another_configuration_or_into_a_used_engine_is_refused_by_name()
    {
        var book = new Book(accounts: 12);
        book.Deposit(1, "100");
        var bytes = Snapshot(book.Engine, out _);
        var other = new Book(accounts: 13).Engine.LoadSnapshot(new MemoryStream(bytes));
        Assert.Equal(SnapshotLoadErrorKind.Damaged, other!.Kind);
        Assert.Contains("capacities.accounts is 12, the engine being loaded has 13", other.Detail, StringComparison.Ordinal);
        var used = new Book(accounts: 12);
        used.Deposit(5, "1");
        Assert.Equal(SnapshotLoadErrorKind.EngineNotFresh, used.Engine.LoadSnapshot(new MemoryStream(bytes))!.Kind);
        var mode = new Book(accounts: 12, trigger: TriggerMode.Scan).Engine.LoadSnapshot(new MemoryStream(bytes));
        Assert.Contains("trigger mode", mode!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_snapshot_whose_checksums_pass_but_whose_state_differs_from_its_seal_is_refused()
    {
        // Re-checksummed after the change, as a buggy writer (not a flipped bit) would produce it.
        var book = new Book(accounts: 12);
        book.Deposit(1, "100");
        book.Deposit(2, "250");
        var bytes = Snapshot(book.Engine, out ulong hash);
        var changed = new Book(accounts: 12);
        changed.Deposit(1, "100");
        changed.Deposit(2, "251");
        var forged = Snapshot(changed.Engine, out _);
        // Swap in the first snapshot's seal (its last section: tag, hash, crc).
        bytes.AsSpan(bytes.Length - 16).CopyTo(forged.AsSpan(forged.Length - 16));
        var error = new Book(accounts: 12).Engine.LoadSnapshot(new MemoryStream(forged));
        Assert.Equal(SnapshotLoadErrorKind.HashMismatch, error!.Kind);
        Assert.Contains($"{hash:x16}", error.Detail, StringComparison.Ordinal);
    }
}
