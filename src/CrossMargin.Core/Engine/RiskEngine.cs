using CrossMargin.Core.Kernels;
using CrossMargin.Core.Model;
using CrossMargin.Core.Numerics;
using CrossMargin.Core.Rules;
using CrossMargin.Core.State;
using CrossMargin.Core.Trigger;

namespace CrossMargin.Core.Engine;

/// <summary>
/// The deterministic cross-margin state machine (risk-model.md §1–§8).
/// </summary>
/// <remarks>
/// Threading contract: single-threaded. One thread owns an engine and calls
/// <see cref="Process"/> for one input at a time; the events it produced are in
/// <see cref="Events"/> until the next call. Definitions (<see cref="DefineSettlementAsset"/>,
/// <see cref="TryDefineAsset"/>, <see cref="TryDefineInstrument"/>) are start-up operations on the
/// same thread. All state is struct-of-arrays sized from <see cref="Capacities"/> in the
/// constructor; no input allocates.
/// <para>Margin parts: every account has a cross part (slot 0) and an isolated part per instrument
/// in isolated mode (slot 1 + instrument index). A part id is <c>account × (instruments + 1) + slot</c>.
/// Account index 0 is the insurance fund: it holds taken-over positions and collateral, is never
/// settled and never an ADL candidate.</para>
/// <para>Where things live: the engine is the dispatcher of <see cref="Process"/> and owns the named
/// state (<c>State/</c>: AccountTable, PositionTable, OrderTable, Ledger, MarketTable); the rules
/// (<c>Rules/</c>: MarginMath, HealthClassifier, SlotValuation, OrderCheck, TradeApplier, OrderEntry,
/// Fills, CollateralMoves, Controls, Settlement, HealthTransitions, LiquidationPlanner,
/// LiquidationOrders, TakeoverAndAdl, EventWriter) are static or sealed classes over that state, wired
/// once in the constructor and called directly (no virtual dispatch); <c>Trigger/</c> holds the mark and
/// index ticks and the safe bands of index mode, <c>Audit/</c> the state hash and the cache verifier.</para>
/// </remarks>
public sealed partial class RiskEngine
{
    /// <summary>Account index of the insurance fund.</summary>
    internal const int FundAccount = AccountTable.Fund;

    private readonly Capacities _cap;
    private readonly int _ni, _na, _pp; // instrument and asset capacities; parts per account
    // Named state (struct-of-arrays each); the rules read and write their fields directly.
    private readonly MarketTable _market;
    private readonly AccountTable _accounts;
    private readonly OrderTable _orders;
    private readonly Ledger _ledger;
    private readonly Settlement _settlement;
    // The rules, one sealed class each, wired once here (direct calls: no virtual dispatch).
    private readonly EventWriter _events;
    private readonly CollateralMoves _collateral;
    private readonly OrderEntry _entry;
    private readonly Fills _fills;
    private readonly TakeoverAndAdl _takeover;
    private readonly HealthTransitions _transitions;
    private readonly PriceTicks _ticks;
    private readonly Controls _controls;

    /// <summary>Creates an engine with every array sized from <paramref name="capacities"/>.</summary>
    public RiskEngine(Capacities capacities, KernelMode kernelMode = KernelMode.Auto, TriggerMode trigger = TriggerMode.Index)
    {
        capacities.Validate();
        _cap = capacities;
        Kernel = kernelMode;
        Trigger = trigger;
        _ni = capacities.Instruments;
        _na = capacities.Assets;
        _pp = _ni + 1;
        int accounts = capacities.Accounts + 1;
        int holders = capacities.EffectiveHolders;
        _market = new MarketTable(_ni, _na);
        _accounts = new AccountTable(accounts, _ni, _na);
        _orders = new OrderTable(_accounts, capacities.OrdersPerAccount);
        _ledger = new Ledger(_na);
        _settlement = new Settlement(_accounts, accounts * _pp, reband: trigger == TriggerMode.Index);
        Events = new EventBuffer(capacities.EffectiveEvents);
        bool refresh = trigger == TriggerMode.Index; // index mode reads stale caches through a refresh
        _events = new EventWriter(Events, _accounts);
        _collateral = new CollateralMoves(_market, _accounts, _ledger, _settlement, _events, Counters, refresh);
        _entry = new OrderEntry(_market, _accounts, _orders, _settlement, _events, _collateral, Counters, refresh);
        _fills = new Fills(_market, _accounts, _orders, _ledger, _settlement, _entry, _collateral, Config, Counters, refresh);
        _takeover = new TakeoverAndAdl(_market, _accounts, _ledger, _settlement, _events, _collateral, Counters, refresh);
        var liquidation = new LiquidationOrders(_market, _accounts, _events, Config, Counters, refresh);
        _transitions = new HealthTransitions(_market, _accounts, _settlement, _events, _entry, liquidation, _takeover, refresh);
        _ticks = new PriceTicks(_market, _accounts, _settlement, Counters, trigger, holders);
        _controls = new Controls(_market, _accounts, _ledger, Config);
        _accounts.Rows[FundAccount].Id = -1; // not an external id: the fund is never looked up by id
        _accounts.Count = 1;
        _holderCapacity = holders;
    }

