using CrossMargin.Core.Engine;
using CrossMargin.Core.Model;
using CrossMargin.Core.Trigger;

namespace CrossMargin.Core.Benchmarks;

/// <summary>
/// <c>scale --index-ticks</c>: a collateral index tick (BTC, the asset every account holds half its
/// equity in, haircut 10 %) over N holders in both trigger modes, for a one-µ move, a 0.1 % move and
/// a 10 % crash. The population is <see cref="Population"/>'s (the same leverage distribution and BTC-PERP
/// positions) with half of each account's equity deposited as BTC. Scan revalues every holder's haircut
/// value; index pops only the holders whose asset band the price left. One JSON line per case:
/// <c>{"bench":"index_tick","trigger":…,"holders":N,"move":…,"median_ns":…,"p99_ns":…,"reevaluated_median":…,"gc":[…]}</c>.
/// </summary>
internal static partial class Scale
{
    private const int BtcAsset = 1;
    private const long BtcIndex = 50_000_000_000; // 50 000 USD in µ per whole BTC

    private static void IndexTickRuns(bool quick)
    {
        foreach (int n in quick ? new[] { 1_000, 10_000 } : [1_000, 10_000, 100_000])
            foreach (var trigger in new[] { TriggerMode.Index, TriggerMode.Scan })
                IndexTicks(n, trigger, quick);
    }

    private static RiskEngine CollateralPopulation(int n, TriggerMode trigger)
    {
        var e = new RiskEngine(new Capacities { Accounts = n, Instruments = 1, Assets = 2, OrdersPerAccount = 8, EventsPerInput = 4 * n + 1024 }, trigger: trigger);
        if (!e.DefineSettlementAsset("USD", out var err) || !e.TryDefineAsset(new AssetSpec("BTC", "50000", "0.1", 8), out err)
            || !e.TryDefineInstrument(Workload.Perp("BTC-PERP", "50000"), out err)) throw new InvalidOperationException(err);
        Must(e, new RiskInput { Kind = InputKind.Config, LiquidationFeeRatePpm = 5_000, LiquidationBufferPpm = 100_000, Amount = 10_000_000_000L * 1_000_000 });
        for (int i = 0; i < n; i++)
        {
            var (id, equity, lots) = Holder(i);
            long sats = equity / 2 * 100_000_000 / (BtcIndex / 10 * 9); // half the equity as BTC at its haircut value
            Must(e, Workload.Deposit(id, equity - equity / 2));
            Must(e, new RiskInput { Kind = InputKind.Deposit, Account = id, Asset = BtcAsset, Amount = sats });
            Must(e, Workload.Fill(id, Btc, i % 2 == 0 ? Side.Buy : Side.Sell, lots, Mark));
        }
        return e;
    }

    private static void IndexTicks(int n, TriggerMode trigger, bool quick) =>
        MoveCases(CollateralPopulation(n, trigger), "index_tick", InputKind.Index, BtcAsset, BtcIndex, n, trigger, quick);
}
