using CrossMargin.Core.Kernels;
using CrossMargin.Core.Model;
using CrossMargin.Core.Numerics;
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
/// </remarks>
public sealed partial class RiskEngine
{
    /// <summary>Account index of the insurance fund.</summary>
    internal const int FundAccount = 0;

    private readonly Capacities _cap;
    private readonly int _ni, _na, _no, _pp; // instrument, asset, order capacities; parts per account
    private readonly Asset[] _assets;
    private int _assetCount;
    private readonly Instrument[] _instruments;
    private int _instrumentCount;
    private readonly Dictionary<string, int> _assetIds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _instrumentIds = new(StringComparer.Ordinal);
    private readonly PositionTable[] _tables;
    private bool _globalHalt;

    // Accounts (index 0: insurance fund).
    private readonly AccountIndex _accountIndex;
    private int _accountCount;
    private readonly long[] _accountId;
    private readonly bool[] _accountHalted;
    private readonly long[] _balance;        // [acct × assets + asset]; asset 0 in money micro-units
    private readonly long[] _assetValue;     // cached haircut value of each non-settlement balance
    private readonly int[] _assetHolderPos;  // position in the asset's holder list, −1 if none
    private readonly long[] _collateralValue; // Σ haircut values of non-settlement assets [acct]
    private readonly long[] _crossUpnl, _crossIm, _crossMm, _crossOpenLoss; // cached cross sums [acct]
    private readonly int[] _crossPositions;  // cross positions with q ≠ 0 [acct]

    // Per (account, instrument).
    private readonly int[] _positionSlot;    // slot in the instrument's table, −1 if none
    private readonly bool[] _isolatedMode;
    private readonly long[] _isolatedMargin;
    private readonly long[] _liqRemaining;   // open liquidation order lots (0: none)
    private readonly long[] _liqPrice;
    private readonly sbyte[] _liqSide;

    // Per part.
    private readonly HealthState[] _health;
    private readonly bool[] _roundDue;       // a liquidation fill asked for a new round (§6.3)
    private readonly int[] _liqOpen;         // open liquidation orders of the part

    // Open orders, dense per account [acct × ordersPerAccount + k].
    private readonly long[] _orderId;
    private readonly int[] _orderInstrument;
    private readonly sbyte[] _orderSide;
    private readonly long[] _orderRemaining;
    private readonly long[] _orderLossPerLot; // open loss per lot, fixed at acceptance (a whole number of µ)
    private readonly bool[] _orderReduceOnly;
    private readonly int[] _orderCount;

    // Asset holder index: accounts with a non-zero balance of each non-settlement asset.
    private readonly int[][] _assetHolders;
    private readonly int[] _assetHolderCount;

    // Double-entry ledger (§6): accounts (incl. isolated margins), fund (= account 0), fee pool, clearing.
    private readonly long[] _clearing;       // per asset
    private long _feePool;

    // Kernel scratch (deltas of a revaluation).
    private readonly long[] _dUpnl, _dIm, _dMm;

    /// <summary>Creates an engine with every array sized from <paramref name="capacities"/>.</summary>
    public RiskEngine(Capacities capacities, KernelMode kernelMode = KernelMode.Auto, TriggerMode trigger = TriggerMode.Index)
    {
        capacities.Validate();
        _cap = capacities;
        Kernel = kernelMode;
        Trigger = trigger;
        _ni = capacities.Instruments;
        _na = capacities.Assets;
        _no = capacities.OrdersPerAccount;
        _pp = _ni + 1;
        int accounts = capacities.Accounts + 1;
        int holders = capacities.EffectiveHolders;
        _assets = new Asset[_na];
        _instruments = new Instrument[_ni];
        _tables = new PositionTable[_ni];
        _bands = new TriggerBands[_ni];
        _accountIndex = new AccountIndex(accounts);
        _accountId = new long[accounts];
        _accountHalted = new bool[accounts];
        _balance = new long[accounts * _na];
        _assetValue = new long[accounts * _na];
        _assetHolderPos = new int[accounts * _na];
        Array.Fill(_assetHolderPos, -1);
        _collateralValue = new long[accounts];
        _crossUpnl = new long[accounts]; _crossIm = new long[accounts]; _crossMm = new long[accounts]; _crossOpenLoss = new long[accounts];
        _crossPositions = new int[accounts];
        _positionSlot = new int[accounts * _ni];
        Array.Fill(_positionSlot, -1);
        _isolatedMode = new bool[accounts * _ni];
        _isolatedMargin = new long[accounts * _ni];
        _liqRemaining = new long[accounts * _ni];
        _liqPrice = new long[accounts * _ni];
        _liqSide = new sbyte[accounts * _ni];
        int parts = accounts * _pp;
        _health = new HealthState[parts];
        _roundDue = new bool[parts];
        _liqOpen = new int[parts];
        _orderId = new long[accounts * _no];
        _orderInstrument = new int[accounts * _no];
        _orderSide = new sbyte[accounts * _no];
        _orderRemaining = new long[accounts * _no];
        _orderLossPerLot = new long[accounts * _no];
        _orderReduceOnly = new bool[accounts * _no];
        _orderCount = new int[accounts];
        _assetHolders = new int[_na][];
        _assetHolderCount = new int[_na];
        _clearing = new long[_na];
        // Kernel scratch only the scan needs: the index never revalues a whole holder table.
        int scratch = trigger == TriggerMode.Scan ? holders : 0;
        _dUpnl = new long[scratch]; _dIm = new long[scratch]; _dMm = new long[scratch];
        _touched = new int[parts];
        _touchedFlag = new bool[parts];
        _heap = new int[parts];
        _inHeap = new bool[parts];
        if (trigger == TriggerMode.Index) { _reband = new int[parts]; _rebandFlag = new bool[parts]; }
        else { _reband = []; _rebandFlag = []; }
        Events = new EventBuffer(capacities.EffectiveEvents);
        _accountId[FundAccount] = -1; // not an external id: the fund is never looked up by id
        _accountCount = 1;
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
        if (_assetCount != 0) { error = "the settlement asset is already defined"; return false; }
        if (!Definitions.IsValidId(id)) { error = $"invalid asset id '{id}'"; return false; }
        AddAsset(new Asset(id, 0, Money.Decimals, 0, Money.Scale));
        error = null;
        return true;
    }

