using System.Diagnostics;
using CrossMargin.Core.Engine;
using CrossMargin.Core.Model;
using CrossMargin.Core.Trigger;
using Xunit.Abstractions;

namespace CrossMargin.Core.Tests;

/// <summary>
/// A market crash and rebound over a large book of random leveraged portfolios (risk-model §6–§7):
/// liquidation fills are fed back between the mark and the bankruptcy price, and after every input
/// the ledger sums to zero, no part is left bankrupt, no liquidation order is issued to a part that
/// is not liquidating, and every liquidating part has a liquidation order open.
/// </summary>
public class CascadeSimulationTests(ITestOutputHelper output)
{
    /// <summary>
    /// The index engine is checked, and a scan engine runs in lockstep (issue 8, item 3): identical events
    /// after every input, equal state hashes every 100 inputs and at the end (a whole-state hash per input
    /// at 10k accounts is the slow variant below).
    /// </summary>
    [Fact]
    public void A_40_percent_crash_and_rebound_over_10k_accounts_keeps_every_invariant() =>
        Simulate(accounts: 10_000, ticks: 3_000, seed: 7, fullCheckEvery: 5, fundUsd: 20_000, feePpm: 5_000, hashEvery: 100);

    [Fact]
    [Trait("Category", "Slow")]
    public void The_10k_cascade_has_equal_state_hashes_in_both_trigger_modes_after_every_input() =>
        Simulate(accounts: 10_000, ticks: 3_000, seed: 7, fullCheckEvery: 1, fundUsd: 20_000, feePpm: 5_000, hashEvery: 1);

    [Fact]
    [Trait("Category", "Slow")]
    public void A_40_percent_crash_and_rebound_over_100k_accounts_keeps_every_invariant() =>
        Simulate(accounts: 100_000, ticks: 3_000, seed: 11, fullCheckEvery: 200, fundUsd: 0, feePpm: 0, hashEvery: 5_000); // an unfunded fund with no fee income: every deficit goes to ADL

    private static readonly string[] InstrumentIds = ["BTC-PERP", "ETH-PERP", "SOL-PERP"];

    /// <param name="fullCheckEvery">
    /// Inputs between whole-book checks (ledger over all accounts, census of all parts). Every input
    /// always checks the parts it touched (accounts named in its events and the input's account);
    /// at 100k accounts a whole-book sweep per input would be O(accounts × inputs).
    /// </param>
    /// <summary>The cascade's engine: three instruments, two collateral assets.</summary>
    internal static RiskEngine BuildEngine(int accounts, TriggerMode trigger)
    {
        var engine = new RiskEngine(new Capacities { Accounts = accounts, Instruments = 3, Assets = 3, OrdersPerAccount = 4 }, trigger: trigger);
        Assert.True(engine.DefineSettlementAsset("USD", out _));
        Assert.True(engine.TryDefineAsset(new AssetSpec("BTC", "50000", "0.1", 8), out _));
        Assert.True(engine.TryDefineAsset(new AssetSpec("ETH", "3000", "0.15", 8), out _));
        Assert.True(engine.TryDefineInstrument(new InstrumentSpec("BTC-PERP", "0.1", "0.001",
            [new("50000", "0.02", "0.01"), new("250000", "0.04", "0.02"), new("1000000", "0.1", "0.05")], "100", "20", "1000000", "0.5", "50000"), out var e0), e0);
        Assert.True(engine.TryDefineInstrument(new InstrumentSpec("ETH-PERP", "0.01", "0.01",
            [new("100000", "0.025", "0.0125"), new("500000", "0.05", "0.025")], "1000", "200", "100000", "0.5", "3000"), out var e1), e1);
        Assert.True(engine.TryDefineInstrument(new InstrumentSpec("SOL-PERP", "0.001", "0.1",
            [new("50000", "0.05", "0.025"), new("200000", "0.1", "0.05")], "100000", "2000", "100000", "0.5", "150"), out var e2), e2);
        return engine;
    }

