using CrossMargin.Core.Engine;
using CrossMargin.Core.Kernels;
using CrossMargin.Core.Model;
using CrossMargin.Core.Trigger;
using CrossMargin.Gate.Config;

namespace CrossMargin.Bench.Risk;

/// <summary>
/// <paramref name="Holders"/> accounts, each funded with $1,000,000 and holding BTC-PERP (long and
/// short alternating, 10…500 lots), a third also ETH-PERP, in the engine and — same positions — in
/// the naive baseline; instruments from the gate's default configuration.
/// </summary>
public sealed record Population(RiskEngine Engine, NaiveBook Naive, int Holders, long[] AccountIds)
{
    /// <summary>Balance of every account, µ.</summary>
    public const long Balance = 1_000_000L * 1_000_000;

    /// <summary>
    /// Builds the population (deterministic). Mark-tick (bulk revaluation) benchmarks use
    /// <see cref="TriggerMode.Scan"/>, which revalues every holder with the SIMD kernel or its scalar
    /// twin; the default <see cref="TriggerMode.Index"/> re-evaluates only parts whose safe band a tick
    /// left (its figures: <c>perf/CrossMargin.Core.Benchmarks -- scale</c>). Order checks use the
    /// gate's default, the index.
    /// </summary>
    public static Population Build(int holders, bool withNaive = true, TriggerMode trigger = TriggerMode.Scan)
    {
        var config = GateConfig.LoadDefault();
        var e = new RiskEngine(new Capacities { Accounts = holders + 16, Instruments = config.Instruments.Count, Assets = 1, OrdersPerAccount = 16 }, KernelMode.Auto, trigger);
        if (!e.DefineSettlementAsset(config.SettlementAsset, out string? err)) throw new InvalidOperationException(err);
        foreach (var spec in config.Instruments)
            if (!e.TryDefineInstrument(spec, out err)) throw new InvalidOperationException(err);
        var naive = new NaiveBook();
        for (int i = 0; i < e.InstrumentCount; i++) naive.AddInstrument(e.GetInstrument(i));
        var ids = new long[holders];
        for (int k = 0; k < holders; k++)
        {
            long id = k + 1;
            ids[k] = id;
            var inputs = new List<RiskInput> { new() { Kind = InputKind.Deposit, Account = id, Asset = 0, Amount = Balance } };
            long btc = (10 + (long)k * 7919 % 491) * ((k & 1) == 0 ? 1 : -1);
            inputs.Add(Fill(id, 0, btc, e.GetInstrument(0).MarkTicks));
            if (k % 3 == 0 && e.InstrumentCount > 1)
                inputs.Add(Fill(id, 1, (5 + k % 200) * ((k & 2) == 0 ? 1 : -1), e.GetInstrument(1).MarkTicks));
            Market.Apply(e, inputs);
            if (!withNaive) continue;
            foreach (var x in inputs)
                if (x.Kind == InputKind.Fill)
                    naive.Open(id, Balance, e.GetInstrument(x.Instrument).Id, x.Side == Side.Buy ? x.Qty : -x.Qty, x.Price);
        }
        return new Population(e, naive, holders, ids);
    }

    private static RiskInput Fill(long account, int instrument, long signedLots, long price) => new()
    {
        Kind = InputKind.Fill, Account = account, Instrument = instrument,
        Side = signedLots > 0 ? Side.Buy : Side.Sell, Qty = Math.Abs(signedLots), Price = price,
    };
}
