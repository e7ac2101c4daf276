using System.Runtime.CompilerServices;
using CrossMargin.Core.Engine;
using CrossMargin.Core.Kernels;
using System.Runtime.InteropServices;
using CrossMargin.Core.Model;
using CrossMargin.Core.Snapshot;

namespace CrossMargin.Core.State;

/// <summary>
/// The hot line of one account (issue 8, item 4): everything an order check, a withdrawal or the
/// cross part's health classification reads about the account itself, in one 64-byte cache line —
/// the settlement balance, the cached cross sums, the id, the open-order count, the halt flag and
/// the cross part's health. Layout is explicit so the line never grows unnoticed (a test pins it).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 64)]
internal struct AccountRow
{
    /// <summary>Settlement-asset balance (asset 0), money micro-units.</summary>
    [FieldOffset(0)] public long Cash;
    /// <summary>Σ haircut values of the non-settlement balances.</summary>
    [FieldOffset(8)] public long CollateralValue;
    /// <summary>Cached cross sums over the account's cross slots: uPnL, IM, MM, open loss.</summary>
    [FieldOffset(16)] public long CrossUpnl;
    [FieldOffset(24)] public long CrossIm;
    [FieldOffset(32)] public long CrossMm;
    [FieldOffset(40)] public long CrossOpenLoss;
    /// <summary>External account id (the fund: −1).</summary>
    [FieldOffset(48)] public long Id;
    /// <summary>Open (non-liquidation) orders of the account.</summary>
    [FieldOffset(56)] public int OrderCount;
    /// <summary>Cross positions with q ≠ 0 (≤ 256 instruments).</summary>
    [FieldOffset(60)] public ushort CrossPositions;
    [FieldOffset(62)] public bool Halted;
    /// <summary>Health of the cross part (slot 0).</summary>
    [FieldOffset(63)] public HealthState CrossHealth;
}

/// <summary>
/// One (account, instrument) position, account-major and one 64-byte line: lots, basis, open order
/// lots and the cached uPnL / IM / MM with the mark they were computed at. An account's positions
/// are adjacent lines, so re-evaluating a part reads them in sequence; the instrument's holder list
/// (<see cref="PositionTable"/>) only names the accounts.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 64)]
internal struct PositionRow
{
    /// <summary>Signed lots.</summary>
    [FieldOffset(0)] public long Qty;
    /// <summary>Signed cost, micro-units.</summary>
    [FieldOffset(8)] public long Basis;
    /// <summary>Open buy lots (B) and sell lots (S).</summary>
    [FieldOffset(16)] public long Buy;
    [FieldOffset(24)] public long Sell;
    /// <summary>Cached contributions, kept equal to a full recomputation at <see cref="MarkAt"/>.</summary>
    [FieldOffset(32)] public long Upnl;
    [FieldOffset(40)] public long Im;
    [FieldOffset(48)] public long Mm;
    /// <summary>Mark (ticks) the cached figures were computed at (index mode refreshes on demand).</summary>
    [FieldOffset(56)] public long MarkAt;
}

/// <summary>
/// The state of every account, account-major, in four row shapes: the hot <see cref="AccountRow"/>
/// per account (one line), the <see cref="PositionRow"/> per (account, instrument) at
/// <c>[acct × instruments + i]</c> (one line each, an account's adjacent), colder per (account,
/// instrument) and per (account, asset) columns, and per margin part <c>[acct × (instruments + 1) + slot]</c>.
/// Account index 0 is the insurance fund. Plain fields, read and written directly by the engine's
/// rules (no dispatch on hot paths); sized once from <see cref="Capacities"/>, never reallocated.
/// </summary>
internal sealed class AccountTable
{
    /// <summary>Account index of the insurance fund.</summary>
    public const int Fund = 0;

    /// <summary>Row widths: instrument and asset capacities, parts per account (instruments + 1).</summary>
    public readonly int InstrumentStride, AssetStride, PartStride;

    /// <summary>Account id → account index.</summary>
    public readonly AccountIndex Index;
    /// <summary>Accounts in use, the fund included.</summary>
    public int Count;

    // Per account: the hot line.
    public readonly AlignedRows<AccountRow> Rows;

    // Per (account, asset) [acct × assets + asset], non-settlement assets only (asset 0 is AccountRow.Cash; its column is unused).
    public readonly long[] AssetBalance;
    public readonly long[] AssetValue;      // cached haircut value of each non-settlement balance
    public readonly long[] AssetValuedAt;   // index price AssetValue was computed at (index mode refreshes it lazily)
    public readonly int[] AssetHolderPos;   // position in the asset's holder list, −1 if none

    // Per (account, instrument) [acct × instruments + i].
    public readonly AlignedRows<PositionRow> Positions;
    public readonly int[] PositionSlot;     // slot in the instrument's holder list, −1 if none
    public readonly bool[] IsolatedMode;
    public readonly long[] OpenLoss;        // Σ open loss of the (account, instrument)'s orders, micro-units
    public readonly long[] IsolatedMargin;
    public readonly long[] LiqRemaining;    // open liquidation order lots (0: none)
    public readonly long[] LiqPrice;
    public readonly sbyte[] LiqSide;

