using CrossMargin.Core.Engine;
using FsCheck.Xunit;
using static CrossMargin.Core.Tests.Book;

namespace CrossMargin.Core.Tests;

/// <summary>Invariants that must hold after every input of any input stream.</summary>
public class LedgerPropertyTests
{
    [Property(MaxTest = 40)]
    public void After_every_input_the_ledger_sums_to_zero_and_every_cache_is_exact(int seed)
    {
        var book = new Book(accounts: 12);
        var rng = new Random(seed);
        var flow = new RandomFlow(book, rng, accounts: 10);
        for (long a = 1; a <= 10; a++) book.Deposit(a, "2000");
        for (int step = 0; step < 400; step++)
        {
            var input = flow.Next();
            var status = book.Engine.Process(input);
            Assert.True(status == ProcessStatus.Applied, $"step {step}: {input.Kind} → {status}");
            flow.Observe(input, book.Engine.Events.Span);
            for (int a = 0; a < book.Engine.AssetCount; a++)
                Assert.True(book.Engine.LedgerSum(a) == 0, $"step {step}: {input.Kind}: ledger of asset {a} = {book.Engine.LedgerSum(a)}");
            var error = book.Engine.VerifyCaches();
            Assert.True(error is null, $"step {step} ({input.Kind}): {error}");
            var census = book.Engine.Census();
            Assert.Equal(0, census.Bankrupt);
            Assert.Equal(0, census.LiquidatingWithoutOrder);
        }
    }

    [Fact]
    public void The_random_streams_reach_liquidation_takeover_and_adl()
    {
        // Guards the property above against testing only the quiet paths.
        long liquidations = 0, takeovers = 0, adl = 0, isolatedTakeovers = 0;
        for (int seed = 0; seed < 30; seed++)
        {
            var book = new Book(accounts: 12);
            var flow = new RandomFlow(book, new Random(seed), accounts: 10);
            for (long a = 1; a <= 10; a++) book.Deposit(a, "2000");
            for (int step = 0; step < 400; step++)
            {
                var input = flow.Next();
                book.Engine.Process(input);
                flow.Observe(input, book.Engine.Events.Span);
                foreach (var e in book.Engine.Events.Span)
                    if (e.Kind == EventKind.Takeover && e.Isolated) isolatedTakeovers++;
            }
            liquidations += book.Engine.Counters.LiquidationOrders;
            takeovers += book.Engine.Counters.Takeovers;
            adl += book.Engine.Counters.AdlTrades;
        }
        Assert.True(liquidations > 0 && takeovers > 0 && adl > 0 && isolatedTakeovers > 0,
            $"liquidation orders {liquidations}, takeovers {takeovers}, ADL {adl}, isolated takeovers {isolatedTakeovers}");
    }

    [Property(MaxTest = 60)]
    public void A_fill_at_mark_leaves_equity_unchanged_except_for_its_fee(int seed)
    {
        var rng = new Random(seed);
        var book = new Book();
        book.Deposit(1, "100000");
        // Some position history first so reduce, close and flip paths are all exercised.
        for (int k = 0; k < rng.Next(0, 5); k++)
            book.Step(new RiskInput
            {
                Kind = InputKind.Fill, Account = 1, Instrument = Btc, Side = rng.Next(2) == 0 ? Side.Buy : Side.Sell,
                Qty = rng.NextInt64(1, 5000), Price = rng.NextInt64(450_000, 550_000), HasFee = true,
            });
        book.Mark(Btc, (rng.NextInt64(480_000, 520_000) / 10.0).ToString(System.Globalization.CultureInfo.InvariantCulture));
        long before = book.Equity(1);
        long fee = rng.NextInt64(-1_000_000, 10_000_000);
        var input = new RiskInput
        {
            Kind = InputKind.Fill, Account = 1, Instrument = Btc, Side = rng.Next(2) == 0 ? Side.Buy : Side.Sell,
            Qty = rng.NextInt64(1, 20_000), Price = book.Engine.GetInstrument(Btc).MarkTicks, Fee = fee, HasFee = true,
        };
        if (Math.Abs(book.Engine.PositionLots(1, Btc) + (input.Side == Side.Buy ? input.Qty : -input.Qty)) > 100_000) return;
        book.Step(input);
        Assert.Equal(before - fee, book.Equity(1));
        book.AssertConsistent();
    }

    [Property(MaxTest = 40)]
    public void An_isolated_positions_loss_never_reaches_the_cross_pool(int seed)
    {
        var rng = new Random(seed);
        var book = new Book(fund: rng.Next(2) == 0 ? "0" : "100000");
        book.Deposit(1, "5000");
        book.Deposit(2, "100000");
        book.Fill(1, Btc, Side.Buy, "0.5", "50000");           // the cross pool: BTC only
        book.Mode(1, Eth, isolated: true);
        book.Isolate(1, Eth, rng.Next(100, 1000).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var side = rng.Next(2) == 0 ? Side.Buy : Side.Sell;
        book.Fill(1, Eth, side, "10", "3000");
        book.Fill(2, Eth, side == Side.Buy ? Side.Sell : Side.Buy, "10", "3000"); // an ADL counterparty
        long crossE = book.Equity(1);
        var flowMark = Ticks(Eth, "3000");
        for (int step = 0; step < 200; step++)
        {
            RiskInput input;
            long q = book.Engine.PositionLots(1, Eth);
            int open = book.Engine.OpenLiquidationOrders(1, Eth);
            if (open > 0 && q != 0 && rng.Next(3) == 0)
            {
                // A liquidation fill anywhere within ±10% of the mark, beyond the bankruptcy price too.
                long price = Math.Max(1, flowMark + rng.NextInt64(-flowMark / 10, flowMark / 10 + 1));
                input = new RiskInput { Kind = InputKind.Fill, Account = 1, Instrument = Eth, Side = q > 0 ? Side.Sell : Side.Buy, Qty = rng.NextInt64(1, Math.Abs(q) + 1), Price = price, Liquidation = true };
            }
            else
            {
                flowMark = Math.Max(100, flowMark + flowMark * rng.Next(-60, 61) / 1000);
                input = new RiskInput { Kind = InputKind.Mark, Instrument = Eth, Price = flowMark };
            }
            long margin = book.Engine.IsIsolated(1, Eth) ? MarginOf(book) : 0;
            book.Step(input);
            bool returned = MarginOf(book) == 0 && book.Engine.PositionLots(1, Eth) == 0 && margin > 0;
            long now = book.Equity(1);
            // While the isolated part lives the cross E is untouched; a flat part may only give margin back.
            Assert.True(now == crossE || (returned && now > crossE), $"step {step}: cross E {crossE} → {now}");
            crossE = now;
            book.AssertConsistent();
        }
    }

    private static long MarginOf(Book book)
    {
        var s = new AccountSnapshot(book.Engine);
        book.Engine.Snapshot(1, s);
        for (int k = 0; k < s.PositionCount; k++)
            if (s.Positions[k].Instrument == Eth && s.Positions[k].Isolated) return s.Positions[k].Margin;
        return 0;
    }
}
