using System.Text;
using CrossMargin.Core.Engine;
using CrossMargin.Scenario;
using CrossMargin.Core.Trigger;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CrossMargin.Core.Tests;

/// <summary>
/// Issue 8, item 3: the trigger index and today's holder scan are two implementations of one state
/// machine. Fed the same inputs they give byte-identical outputs and equal state hashes after every
/// input — over every worked example and random input streams (the 10k-account cascade runs them
/// in lockstep too, see <see cref="CascadeSimulationTests"/>).
/// </summary>
public class TriggerEquivalenceTests
{
    /// <summary>Two engines, one per trigger mode, fed line by line; every line's rendered events and the state hashes are compared.</summary>
    internal static string RunLockstep(IReadOnlyList<string> lines)
    {
        var cap = ScenarioRunner.CapacitiesFor(lines);
        var index = new RiskEngine(cap, trigger: TriggerMode.Index);
        var scan = new RiskEngine(cap, trigger: TriggerMode.Scan);
        var (pi, ps) = (new ScenarioParser(index), new ScenarioParser(scan));
        var (ji, js) = (new EventJson(index), new EventJson(scan));
        var output = new StringBuilder();
        for (int n = 0; n < lines.Count; n++)
        {
            bool oki = pi.TryParse(lines[n], out var kind, out var input, out var errI);
            bool oks = ps.TryParse(lines[n], out _, out var inputS, out var errS);
            Assert.Equal((oki, errI), (oks, errS));
            if (!oki) break;
            if (kind != LineKind.Input) continue;
            var si = index.Process(input);
            Assert.Equal(si, scan.Process(inputS));
            if (si != ProcessStatus.Applied) break;
            string a = Render(ji, index, pi.LastInstrumentId), b = Render(js, scan, ps.LastInstrumentId);
            Assert.True(a == b, $"line {n + 1}: index and scan outputs differ\nindex: {a}\nscan:  {b}");
            Assert.True(index.StateHash() == scan.StateHash(), $"line {n + 1}: state hashes differ");
            output.Append(a);
        }
        return output.ToString();
    }

    private static string Render(EventJson json, RiskEngine engine, string? lastInstrument)
    {
        var sb = new StringBuilder();
        foreach (ref readonly var e in engine.Events.Span) { json.Write(sb, e, lastInstrument); sb.Append('\n'); }
        return sb.ToString();
    }