    private readonly int _holderCapacity;

    /// <summary>The events produced by the last <see cref="Process"/> call.</summary>
    public EventBuffer Events { get; }

    /// <summary>Liquidation parameters.</summary>
    public RiskConfig Config { get; } = new();

    /// <summary>How a mark tick finds the parts to re-evaluate (fixed at construction).</summary>
    public TriggerMode Trigger { get; }

    /// <summary>Kernel implementation used for mark-tick revaluation.</summary>
    public KernelMode Kernel { get; set; }

    /// <summary>Counters an operator reads (fills not matching an open order, unknown cancels, …).</summary>
    public EngineCounters Counters { get; } = new();

    /// <summary>Capacities the engine was sized with.</summary>
    public Capacities Capacities => _cap;

    // ---------------------------------------------------------------- definitions

    /// <summary>Defines the settlement asset; must be the first definition, exactly once.</summary>
    public bool DefineSettlementAsset(string id, out string? error)
    {
        if (_market.AssetCount != 0) { error = "the settlement asset is already defined"; return false; }
        if (!Definitions.IsValidId(id)) { error = $"invalid asset id '{id}'"; return false; }
        AddAsset(new Asset(id, 0, Money.Decimals, 0, Money.Scale));
        error = null;
        return true;
    }

    /// <summary>Defines a non-settlement collateral asset.</summary>
    public bool TryDefineAsset(AssetSpec spec, out string? error)
    {
        if (_market.AssetCount == 0) { error = "the settlement asset must be defined first"; return false; }
        if (_market.AssetIds.ContainsKey(spec.Id)) { error = $"duplicate asset id '{spec.Id}'"; return false; }
        if (_market.AssetCount == _na) { error = $"asset capacity {_na} exhausted"; return false; }
        if (!Definitions.TryBuildAsset(spec, _market.AssetCount, out var asset, out error)) return false;
        AddAsset(asset!);
        return true;
    }

    private void AddAsset(Asset asset)
    {
        _market.Assets[asset.Index] = asset;
        _market.AssetIds.Add(asset.Id, asset.Index);
        _market.AssetHolders[asset.Index] = asset.IsSettlement ? [] : new int[_cap.Accounts + 1];
        if (Trigger == TriggerMode.Index && !asset.IsSettlement) _market.AssetBands[asset.Index] = TriggerBands.ForIndexPrices(_cap.Accounts + 1, asset.IndexPriceMicros);
        _market.AssetCount++;
    }

    /// <summary>Defines and validates an instrument (including the overflow proof of risk-model §1).</summary>
    public bool TryDefineInstrument(InstrumentSpec spec, out string? error)
    {
        if (_market.InstrumentIds.ContainsKey(spec.Id)) { error = $"duplicate instrument id '{spec.Id}'"; return false; }
        if (_market.InstrumentCount == _ni) { error = $"instrument capacity {_ni} exhausted"; return false; }
        if (!Definitions.TryBuildInstrument(spec, _market.InstrumentCount, out var ins, out error)) return false;
        _market.Instruments[_market.InstrumentCount] = ins!;
        _market.Positions[_market.InstrumentCount] = new PositionTable(_holderCapacity);
        if (Trigger == TriggerMode.Index) _market.Bands[_market.InstrumentCount] = new TriggerBands(_holderCapacity, ins!.MaxPriceTicks, ins.MarkTicks);
        _market.InstrumentIds.Add(ins!.Id, _market.InstrumentCount);
        _market.InstrumentCount++;
        return true;
    }