    private void Simulate(int accounts, int ticks, int seed, int fullCheckEvery, long fundUsd, long feePpm, int hashEvery)
    {
        var rng = new Random(seed);
        var engine = BuildEngine(accounts, TriggerMode.Index);
        var scan = BuildEngine(accounts, TriggerMode.Scan);
        var stats = new Stats();
        var mirror = new Dictionary<(long, int), HealthState>();
        var liq = new Dictionary<(long, int), (Side Side, long Lots, long Price)>();
        var sw = Stopwatch.StartNew();

        void Apply(in RiskInput input)
        {
            var status = engine.Process(input);
            Assert.True(status == ProcessStatus.Applied, $"{input.Kind}: {status}");
            Assert.Equal(status, scan.Process(input));
            stats.Inputs++;
            var events = engine.Events.Span;
            var scanEvents = scan.Events.Span;
            Assert.True(events.Length == scanEvents.Length, $"input {stats.Inputs} ({input.Kind}): index {events.Length} events, scan {scanEvents.Length}");
            for (int k = 0; k < events.Length; k++) Assert.True(events[k].Equals(scanEvents[k]), $"input {stats.Inputs} ({input.Kind}): event {k} differs between index and scan");
            if (stats.Inputs % hashEvery == 0) Assert.True(engine.StateHash() == scan.StateHash(), $"input {stats.Inputs}: state hashes differ");
            stats.MaxEventsPerInput = Math.Max(stats.MaxEventsPerInput, events.Length);
            foreach (ref readonly var e in events)
            {
                switch (e.Kind)
                {
                    case EventKind.Health:
                    {
                        var key = (e.Account, e.Isolated ? e.Instrument : -1);
                        var from = mirror.GetValueOrDefault(key, HealthState.Healthy);
                        Assert.Equal(from, e.From);
                        mirror[key] = e.To;
                        if (e.To == HealthState.Liquidating) stats.EnteredLiquidation++;
                        if (e.From == HealthState.Liquidating || e.To == HealthState.Bankrupt)
                            for (int i = 0; i < 3; i++) if (!e.Isolated || e.Instrument == i) liq.Remove((e.Account, i));
                        break;
                    }
                    case EventKind.LiquidationOrder:
                    {
                        // No healthy part is liquidated: the part's last transition must be into liquidating.
                        bool isolated = engine.IsIsolated(e.Account, e.Instrument);
                        var state = mirror.GetValueOrDefault((e.Account, isolated ? e.Instrument : -1), HealthState.Healthy);
                        Assert.True(state == HealthState.Liquidating, $"liquidation order for account {e.Account} in state {state}");
                        liq[(e.Account, e.Instrument)] = (e.Side, e.Qty, e.Price);
                        stats.LiquidationOrders++;
                        break;
                    }
                    case EventKind.Takeover: stats.Takeovers++; break;
                    case EventKind.Adl: stats.AdlEvents++; break;
                }
            }
            CheckTouched(engine, input.Account, events);
            if (stats.Inputs % fullCheckEvery == 0)
            {
                for (int a = 0; a < 3; a++) Assert.True(engine.LedgerSum(a) == 0, $"ledger of asset {a} after input {stats.Inputs}");
                var census = engine.Census();
                Assert.Equal(0, census.Bankrupt);
                Assert.Equal(0, census.LiquidatingWithoutOrder);
                Assert.Equal(0, census.StaleHealth);
            }
            if (stats.Inputs % 2000 == 0) Assert.Null(engine.VerifyCaches());
        }

        // Random leveraged portfolios: opened through the order check at the mark, then filled.
        long[] marks = [500_000, 300_000, 150_000];
        long[] tv = [100, 100, 100];
        long orderId = 1;
        for (long acct = 1; acct <= accounts; acct++)
        {
            Apply(new RiskInput { Kind = InputKind.Deposit, Account = acct, Asset = 0, Amount = rng.NextInt64(500, 20_000) * 1_000_000 });
            if (rng.Next(10) < 3) Apply(new RiskInput { Kind = InputKind.Deposit, Account = acct, Asset = 1 + rng.Next(2), Amount = rng.NextInt64(1_000_000, 20_000_000) });
            if (rng.Next(10) == 0)
            {
                int iso = rng.Next(3);
                Apply(new RiskInput { Kind = InputKind.MarginMode, Account = acct, Instrument = iso, Flag = true });
                Apply(new RiskInput { Kind = InputKind.Isolate, Account = acct, Instrument = iso, Amount = rng.NextInt64(100, 400) * 1_000_000 });
            }
            int positions = rng.Next(1, 4);
            for (int p = 0; p < positions; p++)
            {
                int instr = rng.Next(3);
                var side = rng.Next(10) < 7 ? Side.Buy : Side.Sell;
                long budget = engine.Figures(acct, engine.IsIsolated(acct, instr) ? instr : -1).Equity;
                long leverage = rng.Next(2, 25);
                long lots = Math.Max(1, budget * leverage / positions / (marks[instr] * tv[instr]));
                lots = Math.Min(lots, engine.GetInstrument(instr).MaxOrderLots);
                var order = new RiskInput { Kind = InputKind.Order, Account = acct, OrderId = orderId++, Instrument = instr, Side = side, Qty = lots, Price = marks[instr] };
                Apply(order);
                if (engine.Events.Span[0].Kind == EventKind.Accepted)
                    Apply(new RiskInput { Kind = InputKind.Fill, Account = acct, OrderId = order.OrderId, HasOrderId = true, Instrument = instr, Side = side, Qty = lots, Price = marks[instr], Fee = lots, HasFee = true });
            }
        }
        Apply(new RiskInput { Kind = InputKind.Config, LiquidationFeeRatePpm = feePpm, LiquidationBufferPpm = 100_000, Amount = fundUsd * 1_000_000 });

        // The path: down 40% by mid-run, back to 95% by the end, with noise; each tick moves one instrument.
        long[] start = [.. marks];
        long[] indexStart = [50_000_000_000, 3_000_000_000];
        for (int t = 1; t <= ticks; t++)
        {
            double x = (double)t / ticks;
            double level = x < 0.5 ? 1 - 0.8 * x : 0.6 + 0.7 * (x - 0.5);
            int instr = t % 3;
            double noise = 1 + (rng.NextDouble() - 0.5) * 0.006;
            marks[instr] = Math.Max(1, (long)(start[instr] * level * noise));
            Apply(new RiskInput { Kind = InputKind.Mark, Instrument = instr, Price = marks[instr] });
            stats.Ticks++;
            if (t % 10 == 0)
                for (int a = 0; a < 2; a++)
                {
                    Apply(new RiskInput { Kind = InputKind.Index, Asset = a + 1, Price = (long)(indexStart[a] * level * noise) });
                    stats.Ticks++;
                }
            // Feed back liquidation fills between the mark and the bankruptcy price.
            foreach (var (key, order) in liq.ToArray())
            {
                if (!liq.ContainsKey(key)) continue;
                long q = Math.Abs(engine.PositionLots(key.Item1, key.Item2));
                if (q == 0) continue;
                long lots = Math.Min(Math.Min(order.Lots, q), rng.Next(4) == 0 ? Math.Max(1, order.Lots / 2) : order.Lots);
                long mark = marks[key.Item2];
                long price = Math.Max(1, rng.NextInt64(Math.Min(mark, order.Price), Math.Max(mark, order.Price) + 1));
                Apply(new RiskInput { Kind = InputKind.Fill, Account = key.Item1, Instrument = key.Item2, Side = order.Side, Qty = lots, Price = price, Liquidation = true });
                stats.LiquidationFills++;
                if (liq.TryGetValue(key, out var left) && left.Price == order.Price && left.Lots == order.Lots)
                {
                    if (left.Lots - lots <= 0) liq.Remove(key); else liq[key] = (left.Side, left.Lots - lots, left.Price);
                }
            }
        }
        Assert.Null(engine.VerifyCaches());
        Assert.Equal(scan.StateHash(), engine.StateHash());
        output.WriteLine($"index pops {engine.Counters.TriggerPops:N0} over {stats.Ticks:N0} ticks; scan revalues every holder on each");
        output.WriteLine($"cascade: accounts {accounts}, ticks {stats.Ticks}, inputs {stats.Inputs}, entered liquidation {stats.EnteredLiquidation}, " +
                         $"liquidation orders {stats.LiquidationOrders}, liquidation fills {stats.LiquidationFills}, takeovers {stats.Takeovers}, " +
                         $"ADL events {stats.AdlEvents}, final fund balance {engine.FundBalance / 1e6:F6} USD, fund positions " +
                         $"{string.Join(" ", Enumerable.Range(0, 3).Select(i => $"{InstrumentIds[i]}={engine.FundPositionLots(i)}"))} lots, " +
                         $"max events per input {stats.MaxEventsPerInput}, wall {sw.Elapsed.TotalSeconds:F1} s");
        Assert.True(stats.EnteredLiquidation > accounts / 100, "the crash must liquidate a meaningful share of accounts");
        Assert.True(stats.Takeovers > 0, "the crash must bankrupt some accounts");
        Assert.True(stats.AdlEvents > 0, "the fund must run short at least once");
    }

    /// <summary>The per-input invariants for every part the input touched.</summary>
    private static void CheckTouched(RiskEngine engine, long inputAccount, ReadOnlySpan<RiskEvent> events)
    {
        CheckAccount(engine, inputAccount);
        foreach (ref readonly var e in events) CheckAccount(engine, e.Account);
    }

    private static void CheckAccount(RiskEngine engine, long account)
    {
        if (!engine.HasAccount(account)) return;
        for (int part = -1; part < 3; part++)
        {
            if (part >= 0 && !engine.IsIsolated(account, part)) continue;
            var stored = part < 0 ? engine.CrossHealth(account) : engine.IsolatedHealth(account, part);
            Assert.Equal(engine.EvaluateHealth(account, part), stored);
            Assert.NotEqual(HealthState.Bankrupt, stored);
            if (stored == HealthState.Liquidating) Assert.True(engine.OpenLiquidationOrders(account, part) > 0, $"account {account} liquidating without an order");
        }
    }

    private sealed class Stats
    {
        public long Inputs, Ticks, EnteredLiquidation, LiquidationOrders, LiquidationFills, Takeovers, AdlEvents;
        public int MaxEventsPerInput;
    }
}
