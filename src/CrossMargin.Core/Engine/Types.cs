namespace CrossMargin.Core.Engine;

/// <summary>Health of a margin part, in the priority order of risk-model §4.</summary>
public enum HealthState : byte
{
    /// <summary>E ≥ IMreq.</summary>
    Healthy = 0,
    /// <summary>Neither healthy nor liquidating: only risk-reducing orders, cancels, deposits.</summary>
    Restricted = 1,
    /// <summary>MMreq &gt; 0 and E ≤ MMreq.</summary>
    Liquidating = 2,
    /// <summary>Has a position and E &lt; 0.</summary>
    Bankrupt = 3,
}

/// <summary>Order or trade side.</summary>
public enum Side : sbyte
{
    /// <summary>Buy: increases a signed position.</summary>
    Buy = 1,
    /// <summary>Sell: decreases a signed position.</summary>
    Sell = -1,
}

/// <summary>The kinds of input the state machine accepts (scenario-format.md, "Inputs").</summary>
public enum InputKind : byte
{
    /// <summary>Unused default.</summary>
    None = 0,
    /// <summary>New order risk check.</summary>
    Order,
    /// <summary>Cancel of an open order.</summary>
    Cancel,
    /// <summary>Execution fact from the exchange (ordinary or liquidation).</summary>
    Fill,
    /// <summary>Collateral credit; creates the account.</summary>
    Deposit,
    /// <summary>Collateral debit request.</summary>
    Withdraw,
    /// <summary>Mark price tick.</summary>
    Mark,
    /// <summary>Collateral index price tick.</summary>
    Index,
    /// <summary>Funding payment at mark.</summary>
    Funding,
    /// <summary>Kill switch.</summary>
    Halt,
    /// <summary>Liquidation parameters and insurance fund balance.</summary>
    Config,
    /// <summary>Margin mode of (account, instrument).</summary>
    MarginMode,
    /// <summary>Move margin into (positive) or out of (negative) an isolated part.</summary>
    Isolate,
    /// <summary>Account snapshot request.</summary>
    Query,
    /// <summary>Insurance fund snapshot request.</summary>
    FundQuery,
}

/// <summary>Scope of a kill switch.</summary>
public enum HaltScope : byte
{
    /// <summary>Every order.</summary>
    Global = 0,
    /// <summary>Orders on one instrument.</summary>
    Instrument = 1,
    /// <summary>Orders of one account.</summary>
    Account = 2,
}

/// <summary>Reasons of a rejected order, withdrawal or mode change (scenario-format.md).</summary>
public enum RejectReason : byte
{
    /// <summary>Not rejected.</summary>
    None = 0,
    /// <summary>unknown_account</summary>
    UnknownAccount,
    /// <summary>unknown_instrument</summary>
    UnknownInstrument,
    /// <summary>halted</summary>
    Halted,
    /// <summary>invalid_quantity</summary>
    InvalidQuantity,
    /// <summary>invalid_price</summary>
    InvalidPrice,
    /// <summary>price_band</summary>
    PriceBand,
    /// <summary>duplicate_order</summary>
    DuplicateOrder,
    /// <summary>account_liquidating</summary>
    AccountLiquidating,
    /// <summary>reduce_only_violation</summary>
    ReduceOnlyViolation,
    /// <summary>position_limit</summary>
    PositionLimit,
    /// <summary>insufficient_margin</summary>
    InsufficientMargin,
    /// <summary>insufficient_balance</summary>
    InsufficientBalance,
    /// <summary>invalid_mode</summary>
    InvalidMode,
    /// <summary>too_many_orders: the account's open-order capacity is exhausted (an extension of the list).</summary>
    TooManyOrders,
    /// <summary>
    /// sequence_gap: refused at the gate's door, never by the engine — the order's publisher lost
    /// order-flow inputs that could not be recovered, and the gate takes no new risk from it until an
    /// operator resumes it (issue 9; an extension of the list).
    /// </summary>
    SequenceGap,
}