    /// <summary>Number of defined assets (settlement asset included).</summary>
    public int AssetCount => _market.AssetCount;
    /// <summary>Number of defined instruments.</summary>
    public int InstrumentCount => _market.InstrumentCount;
    /// <summary>Asset by index.</summary>
    public Asset GetAsset(int index) => _market.Assets[index];
    /// <summary>Instrument by index.</summary>
    public Instrument GetInstrument(int index) => _market.Instruments[index];
    /// <summary>Asset index by id, −1 if unknown.</summary>
    public int FindAsset(string id) => _market.AssetIds.TryGetValue(id, out int i) ? i : -1;
    /// <summary>Instrument index by id, −1 if unknown.</summary>
    public int FindInstrument(string id) => _market.InstrumentIds.TryGetValue(id, out int i) ? i : -1;
    /// <summary>True when <paramref name="accountId"/> exists.</summary>
    public bool HasAccount(long accountId) => _accounts.Index.ContainsKey(accountId);
    /// <summary>Number of accounts (the fund excluded).</summary>
    public int AccountCount => _accounts.Count - 1;

    // ---------------------------------------------------------------- processing

    /// <summary>
    /// Applies one input and settles every part it touched (risk-model §4). Returns
    /// <see cref="ProcessStatus.Applied"/>, or an error status when the input cannot be applied,
    /// in which case nothing changed and no event was produced.
    /// </summary>
    public ProcessStatus Process(in RiskInput input)
    {
        Events.Clear();
        ProcessStatus status = input.Kind switch
        {
            InputKind.Order => _entry.PlaceOrder(input),
            InputKind.Cancel => _entry.Cancel(input),
            InputKind.Fill => _fills.Fill(input),
            InputKind.Deposit => _collateral.Deposit(input),
            InputKind.Withdraw => _collateral.Withdraw(input),
            InputKind.Mark => _ticks.Mark(input, Kernel),
            InputKind.Index => _ticks.IndexTick(input),
            InputKind.Funding => _collateral.Funding(input),
            InputKind.Halt => _controls.Halt(input),
            InputKind.Config => _controls.Configure(input),
            InputKind.MarginMode => _collateral.SetMarginMode(input),
            InputKind.Isolate => _collateral.Isolate(input),
            InputKind.Query => Query(input),
            InputKind.FundQuery => FundQuery(),
            _ => ProcessStatus.UnknownKind,
        };
        if (status == ProcessStatus.Applied) _transitions.Settle();
        if (_settlement.RebandCount > 0) _ticks.RebandTouched();
        return status;
    }

    private ProcessStatus Query(in RiskInput q)
    {
        _events.Query(q, TryAccount(q.Account, out _));
        return ProcessStatus.Applied;
    }

    private ProcessStatus FundQuery()
    {
        _events.Fund();
        return ProcessStatus.Applied;
    }

    private bool TryAccount(long id, out int acct) => _accounts.Index.TryGetValue(id, out acct);
}

/// <summary>Operational counters of the state machine (monotonic).</summary>
public sealed class EngineCounters
{
    /// <summary>Fills that matched no open order or over-filled one (applied anyway, §5).</summary>
    public long FillAnomalies;
    /// <summary>Cancels of an unknown order id (§5: counted, not echoed).</summary>
    public long UnknownCancels;
    /// <summary>Liquidation fills that matched no open liquidation order.</summary>
    public long LiquidationFillAnomalies;
    /// <summary>Accounts taken over by the insurance fund.</summary>
    public long Takeovers;
    /// <summary>ADL trades.</summary>
    public long AdlTrades;
    /// <summary>Liquidation orders issued.</summary>
    public long LiquidationOrders;
    /// <summary>Index mode: holder slots a mark tick (or asset holders an index tick) popped out of their safe band (each re-evaluates its part exactly).</summary>
    public long TriggerPops;
}
