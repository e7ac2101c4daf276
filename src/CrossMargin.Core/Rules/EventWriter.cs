using System.Runtime.CompilerServices;
using CrossMargin.Core.Engine;
using CrossMargin.Core.State;

namespace CrossMargin.Core.Rules;

/// <summary>
/// Writes the events of scenario-format.md into the engine's <see cref="EventBuffer"/>: one method
/// per event the rules emit, so what an event carries is decided in one place. Events name accounts
/// by external id; events about an isolated part carry its instrument (risk-model §7). No allocation.
/// </summary>
internal sealed class EventWriter(EventBuffer buffer, AccountTable accounts)
{
    /// <summary>The buffer the events go to.</summary>
    public EventBuffer Buffer => buffer;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref RiskEvent Add(EventKind kind) => ref buffer.Add(kind);

    /// <summary>An event about a margin part: its account and, for an isolated part, its instrument.</summary>
    private ref RiskEvent AddPart(EventKind kind, int part)
    {
        ref var e = ref buffer.Add(kind);
        e.Account = accounts.Rows[accounts.AccountOfPart(part)].Id;
        int instr = accounts.InstrumentOfPart(part);
        if (instr >= 0) { e.Instrument = instr; e.Isolated = true; }
        return ref e;
    }

    /// <summary><c>accepted</c> or <c>rejected</c> of an order (§5).</summary>
    public void OrderAnswer(in RiskInput o, RejectReason reason)
    {
        ref var e = ref Add(reason == RejectReason.None ? EventKind.Accepted : EventKind.Rejected);
        e.Account = o.Account; e.OrderId = o.OrderId; e.Reason = reason;
    }

    /// <summary>The answer to a withdrawal.</summary>
    public void Withdrawal(in RiskInput w, RejectReason reason)
    {
        ref var e = ref Add(EventKind.Withdrawal);
        e.Account = w.Account; e.Asset = w.Asset; e.Amount = w.Amount;
        e.Accepted = reason == RejectReason.None; e.Reason = reason;
    }

    /// <summary>A refused margin_mode or isolate (§8: they carry the instrument).</summary>
    public void ModeReject(in RiskInput m, RejectReason reason)
    {
        ref var e = ref Add(EventKind.ModeRejected);
        e.Account = m.Account; e.Instrument = m.Instrument; e.Reason = reason;
    }

    /// <summary>The answer to a query: the account's view, or a reject for an unknown account.</summary>
    public void Query(in RiskInput q, bool known)
    {
        ref var e = ref Add(known ? EventKind.Account : EventKind.QueryRejected);
        e.Account = q.Account;
        e.Reason = known ? RejectReason.None : RejectReason.UnknownAccount;
    }

    /// <summary>The answer to a fund query.</summary>
    public void Fund() => Add(EventKind.Fund);

    /// <summary>A part's health changed (§4): from, to and its figures at that moment.</summary>
    public void Health(int part, HealthState from, HealthState to, long equity, long im, long mm)
    {
        ref var e = ref AddPart(EventKind.Health, part);
        e.From = from; e.To = to; e.Equity = equity; e.Im = im; e.Mm = mm;
    }

    /// <summary><c>cancel_all</c> with the number of orders it cancelled (§6.1).</summary>
    public void CancelAll(int part, int count) => AddPart(EventKind.CancelAll, part).Amount = count;

    /// <summary>A takeover of a bankrupt part with its deficit (§6.4).</summary>
    public void Takeover(int part, long deficit) => AddPart(EventKind.Takeover, part).Amount = deficit;

    /// <summary>The fund paying the deficit of a flat isolated part at once (§7).</summary>
    public void IsolatedDeficit(int acct, int instr, long deficit)
    {
        ref var e = ref Add(EventKind.Takeover);
        e.Account = accounts.Rows[acct].Id; e.Instrument = instr; e.Isolated = true; e.Amount = deficit;
    }

    /// <summary>A reduce-only liquidation order at the bankruptcy price (§6.2).</summary>
    public void LiquidationOrder(int acct, int instr, Side side, long lots, long price)
    {
        ref var e = ref Add(EventKind.LiquidationOrder);
        e.Account = accounts.Rows[acct].Id; e.Instrument = instr; e.Side = side; e.Qty = lots; e.Price = price;
    }

    /// <summary>An ADL trade applied to an account (side = the side of that trade, §6.5).</summary>
    public void Adl(int acct, int instr, Side side, long lots, long price)
    {
        ref var e = ref Add(EventKind.Adl);
        e.Account = accounts.Rows[acct].Id; e.Instrument = instr; e.Side = side; e.Qty = lots; e.Price = price;
    }
}