    [Theory]
    [MemberData(nameof(ScenarioExampleTests.Examples), MemberType = typeof(ScenarioExampleTests))]
    public void Every_worked_example_gives_identical_output_and_state_hash_in_both_modes_after_every_line(string name)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "Scenarios");
        string output = RunLockstep(File.ReadAllLines(Path.Combine(dir, name + ".jsonl")));
        Assert.Equal(File.ReadAllText(Path.Combine(dir, name + ".expected.jsonl")), output);
    }

    [Theory]
    [MemberData(nameof(ScenarioExampleTests.Examples), MemberType = typeof(ScenarioExampleTests))]
    public void The_scenario_runner_gives_the_expected_output_in_both_modes(string name)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "Scenarios");
        var lines = File.ReadAllLines(Path.Combine(dir, name + ".jsonl"));
        var outputs = new[] { TriggerMode.Index, TriggerMode.Scan }.Select(mode =>
        {
            var stdout = new StringWriter { NewLine = "\n" };
            ScenarioRunner.Run(lines, stdout, new StringWriter(), trigger: mode);
            return stdout.ToString();
        }).ToArray();
        Assert.Equal(File.ReadAllText(Path.Combine(dir, name + ".expected.jsonl")), outputs[0]);
        Assert.Equal(outputs[0], outputs[1]);
    }

    [Property(MaxTest = 40, Arbitrary = [typeof(ChoiceArbitraries)])]
    public void Index_and_scan_agree_after_every_input_of_a_random_stream(uint[] choices)
    {
        var index = new Book(accounts: 12, trigger: TriggerMode.Index);
        var scan = new Book(accounts: 12, trigger: TriggerMode.Scan);
        var flow = new RandomFlow(index, new ChoiceStream(choices), accounts: 10);
        for (long a = 1; a <= 10; a++) { index.Deposit(a, "2000"); scan.Deposit(a, "2000"); }
        int indexTicks = 0;
        for (int step = 0; step < 400; step++)
        {
            var input = flow.Next();
            var si = index.Engine.Process(input);
            var ss = scan.Engine.Process(input);
            Assert.True(si == ss, $"step {step} {input.Kind}: {si} vs {ss}");
            var ei = index.Engine.Events.Span;
            var es = scan.Engine.Events.Span;
            Assert.True(ei.Length == es.Length, $"step {step} {input.Kind}: {ei.Length} events vs {es.Length}");
            for (int k = 0; k < ei.Length; k++) Assert.True(ei[k].Equals(es[k]), $"step {step} {input.Kind}: event {k} differs ({ei[k].Kind} vs {es[k].Kind})");
            Assert.True(index.Engine.StateHash() == scan.Engine.StateHash(), $"step {step} {input.Kind}: state hashes differ");
            Assert.True(index.Engine.Census().StaleHealth == 0, $"step {step} {input.Kind}: a part's stored health is not what it evaluates to");
            if (input.Kind == InputKind.Index) indexTicks++;
            flow.Observe(input, ei);
        }
        Assert.Null(index.Engine.VerifyCaches());
        Assert.Null(scan.Engine.VerifyCaches());
        Assert.Equal(0, index.Engine.Census().StaleHealth);
        Assert.True(indexTicks > 0 || choices.Length < 64, "the stream must move collateral index prices");
    }

    /// <summary>
    /// The band itself: for a part holding random positions and open orders on both instruments, any
    /// marks chosen inside the bands leave the exact health equal to the stored one — while no band
    /// is left, no re-evaluation is due. Checked with the exact evaluation, not with the scan.
    /// </summary>
    [Property(MaxTest = 200, Arbitrary = [typeof(ChoiceArbitraries)])]
    public void Marks_inside_every_band_never_change_a_parts_health(uint[] choices)
    {
        var rng = new ChoiceStream(choices);
        var book = new Book(accounts: 4, trigger: TriggerMode.Index);
        book.Deposit(1, rng.NextInt64(50, 20_000).ToString(System.Globalization.CultureInfo.InvariantCulture));
        book.Deposit(2, "100000000");
        for (int instr = 0; instr < 2; instr++)
        {
            if (rng.Next(4) == 0) continue;
            var side = rng.Next(2) == 0 ? Side.Buy : Side.Sell;
            long lots = rng.NextInt64(1, instr == Book.Btc ? 40_000 : 90_000);
            long mark = book.Engine.GetInstrument(instr).MarkTicks;
            book.Step(new RiskInput { Kind = InputKind.Fill, Account = 1, Instrument = instr, Side = side, Qty = lots, Price = mark, HasFee = true });
            if (rng.Next(2) == 0)
                book.Step(new RiskInput { Kind = InputKind.Order, Account = 1, OrderId = 10 + instr, Instrument = instr, Side = rng.Next(2) == 0 ? Side.Buy : Side.Sell, Qty = rng.NextInt64(1, 5_000), Price = mark });
        }
        for (int move = 0; move < 30; move++)
        {
            for (int instr = 0; instr < 2; instr++)
            {
                var band = book.Engine.BandOf(1, instr);
                long max = book.Engine.GetInstrument(instr).MaxPriceTicks;
                var (lo, hi) = band ?? (1, max);
                if (book.Engine.PositionLots(1, instr) == 0 && band is null) continue;
                // Often the edges themselves (inclusive), otherwise anywhere inside.
                long price = rng.Next(3) switch { 0 => lo, 1 => hi, _ => rng.NextInt64(lo, hi + 1) };
                long pops = book.Engine.Counters.TriggerPops;
                book.Step(new RiskInput { Kind = InputKind.Mark, Instrument = instr, Price = price });
                Assert.Equal(pops, book.Engine.Counters.TriggerPops); // inside the band: nothing popped
                Assert.True(book.Engine.EvaluateHealth(1) == book.Engine.CrossHealth(1),
                    $"move {move}: {instr} to {price} in [{lo}, {hi}] changed the health to {book.Engine.EvaluateHealth(1)} unnoticed");
            }
        }
    }

    /// <summary>
    /// The asset bands: a cross part holding BTC and ETH collateral (and random positions, open orders,
    /// or a money debt) keeps its exact health while every index price and mark stays inside its band,
    /// edges included — and nothing is popped. Checked with the exact evaluation, not with the scan.
    /// </summary>
    [Property(MaxTest = 200, Arbitrary = [typeof(ChoiceArbitraries)])]
    public void Index_prices_and_marks_inside_every_band_never_change_a_parts_health(uint[] choices)
    {
        var rng = new ChoiceStream(choices);
        var book = new Book(accounts: 4, trigger: TriggerMode.Index);
        book.Deposit(1, rng.NextInt64(1, 5_000).ToString(System.Globalization.CultureInfo.InvariantCulture));
        book.Deposit(2, "100000000");
        book.DepositAsset(1, Book.BtcAsset, rng.NextInt64(1, 20_000_000));      // up to 0.2 BTC
        if (rng.Next(3) > 0) book.DepositAsset(1, Book.EthAsset, rng.NextInt64(1, 300_000_000)); // up to 3 ETH
        for (int instr = 0; instr < 2; instr++)
        {
            if (rng.Next(3) == 0) continue;
            var side = rng.Next(2) == 0 ? Side.Buy : Side.Sell;
            long mark = book.Engine.GetInstrument(instr).MarkTicks;
            if (rng.Next(3) > 0)
                book.Step(new RiskInput { Kind = InputKind.Fill, Account = 1, Instrument = instr, Side = side, Qty = rng.NextInt64(1, instr == Book.Btc ? 20_000 : 50_000), Price = mark, HasFee = true, Fee = rng.NextInt64(0, 3_000_000_000) });
            if (rng.Next(2) == 0)
                book.Step(new RiskInput { Kind = InputKind.Order, Account = 1, OrderId = 10 + instr, Instrument = instr, Side = rng.Next(2) == 0 ? Side.Buy : Side.Sell, Qty = rng.NextInt64(1, 5_000), Price = mark });
        }
        for (int move = 0; move < 40; move++)
        {
            long pops = book.Engine.Counters.TriggerPops;
            var before = book.Engine.CrossHealth(1);
            long price;
            string what;
            if (rng.Next(3) > 0)
            {
                int asset = 1 + rng.Next(2);
                if (book.Engine.AssetBandOf(1, asset) is not var (lo, hi)) continue;
                // Often the edges themselves (inclusive), otherwise anywhere inside (an unbounded side: up to 100×).
                hi = Math.Min(hi, Math.Min(Math.Max(lo, book.Engine.GetAsset(asset).IndexPriceMicros) * 100, 1L << 52));
                price = rng.Next(3) switch { 0 => lo, 1 => hi, _ => rng.NextInt64(lo, hi + 1) };
                book.Step(new RiskInput { Kind = InputKind.Index, Asset = asset, Price = price });
                what = $"index {asset} to {price} in [{lo}, {hi}]";
            }
            else
            {
                int instr = rng.Next(2);
                if (book.Engine.BandOf(1, instr) is not var (lo, hi)) continue;
                price = rng.Next(3) switch { 0 => lo, 1 => hi, _ => rng.NextInt64(lo, hi + 1) };
                book.Step(new RiskInput { Kind = InputKind.Mark, Instrument = instr, Price = price });
                what = $"mark {instr} to {price} in [{lo}, {hi}]";
            }
            Assert.Equal(pops, book.Engine.Counters.TriggerPops); // inside the band: nothing popped
            Assert.Equal(before, book.Engine.CrossHealth(1));
            Assert.True(book.Engine.EvaluateHealth(1) == before, $"move {move}: {what} changed the health to {book.Engine.EvaluateHealth(1)} unnoticed");
        }
    }

    /// <summary>
    /// Hand-checked asset bands. Account 1: 100 USD, 0.1 BTC (4,500 USD after the 10 % haircut), long
    /// 10 ETH-PERP at 3,000: E 4,600, IMreq 600, MMreq 300, two banded things. Its spare against a fall
    /// is min(E, E − MM − 1 − 2, E − IM − 1) = 3,999.999999 USD, half of it (1,999.999999) for BTC, so BTC
    /// may fall until its value is 2,500.000001: index ≥ ceil(2,500.000001 / 0.09) = 27,777.777789 USD.
    /// Healthy, it has nothing a rise could flip: above, the band ends only where the value would pass
    /// the value cap of 2^56 µ (p ≤ ((2^56 + 1)·10^14 − 1) / (10^7 · 0.9·10^6) = 800,639,933,754.754855 USD).
    /// Account 2 (collateral only, rich) has nothing a fall could flip either: its bands reach 1 µ.
    /// </summary>
    [Fact]
    public void A_quiet_index_tick_pops_nothing_and_a_collateral_crash_pops_the_parts_it_endangers()
    {
        var book = new Book(accounts: 8, trigger: TriggerMode.Index);
        book.Deposit(1, "100");
        book.DepositAsset(1, Book.BtcAsset, 10_000_000);   // 0.1 BTC
        book.Fill(1, Book.Eth, Side.Buy, "10", "3000");
        book.Deposit(2, "1000000");
        book.DepositAsset(2, Book.BtcAsset, 10_000_000);
        book.DepositAsset(2, Book.EthAsset, 100_000_000);  // 1 ETH
        Assert.Equal((Book.Usd("4600"), Book.Usd("600"), Book.Usd("300")), book.Engine.Figures(1));
        Assert.Equal((Book.Usd("27777.777789"), 800_639_933_754_754_855L), book.Engine.AssetBandOf(1, Book.BtcAsset));
        Assert.Null(book.Engine.AssetBandOf(1, Book.EthAsset));
        Assert.Equal((1L, 800_639_933_754_754_855L), book.Engine.AssetBandOf(2, Book.BtcAsset));
        Assert.Equal((1L, 84_773_640_044_621_102L), book.Engine.AssetBandOf(2, Book.EthAsset)); // 1 ETH at 0.85: c = 8.5·10^13

        long pops = book.Engine.Counters.TriggerPops;
        book.Index("49000");
        book.Index("27777.777789");                        // the edge itself: E 2,600.000001, still healthy
        book.Index("1000000");                            // any rise
        book.Index("27777.777789");
        Assert.Equal(pops, book.Engine.Counters.TriggerPops);
        Assert.Equal(Book.Usd("2600.000001"), book.Equity(1));
        Assert.Equal(HealthState.Healthy, book.Engine.CrossHealth(1));

        var restricted = Assert.Single(book.Index("3000")); // BTC worth 270: E 370 < IMreq 600, > MMreq 300
        Assert.Equal((EventKind.Health, HealthState.Healthy, HealthState.Restricted, Book.Usd("370")), (restricted.Kind, restricted.From, restricted.To, restricted.Equity));
        Assert.Equal(pops + 1, book.Engine.Counters.TriggerPops);
        Assert.Equal(HealthState.Restricted, book.Engine.CrossHealth(1));
        Assert.Equal(Book.Usd("370"), book.Equity(1));
        var events = book.Index("2000");                  // BTC worth 180: E 280 ≤ MMreq 300
        Assert.Equal(EventKind.Health, events[0].Kind);
        Assert.Equal((HealthState.Restricted, HealthState.Liquidating, Book.Usd("280")), (events[0].From, events[0].To, events[0].Equity));
        Assert.Equal(EventKind.LiquidationOrder, events[1].Kind);
        Assert.Equal(HealthState.Healthy, book.Engine.CrossHealth(2));
        book.Index("150", Book.EthAsset);                  // account 2 alone holds ETH and no risk: nothing to pop
        Assert.Equal(pops + 2, book.Engine.Counters.TriggerPops);
        book.AssertConsistent();
    }

    /// <summary>
    /// Hostile index prices (found by the trust-boundary property): far above any real price a haircut
    /// value leaves 64 bits and wraps. The asset band stops below that (the value ceiling), so index and
    /// scan still agree input by input and no stored health goes stale.
    /// </summary>
    [Fact]
    public void Index_prices_near_the_long_range_keep_both_modes_equal()
    {
        var books = new[] { new Book(accounts: 4, trigger: TriggerMode.Index), new Book(accounts: 4, trigger: TriggerMode.Scan) };
        var inputs = new List<RiskInput>
        {
            new() { Kind = InputKind.Deposit, Account = 1, Asset = 0, Amount = Book.Usd("100") },
            new() { Kind = InputKind.Deposit, Account = 1, Asset = Book.BtcAsset, Amount = int.MaxValue },
            Book.FillInput(1, Book.Eth, Side.Buy, "10", "3000"),
            new() { Kind = InputKind.Deposit, Account = 2, Asset = Book.EthAsset, Amount = 1L << 40 },
        };
        foreach (long price in new[] { long.MaxValue, 1L << 56, 1, 50_000_000_000, long.MaxValue / 3, 1L << 62, 2, long.MaxValue })
        {
            inputs.Add(new() { Kind = InputKind.Index, Asset = Book.BtcAsset, Price = price });
            inputs.Add(new() { Kind = InputKind.Index, Asset = Book.EthAsset, Price = price });
        }
        for (int n = 0; n < inputs.Count; n++)
        {
            var statuses = books.Select(b => b.Engine.Process(inputs[n])).ToArray();
            Assert.Equal(statuses[0], statuses[1]);
            Assert.True(books[0].Engine.Events.Span.SequenceEqual(books[1].Engine.Events.Span), $"input {n}: events differ");
            Assert.True(books[0].Engine.StateHash() == books[1].Engine.StateHash(), $"input {n}: state hashes differ");
            Assert.True(books[0].Engine.Census().StaleHealth == 0, $"input {n}: index mode missed a transition");
        }
    }

    [Fact]
    public void A_quiet_tick_pops_nothing_and_a_crash_pops_the_parts_it_endangers()
    {
        var book = new Book(accounts: 8, trigger: TriggerMode.Index);
        book.Deposit(1, "1000");     // 10× long: near its maintenance edge after a 10 % fall
        book.Deposit(2, "1000000");  // 0.1× long: nothing a 10 % move can do
        book.Fill(1, Book.Btc, Side.Buy, "0.2", "50000");
        book.Fill(2, Book.Btc, Side.Buy, "0.2", "50000");
        Assert.NotNull(book.Engine.BandOf(1, Book.Btc));
        long pops = book.Engine.Counters.TriggerPops;
        book.Mark(Book.Btc, "50000.1");
        Assert.Equal(pops, book.Engine.Counters.TriggerPops);
        book.Mark(Book.Btc, "45000");
        Assert.Equal(pops + 1, book.Engine.Counters.TriggerPops);
        Assert.Equal(HealthState.Liquidating, book.Engine.CrossHealth(1));
        Assert.Equal(HealthState.Healthy, book.Engine.CrossHealth(2));
    }

    [Fact]
    public void Instrument_aggregates_equal_a_recount_over_the_holders()
    {
        var book = new Book(accounts: 8);
        book.Deposit(1, "100000"); book.Deposit(2, "100000"); book.Deposit(3, "100000");
        book.Fill(1, Book.Btc, Side.Buy, "1.5", "50000");
        book.Fill(2, Book.Btc, Side.Sell, "1", "50010");
        book.Fill(3, Book.Btc, Side.Sell, "0.5", "49990");
        book.Fill(1, Book.Btc, Side.Sell, "0.4", "50100");
        book.Mark(Book.Btc, "48000");
        Assert.Equal(Book.Lots(Book.Btc, "1.1"), book.Engine.OpenInterest(Book.Btc));
        Int128 upnl = 0;
        var s = new AccountSnapshot(book.Engine);
        foreach (long a in new long[] { 1, 2, 3 })
        {
            book.Engine.Snapshot(a, s);
            for (int k = 0; k < s.PositionCount; k++) upnl += s.Positions[k].Upnl;
        }
        Assert.Equal(upnl, book.Engine.TotalUpnl(Book.Btc));
    }
}