    // Per part (slot 0 of each account unused by IsolatedHealth: the cross part's health is in its row).
    public readonly HealthState[] IsolatedHealth;
    public readonly bool[] RoundDue;        // a liquidation fill asked for a new round (§6.3)
    public readonly int[] LiqOpen;          // open liquidation orders of the part

    /// <summary>Sizes every row for <paramref name="accounts"/> accounts (the fund included).</summary>
    public AccountTable(int accounts, int instruments, int assets)
    {
        InstrumentStride = instruments; AssetStride = assets; PartStride = instruments + 1;
        int parts = accounts * PartStride;
        Index = new AccountIndex(accounts);
        Rows = new AlignedRows<AccountRow>(accounts);
        AssetBalance = new long[accounts * assets];
        AssetValue = new long[accounts * assets];
        AssetValuedAt = new long[accounts * assets];
        AssetHolderPos = new int[accounts * assets];
        Array.Fill(AssetHolderPos, -1);
        Positions = new AlignedRows<PositionRow>(accounts * instruments);
        PositionSlot = new int[accounts * instruments];
        HugePages.Advise(PositionSlot); // before the fill first touches its pages
        Array.Fill(PositionSlot, -1);
        IsolatedMode = new bool[accounts * instruments];
        HugePages.Advise(IsolatedMode);
        OpenLoss = new long[accounts * instruments];
        IsolatedMargin = new long[accounts * instruments];
        LiqRemaining = new long[accounts * instruments];
        LiqPrice = new long[accounts * instruments];
        LiqSide = new sbyte[accounts * instruments];
        IsolatedHealth = new HealthState[parts];
        RoundDue = new bool[parts];
        LiqOpen = new int[parts];
    }

    /// <summary>Account capacity, the fund included.</summary>
    public int Capacity => Rows.Length;

    /// <summary>The hot row of an account.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref AccountRow Row(int acct) => ref Rows[acct];

    /// <summary>External id of an account.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long IdOf(int acct) => Rows[acct].Id;

    /// <summary>Balance of one asset: the settlement asset in the account's hot row, others in their column.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref long Balance(int acct, int asset) => ref asset == 0 ? ref Rows[acct].Cash : ref AssetBalance[acct * AssetStride + asset];

    /// <summary>The position row of (account, instrument).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref PositionRow Position(int acct, int instr) => ref Positions[acct * InstrumentStride + instr];

    /// <summary>Health of a part: the cross part's is in the account row, an isolated part's in its column.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref HealthState Health(int part)
    {
        int acct = part / PartStride;
        return ref part == acct * PartStride ? ref Rows[acct].CrossHealth : ref IsolatedHealth[part];
    }

    /// <summary>The cross part of an account (slot 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int CrossPart(int acct) => acct * PartStride;

    /// <summary>The part (account, instrument) belongs to: its isolated part in isolated mode, else the cross part.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int PartOf(int acct, int instr) => IsolatedMode[acct * InstrumentStride + instr] ? acct * PartStride + 1 + instr : acct * PartStride;

    /// <summary>The account a part belongs to.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int AccountOfPart(int part) => part / PartStride;

    /// <summary>Instrument of an isolated part, −1 for a cross part.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int InstrumentOfPart(int part) => part % PartStride - 1;

    /// <summary>The money a part's losses and gains settle into: the settlement balance or the isolated margin.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref long Cash(int part)
    {
        int acct = part / PartStride, slot = part - acct * PartStride;
        return ref slot == 0 ? ref Rows[acct].Cash : ref IsolatedMargin[acct * InstrumentStride + slot - 1];
    }

    /// <summary>
    /// Hints the CPU to load what a check of (account, instrument) reads: the account row, the
    /// position row, the slot and mode columns and the isolated part's health. Addresses are
    /// computed from the indexes alone (no dependent load); never blocks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void Prefetch(int acct, int instr)
    {
        if (!CacheHint.Supported) return;
        Rows.Prefetch(acct);
        if ((uint)instr >= (uint)InstrumentStride) return;
        int k = acct * InstrumentStride + instr;
        Positions.Prefetch(k);
        CacheHint.Load(Unsafe.AsPointer(ref PositionSlot[k]));
        CacheHint.Load(Unsafe.AsPointer(ref IsolatedMode[k]));
    }

    // Settlement and re-band look-ahead (a crash evaluates thousands of parts scattered over memory):
    // stage 1 a few parts ahead, stage 2 once stage 1's lines are in.

    /// <summary>Look-ahead stage 1 for a part about to be evaluated: its account row and its slot and mode columns.</summary>
    public unsafe void PrefetchPartRows(int part)
    {
        if (!CacheHint.Supported) return;
        int acct = part / PartStride, row = acct * InstrumentStride;
        Rows.Prefetch(acct);
        CacheHint.Load(Unsafe.AsPointer(ref PositionSlot[row]));
        CacheHint.Load(Unsafe.AsPointer(ref IsolatedMode[row]));
    }