/// <summary>
/// Outcome of <see cref="RiskEngine.Process"/>. Anything but <see cref="Applied"/> is an input the
/// engine cannot apply: nothing was changed and nothing emitted (scenario "errors"; wire "counted rejects").
/// </summary>
public enum ProcessStatus : byte
{
    /// <summary>The input was applied (possibly answered with a reject event).</summary>
    Applied = 0,
    /// <summary>A fill/mark/halt/funding names an account that does not exist.</summary>
    UnknownAccount,
    /// <summary>An instrument index out of range.</summary>
    UnknownInstrument,
    /// <summary>An asset index out of range, or an index tick for the settlement asset.</summary>
    InvalidAsset,
    /// <summary>A price ≤ 0 or above maxPrice in a mark or fill.</summary>
    InvalidPrice,
    /// <summary>A quantity ≤ 0 in a fill.</summary>
    InvalidQuantity,
    /// <summary>An amount ≤ 0 (deposit, withdrawal), a zero isolate, or an input (deposit, fill, funding, isolate, margin mode) that would push a balance past ±2^56.</summary>
    InvalidAmount,
    /// <summary>A liquidation fill that carries a fee.</summary>
    LiquidationFillWithFee,
    /// <summary>A fill that would take |position| above maxPosition (the overflow proof relies on it).</summary>
    PositionAboveMax,
    /// <summary>Account capacity exhausted on a deposit that creates an account.</summary>
    AccountCapacity,
    /// <summary>Holder capacity of an instrument exhausted.</summary>
    HolderCapacity,
    /// <summary>A rate outside its range.</summary>
    InvalidRate,
    /// <summary>An unknown input kind.</summary>
    UnknownKind,
}

/// <summary>Human text for each <see cref="ProcessStatus"/>.</summary>
public static class ProcessStatusText
{
    /// <summary>A short explanation of a status.</summary>
    public static string Describe(ProcessStatus s) => s switch
    {
        ProcessStatus.Applied => "applied",
        ProcessStatus.UnknownAccount => "unknown account",
        ProcessStatus.UnknownInstrument => "unknown instrument",
        ProcessStatus.InvalidAsset => "unknown asset, or an index price for the settlement asset",
        ProcessStatus.InvalidPrice => "price must be positive and at most maxPrice",
        ProcessStatus.InvalidQuantity => "quantity must be positive",
        ProcessStatus.InvalidAmount => "amount must be positive (isolate: non-zero), and no balance may pass ±2^56 (deposit, fill, funding, isolate)",
        ProcessStatus.LiquidationFillWithFee => "a liquidation fill must not carry a fee",
        ProcessStatus.PositionAboveMax => "fill would take the position above maxPosition",
        ProcessStatus.AccountCapacity => "account capacity exhausted",
        ProcessStatus.HolderCapacity => "holder capacity of the instrument exhausted",
        ProcessStatus.InvalidRate => "rate out of range",
        _ => "unknown input kind",
    };
}

/// <summary>
/// One input in engine units, a plain struct so it can sit in a ring slot. Quantities are lots,
/// prices ticks, money micro-units, other assets 10^-decimals units, rates ppm.
/// An order's <see cref="Qty"/> or <see cref="Price"/> of 0 marks a value that was off-lot/off-tick
/// or otherwise unusable: it is rejected in check order, never treated as an error.
/// </summary>
public struct RiskInput
{
    /// <summary>What this input is.</summary>
    public InputKind Kind;
    /// <summary>Account id (0…2^63−1).</summary>
    public long Account;
    /// <summary>Order id (orders, cancels, fills with <see cref="HasOrderId"/>).</summary>
    public long OrderId;
    /// <summary>Instrument index, or −1 when unknown (orders, mode changes answer with a reject).</summary>
    public int Instrument;
    /// <summary>Asset index.</summary>
    public int Asset;
    /// <summary>Side of an order or fill.</summary>
    public Side Side;
    /// <summary>Lots (order, fill).</summary>
    public long Qty;
    /// <summary>Ticks (order, fill, mark) or money micro-units per whole asset (index).</summary>
    public long Price;
    /// <summary>Asset units (deposit, withdraw), money (isolate, insurance fund), or rate ppm (funding).</summary>
    public long Amount;
    /// <summary>Fee of an ordinary fill, money micro-units (negative = rebate).</summary>
    public long Fee;
    /// <summary>Liquidation fee rate (config), ppm.</summary>
    public long LiquidationFeeRatePpm;
    /// <summary>Liquidation buffer (config), ppm.</summary>
    public long LiquidationBufferPpm;
    /// <summary>Order flag.</summary>
    public bool ReduceOnly;
    /// <summary>Fill flag: a liquidation fill (no fee field; the engine charges the capped fee).</summary>
    public bool Liquidation;
    /// <summary>Fill flag: <see cref="OrderId"/> is set.</summary>
    public bool HasOrderId;
    /// <summary>Fill flag: a fee field was present (an error on a liquidation fill).</summary>
    public bool HasFee;
    /// <summary>Halt on/off; margin mode: true = isolated.</summary>
    public bool Flag;
    /// <summary>Halt scope.</summary>
    public HaltScope Scope;
}

