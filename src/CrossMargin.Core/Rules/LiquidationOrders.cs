using CrossMargin.Core.Engine;
using CrossMargin.Core.Model;
using CrossMargin.Core.State;

namespace CrossMargin.Core.Rules;

/// <summary>
/// Partial liquidation (risk-model §6.2, §8): a round issues the reduce-only orders
/// <see cref="LiquidationPlanner"/> plans, at the bankruptcy price; when the part leaves liquidating
/// they lapse (IOC) without an event. Position lists live in stack buffers bounded by the
/// instrument capacity: nothing allocates.
/// </summary>
internal sealed class LiquidationOrders(MarketTable market, AccountTable accounts, EventWriter events, RiskConfig config,
    EngineCounters counters, bool refresh)
{
    private readonly int _ni = accounts.InstrumentStride;

    /// <summary>One partial-liquidation round (§6.2): the orders <see cref="LiquidationPlanner"/> plans, issued in its order.</summary>
    public void Round(int part)
    {
        int acct = accounts.AccountOfPart(part);
        Span<int> instruments = stackalloc int[market.InstrumentCount];
        Span<long> positions = stackalloc long[market.InstrumentCount];
        Span<long> lots = stackalloc long[market.InstrumentCount];
        Span<long> prices = stackalloc long[market.InstrumentCount];
        int n = LiquidationPlanner.PlanRound(market, accounts, refresh, part, config.LiquidationBufferPpm,
            instruments, positions, lots, prices);
        for (int k = 0; k < n; k++) Issue(part, acct, instruments[k], positions[k], lots[k], prices[k]);
    }

    private void Issue(int part, int acct, int instr, long q, long lots, long price)
    {
        int li = acct * _ni + instr;
        sbyte side = (sbyte)(q > 0 ? Side.Sell : Side.Buy);
        if (accounts.LiqRemaining[li] == 0) accounts.LiqOpen[part]++;
        accounts.LiqRemaining[li] = lots; accounts.LiqSide[li] = side; accounts.LiqPrice[li] = price;
        events.LiquidationOrder(acct, instr, (Side)side, lots, price);
        counters.LiquidationOrders++;
    }

    /// <summary>When a part leaves liquidating its liquidation orders lapse (IOC) without an event (§8).</summary>
    public void Lapse(int part)
    {
        if (accounts.LiqOpen[part] == 0) return;
        int acct = accounts.AccountOfPart(part);
        for (int i = 0; i < market.InstrumentCount; i++)
            if (accounts.PartOf(acct, i) == part) accounts.LiqRemaining[acct * _ni + i] = 0;
        accounts.LiqOpen[part] = 0;
    }
}