    /// <summary>Stage 2: the position rows of the part's slots (the slot column is in cache after stage 1).</summary>
    public void PrefetchPartSlots(int part)
    {
        if (!CacheHint.Supported) return;
        int acct = part / PartStride, slot = part - acct * PartStride, row = acct * InstrumentStride;
        if (slot > 0) { Positions.Prefetch(row + slot - 1); return; }
        for (int i = 0; i < InstrumentStride; i++)
            if (PositionSlot[row + i] >= 0) Positions.Prefetch(row + i);
    }

    /// <summary>Look-ahead for a part about to be visited: the lines a liquidation round writes (its open-order count and round flag, the liquidation order columns).</summary>
    public unsafe void PrefetchPartLiquidation(int part)
    {
        if (!CacheHint.Supported) return;
        int acct = part / PartStride, slot = part - acct * PartStride, k = acct * InstrumentStride + (slot > 0 ? slot - 1 : 0);
        CacheHint.Load(Unsafe.AsPointer(ref LiqOpen[part]));
        CacheHint.Load(Unsafe.AsPointer(ref RoundDue[part]));
        CacheHint.Load(Unsafe.AsPointer(ref LiqRemaining[k]));
        CacheHint.Load(Unsafe.AsPointer(ref LiqPrice[k]));
        CacheHint.Load(Unsafe.AsPointer(ref LiqSide[k]));
    }

    /// <summary>Snapshot: the rows of the accounts in use (account rows, position rows, then the columns), as raw bytes.</summary>
    public void WriteTo(SnapshotWriter w)
    {
        int n = Count, ni = InstrumentStride, na = AssetStride, pp = PartStride;
        w.Write(n);
        w.Write<AccountRow>(Rows.AsSpan()[..n]);
        w.Write<long>(AssetBalance.AsSpan(0, n * na)); w.Write<long>(AssetValue.AsSpan(0, n * na)); w.Write<long>(AssetValuedAt.AsSpan(0, n * na)); w.Write<int>(AssetHolderPos.AsSpan(0, n * na));
        w.Write<PositionRow>(Positions.AsSpan()[..(n * ni)]);
        w.Write<int>(PositionSlot.AsSpan(0, n * ni)); w.Write<bool>(IsolatedMode.AsSpan(0, n * ni)); w.Write<long>(OpenLoss.AsSpan(0, n * ni));
        w.Write<long>(IsolatedMargin.AsSpan(0, n * ni));
        w.Write<long>(LiqRemaining.AsSpan(0, n * ni)); w.Write<long>(LiqPrice.AsSpan(0, n * ni)); w.Write<sbyte>(LiqSide.AsSpan(0, n * ni));
        w.Write<HealthState>(IsolatedHealth.AsSpan(0, n * pp)); w.Write<bool>(RoundDue.AsSpan(0, n * pp)); w.Write<int>(LiqOpen.AsSpan(0, n * pp));
    }

    /// <summary>Snapshot: reads what <see cref="WriteTo"/> wrote into a fresh table (only the fund in use) and rebuilds the id index.</summary>
    public void ReadFrom(SnapshotReader r)
    {
        int n = r.ReadCount("accounts", Capacity), ni = InstrumentStride, na = AssetStride, pp = PartStride;
        if (n < 1) throw r.Fail("no fund row");
        r.Read<AccountRow>(Rows.AsSpan()[..n]);
        r.Read<long>(AssetBalance.AsSpan(0, n * na)); r.Read<long>(AssetValue.AsSpan(0, n * na)); r.Read<long>(AssetValuedAt.AsSpan(0, n * na)); r.Read<int>(AssetHolderPos.AsSpan(0, n * na));
        r.Read<PositionRow>(Positions.AsSpan()[..(n * ni)]);
        r.Read<int>(PositionSlot.AsSpan(0, n * ni)); r.Read<bool>(IsolatedMode.AsSpan(0, n * ni)); r.Read<long>(OpenLoss.AsSpan(0, n * ni));
        r.Read<long>(IsolatedMargin.AsSpan(0, n * ni));
        r.Read<long>(LiqRemaining.AsSpan(0, n * ni)); r.Read<long>(LiqPrice.AsSpan(0, n * ni)); r.Read<sbyte>(LiqSide.AsSpan(0, n * ni));
        r.Read<HealthState>(IsolatedHealth.AsSpan(0, n * pp)); r.Read<bool>(RoundDue.AsSpan(0, n * pp)); r.Read<int>(LiqOpen.AsSpan(0, n * pp));
        Count = n;
        // Accounts were added in index order and never removed, so inserting them again in that order
        // rebuilds the identical probe table (cheaper than storing it).
        for (int acct = 1; acct < n; acct++)
        {
            long id = Rows[acct].Id;
            if (Index.ContainsKey(id)) throw r.Fail($"account id {id} appears twice");
            Index.Add(id, acct);
        }
    }
}
