using System.Runtime.CompilerServices;
using CrossMargin.Core.Engine;
using CrossMargin.Core.State;

namespace CrossMargin.Core.Rules;

/// <summary>
/// A margin part's exact figures (E, IMreq, MMreq, §2–§3) and its health state (§4). In index
/// mode the cached slot figures may be stale by design, so every read first brings the part's
/// slots to the current marks (<see cref="SlotValuation.Refresh"/>).
/// </summary>
internal static class HealthClassifier
{
    /// <summary>E, IMreq, MMreq and whether the part holds a position, with one division for the part id.</summary>
    public static void Figures(MarketTable market, AccountTable accounts, bool refresh, int part,
        out long equity, out long im, out long mm, out bool hasPosition)
    {
        if (refresh) SlotValuation.Refresh(market, accounts, part);
        int pp = accounts.PartStride, acct = part / pp, slot = part - acct * pp;
        if (slot == 0)
        {
            ref var row = ref accounts.Rows[acct]; // one cache line
            equity = row.Cash + row.CollateralValue + row.CrossUpnl;
            im = row.CrossIm + row.CrossOpenLoss;
            mm = row.CrossMm;
            hasPosition = row.CrossPositions > 0;
            return;
        }
        int k = acct * accounts.InstrumentStride + slot - 1;
        if (accounts.PositionSlot[k] < 0) { equity = accounts.IsolatedMargin[k]; im = mm = 0; hasPosition = false; return; }
        ref var p = ref accounts.Positions[k];
        equity = accounts.IsolatedMargin[k] + p.Upnl;
        im = p.Im + accounts.OpenLoss[k];
        mm = p.Mm;
        hasPosition = p.Qty != 0;
    }

    /// <summary>E = CV + Σ uPnL of the part (§2).</summary>
    public static long Equity(MarketTable market, AccountTable accounts, bool refresh, int part)
    {
        Figures(market, accounts, refresh, part, out long e, out _, out _, out _);
        return e;
    }

    /// <summary>Whether the part would be healthy with <paramref name="equity"/> instead of its own E (withdrawals, isolate).</summary>
    public static bool HealthyWith(MarketTable market, AccountTable accounts, bool refresh, int part, long equity)
    {
        Figures(market, accounts, refresh, part, out _, out long im, out long mm, out bool hasPosition);
        return Classify(equity, im, mm, hasPosition) == HealthState.Healthy;
    }

    /// <summary>The health a part has now, in the priority order of §4.</summary>
    public static HealthState Evaluate(MarketTable market, AccountTable accounts, bool refresh, int part)
    {
        Figures(market, accounts, refresh, part, out long e, out long im, out long mm, out bool hasPosition);
        return Classify(e, im, mm, hasPosition);
    }

    /// <summary>§4 in priority order: bankrupt, liquidating, healthy, restricted (the liquidating edge E = MMreq is inclusive).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static HealthState Classify(long equity, long im, long mm, bool hasPosition)
    {
        if (equity < 0 && hasPosition) return HealthState.Bankrupt;
        if (mm > 0 && equity <= mm) return HealthState.Liquidating;
        return equity >= im ? HealthState.Healthy : HealthState.Restricted;
    }
}
