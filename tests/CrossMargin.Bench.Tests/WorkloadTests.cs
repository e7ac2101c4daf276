using CrossMargin.Bench.Risk;
using CrossMargin.Core.Engine;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CrossMargin.Bench.Tests;

/// <summary>The benchmark workloads do what they claim: the naive baseline computes the engine's sums, the mix can be replayed.</summary>
public class WorkloadTests
{
    [Property(MaxTest = 20)]
    public void The_naive_baseline_computes_the_engines_margin_sums(PositiveInt holders, int move)
    {
        var pop = Population.Build(1 + holders.Get % 300);
        var e = pop.Engine;
        var ins = e.GetInstrument(0);
        long mark = ins.MarkTicks + move % (ins.MarkTicks / 100); // within ±1 %: nobody's health changes
        var input = new RiskInput { Kind = InputKind.Mark, Instrument = 0, Price = mark };
        Assert.Equal(ProcessStatus.Applied, e.Process(in input));
        pop.Naive.Mark(ins.Id, mark);
        foreach (long id in pop.AccountIds)
        {
            var (equity, im, mm) = e.Figures(id);
            var naive = pop.Naive.Accounts[id];
            Assert.Equal((equity, im, mm), ((long)naive.Equity, (long)naive.Im, (long)naive.Mm));
        }
    }

    [Property(MaxTest = 10)]
    public void Every_order_of_the_mix_is_closed_exactly_once_and_replay_rounds_apply_cleanly(ulong seed)
    {
        var config = CrossMargin.Gate.Config.GateConfig.LoadDefault();
        var market = new Market(seed);
        var engine = config.BuildEngine();
        Market.Apply(engine, market.Prefill(engine));
        var mix = market.Mix(engine, 20_000);
        var opened = mix.Where(x => x.Kind == InputKind.Order).Select(x => x.OrderId).ToList();
        var closed = mix.Where(x => x.Kind is InputKind.Cancel || (x.Kind == InputKind.Fill && x.HasOrderId)).Select(x => x.OrderId).ToList();
        Assert.Equal(opened.Order(), closed.Order());
        // Two replay rounds: no order stays open, so the books are as empty as before.
        for (long round = 1; round <= 2; round++)
            foreach (var x in mix)
            {
                var r = Market.InRound(in x, round);
                engine.Process(in r);
            }
        foreach (long id in engine.AccountIds())
            if (id != 0) Assert.Equal(0, engine.OpenOrderCount(id));
    }

    [Property]
    public void Zipf_accounts_stay_in_range(ulong seed)
    {
        var m = new Market(seed);
        for (int i = 0; i < 1000; i++) Assert.InRange(m.ZipfAccount(), 1, Market.Accounts);
    }
}