    /// <summary>Defines a non-settlement collateral asset.</summary>
    public bool TryDefineAsset(AssetSpec spec, out string? error)
    {
        if (_assetCount == 0) { error = "the settlement asset must be defined first"; return false; }
        if (_assetIds.ContainsKey(spec.Id)) { error = $"duplicate asset id '{spec.Id}'"; return false; }
        if (_assetCount == _na) { error = $"asset capacity {_na} exhausted"; return false; }
        if (!Definitions.TryBuildAsset(spec, _assetCount, out var asset, out error)) return false;
        AddAsset(asset!);
        return true;
    }

    private void AddAsset(Asset asset)
    {
        _assets[asset.Index] = asset;
        _assetIds.Add(asset.Id, asset.Index);
        _assetHolders[asset.Index] = asset.IsSettlement ? [] : new int[_cap.Accounts + 1];
        _assetCount++;
    }

    /// <summary>Defines and validates an instrument (including the overflow proof of risk-model §1).</summary>
    public bool TryDefineInstrument(InstrumentSpec spec, out string? error)
    {
        if (_instrumentIds.ContainsKey(spec.Id)) { error = $"duplicate instrument id '{spec.Id}'"; return false; }
        if (_instrumentCount == _ni) { error = $"instrument capacity {_ni} exhausted"; return false; }
        if (!Definitions.TryBuildInstrument(spec, _instrumentCount, out var ins, out error)) return false;
        _instruments[_instrumentCount] = ins!;
        _tables[_instrumentCount] = new PositionTable(_holderCapacity);
        if (Trigger == TriggerMode.Index) _bands[_instrumentCount] = new TriggerBands(_holderCapacity, ins!.MaxPriceTicks, ins.MarkTicks);
        _instrumentIds.Add(ins!.Id, _instrumentCount);
        _instrumentCount++;
        return true;
    }

    /// <summary>Number of defined assets (settlement asset included).</summary>
    public int AssetCount => _assetCount;
    /// <summary>Number of defined instruments.</summary>
    public int InstrumentCount => _instrumentCount;
    /// <summary>Asset by index.</summary>
    public Asset GetAsset(int index) => _assets[index];
    /// <summary>Instrument by index.</summary>
    public Instrument GetInstrument(int index) => _instruments[index];
    /// <summary>Asset index by id, −1 if unknown.</summary>
    public int FindAsset(string id) => _assetIds.TryGetValue(id, out int i) ? i : -1;
    /// <summary>Instrument index by id, −1 if unknown.</summary>
    public int FindInstrument(string id) => _instrumentIds.TryGetValue(id, out int i) ? i : -1;
    /// <summary>True when <paramref name="accountId"/> exists.</summary>
    public bool HasAccount(long accountId) => _accountIndex.ContainsKey(accountId);
    /// <summary>Number of accounts (the fund excluded).</summary>
    public int AccountCount => _accountCount - 1;

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
            InputKind.Order => PlaceOrder(input),
            InputKind.Cancel => Cancel(input),
            InputKind.Fill => Fill(input),
            InputKind.Deposit => Deposit(input),
            InputKind.Withdraw => Withdraw(input),
            InputKind.Mark => Mark(input),
            InputKind.Index => IndexTick(input),
            InputKind.Funding => Funding(input),
            InputKind.Halt => Halt(input),
            InputKind.Config => Configure(input),
            InputKind.MarginMode => SetMarginMode(input),
            InputKind.Isolate => Isolate(input),
            InputKind.Query => Query(input),
            InputKind.FundQuery => FundQuery(),
            _ => ProcessStatus.UnknownKind,
        };
        if (status == ProcessStatus.Applied) Settle();
        if (_rebandCount > 0) RebandTouched();
        return status;
    }

    private bool TryAccount(long id, out int acct) => _accountIndex.TryGetValue(id, out acct);
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
    /// <summary>Index mode: holder slots a mark tick popped out of their safe band (each re-evaluates its part exactly).</summary>
    public long TriggerPops;
}