/// <summary>The kinds of output event (scenario-format.md, "Outputs").</summary>
public enum EventKind : byte
{
    /// <summary>Order accepted.</summary>
    Accepted = 1,
    /// <summary>Order rejected.</summary>
    Rejected,
    /// <summary>margin_mode / isolate rejected (carries the instrument).</summary>
    ModeRejected,
    /// <summary>Query of an unknown account.</summary>
    QueryRejected,
    /// <summary>Withdrawal answer.</summary>
    Withdrawal,
    /// <summary>Health transition of a part.</summary>
    Health,
    /// <summary>Open orders of a part cancelled on entering liquidation or bankruptcy.</summary>
    CancelAll,
    /// <summary>Reduce-only liquidation order at the bankruptcy price.</summary>
    LiquidationOrder,
    /// <summary>Insurance fund takeover with the deficit it pays.</summary>
    Takeover,
    /// <summary>Auto-deleveraging trade applied to an account.</summary>
    Adl,
    /// <summary>Account snapshot (query answer); render before the next input.</summary>
    Account,
    /// <summary>Insurance fund snapshot; render before the next input.</summary>
    Fund,
}

/// <summary>One output event. Fields not used by a kind are zero.</summary>
public struct RiskEvent
{
    /// <summary>Kind.</summary>
    public EventKind Kind;
    /// <summary>Account id.</summary>
    public long Account;
    /// <summary>Order id (accepted/rejected).</summary>
    public long OrderId;
    /// <summary>Instrument index, −1 if none.</summary>
    public int Instrument;
    /// <summary>True when the event is about an isolated part (health, cancel_all, takeover).</summary>
    public bool Isolated;
    /// <summary>Reject reason.</summary>
    public RejectReason Reason;
    /// <summary>Health transition.</summary>
    public HealthState From, To;
    /// <summary>E, IMreq (incl. open loss), MMreq at the moment of the event.</summary>
    public long Equity, Im, Mm;
    /// <summary>Liquidation order / ADL side.</summary>
    public Side Side;
    /// <summary>Lots.</summary>
    public long Qty;
    /// <summary>Ticks.</summary>
    public long Price;
    /// <summary>Withdrawal: amount in asset units; takeover: deficit; cancel_all: order count.</summary>
    public long Amount;
    /// <summary>Asset index (withdrawal).</summary>
    public int Asset;
    /// <summary>Withdrawal accepted.</summary>
    public bool Accepted;
}

/// <summary>
/// Buffer of the events one input produced, sized per input (not per account). Single-threaded: the
/// engine appends while processing an input and the caller reads them before the next input. An input
/// that emits more than the capacity doubles it (counted in <see cref="Growths"/>); the buffer never
/// shrinks, so after the largest burst has been seen no input allocates.
/// </summary>
public sealed class EventBuffer
{
    private RiskEvent[] _events;
    private int _count;

    internal EventBuffer(int capacity) => _events = new RiskEvent[Math.Max(16, capacity)];

    /// <summary>Events of the last input.</summary>
    public ReadOnlySpan<RiskEvent> Span => _events.AsSpan(0, _count);

    /// <summary>Number of events of the last input.</summary>
    public int Count => _count;

    /// <summary>Current capacity (events).</summary>
    public int Capacity => _events.Length;

    /// <summary>Times an input needed more room than the buffer had (each doubled it).</summary>
    public long Growths { get; private set; }

    /// <summary>Events lost to a full buffer: always 0 since the buffer grows instead (kept for the operators' counters).</summary>
    public long Overflowed => 0;

    internal void Clear() => _count = 0;

    internal ref RiskEvent Add(EventKind kind)
    {
        if (_count == _events.Length) Grow();
        ref var e = ref _events[_count++];
        e = default;
        e.Kind = kind;
        e.Instrument = -1;
        return ref e;
    }

    private void Grow()
    {
        // Off the steady-state path: only an input larger than every earlier one gets here.
        Array.Resize(ref _events, _events.Length * 2);
        Growths++;
    }
}
