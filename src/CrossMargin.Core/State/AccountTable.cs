using System.Runtime.CompilerServices;
using CrossMargin.Core.Engine;
using CrossMargin.Core.Model;
using CrossMargin.Core.Snapshot;

namespace CrossMargin.Core.State;

/// <summary>
/// Struct-of-arrays state of every account, account-major, in three row shapes: per account,
/// per (account, instrument) <c>[acct × instruments + i]</c> and per margin part
/// <c>[acct × (instruments + 1) + slot]</c>. Account index 0 is the insurance fund. Plain
/// fields, read and written directly by the engine's rules (no dispatch on hot paths); sized
/// once from <see cref="Capacities"/>, never reallocated.
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

    // Per account.
    public readonly long[] Id;
    public readonly bool[] Halted;
    public readonly long[] Balance;         // [acct × assets + asset]; asset 0 in money micro-units
    public readonly long[] AssetValue;      // cached haircut value of each non-settlement balance
    public readonly int[] AssetHolderPos;   // position in the asset's holder list, −1 if none
    public readonly long[] CollateralValue; // Σ haircut values of non-settlement assets [acct]
    public readonly long[] CrossUpnl, CrossIm, CrossMm, CrossOpenLoss; // cached cross sums [acct]
    public readonly int[] CrossPositions;   // cross positions with q ≠ 0 [acct]

    // Per (account, instrument).
    public readonly int[] PositionSlot;     // slot in the instrument's table, −1 if none
    public readonly bool[] IsolatedMode;
    public readonly long[] IsolatedMargin;
    public readonly long[] LiqRemaining;    // open liquidation order lots (0: none)
    public readonly long[] LiqPrice;
    public readonly sbyte[] LiqSide;

    // Per part.
    public readonly HealthState[] Health;
    public readonly bool[] RoundDue;        // a liquidation fill asked for a new round (§6.3)
    public readonly int[] LiqOpen;          // open liquidation orders of the part

    /// <summary>Sizes every row for <paramref name="accounts"/> accounts (the fund included).</summary>
    public AccountTable(int accounts, int instruments, int assets)
    {
        InstrumentStride = instruments; AssetStride = assets; PartStride = instruments + 1;
        int parts = accounts * PartStride;
        Index = new AccountIndex(accounts);
        Id = new long[accounts];
        Halted = new bool[accounts];
        Balance = new long[accounts * assets];
        AssetValue = new long[accounts * assets];
        AssetHolderPos = new int[accounts * assets];
        Array.Fill(AssetHolderPos, -1);
        CollateralValue = new long[accounts];
        CrossUpnl = new long[accounts]; CrossIm = new long[accounts]; CrossMm = new long[accounts]; CrossOpenLoss = new long[accounts];
        CrossPositions = new int[accounts];
        PositionSlot = new int[accounts * instruments];
        Array.Fill(PositionSlot, -1);
        IsolatedMode = new bool[accounts * instruments];
        IsolatedMargin = new long[accounts * instruments];
        LiqRemaining = new long[accounts * instruments];
        LiqPrice = new long[accounts * instruments];
        LiqSide = new sbyte[accounts * instruments];
        Health = new HealthState[parts];
        RoundDue = new bool[parts];
        LiqOpen = new int[parts];
    }

    /// <summary>Account capacity, the fund included.</summary>
    public int Capacity => Id.Length;

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
        int acct = part / PartStride, slot = part % PartStride;
        return ref slot == 0 ? ref Balance[acct * AssetStride] : ref IsolatedMargin[acct * InstrumentStride + slot - 1];
    }

    /// <summary>Snapshot: the rows of the accounts in use, column by column (raw array bytes).</summary>
    public void WriteTo(SnapshotWriter w)
    {
        int n = Count, ni = InstrumentStride, na = AssetStride, pp = PartStride;
        w.Write(n);
        w.Write<long>(Id.AsSpan(0, n)); w.Write<bool>(Halted.AsSpan(0, n));
        w.Write<long>(Balance.AsSpan(0, n * na)); w.Write<long>(AssetValue.AsSpan(0, n * na)); w.Write<int>(AssetHolderPos.AsSpan(0, n * na));
        w.Write<long>(CollateralValue.AsSpan(0, n));
        w.Write<long>(CrossUpnl.AsSpan(0, n)); w.Write<long>(CrossIm.AsSpan(0, n)); w.Write<long>(CrossMm.AsSpan(0, n)); w.Write<long>(CrossOpenLoss.AsSpan(0, n));
        w.Write<int>(CrossPositions.AsSpan(0, n));
        w.Write<int>(PositionSlot.AsSpan(0, n * ni)); w.Write<bool>(IsolatedMode.AsSpan(0, n * ni)); w.Write<long>(IsolatedMargin.AsSpan(0, n * ni));
        w.Write<long>(LiqRemaining.AsSpan(0, n * ni)); w.Write<long>(LiqPrice.AsSpan(0, n * ni)); w.Write<sbyte>(LiqSide.AsSpan(0, n * ni));
        w.Write<HealthState>(Health.AsSpan(0, n * pp)); w.Write<bool>(RoundDue.AsSpan(0, n * pp)); w.Write<int>(LiqOpen.AsSpan(0, n * pp));
    }

    /// <summary>Snapshot: reads what <see cref="WriteTo"/> wrote into a fresh table (only the fund in use) and rebuilds the id index.</summary>
    public void ReadFrom(SnapshotReader r)
    {
        int n = r.ReadCount("accounts", Capacity), ni = InstrumentStride, na = AssetStride, pp = PartStride;
        if (n < 1) throw r.Fail("no fund row");
        r.Read<long>(Id.AsSpan(0, n)); r.Read<bool>(Halted.AsSpan(0, n));
        r.Read<long>(Balance.AsSpan(0, n * na)); r.Read<long>(AssetValue.AsSpan(0, n * na)); r.Read<int>(AssetHolderPos.AsSpan(0, n * na));
        r.Read<long>(CollateralValue.AsSpan(0, n));
        r.Read<long>(CrossUpnl.AsSpan(0, n)); r.Read<long>(CrossIm.AsSpan(0, n)); r.Read<long>(CrossMm.AsSpan(0, n)); r.Read<long>(CrossOpenLoss.AsSpan(0, n));
        r.Read<int>(CrossPositions.AsSpan(0, n));
        r.Read<int>(PositionSlot.AsSpan(0, n * ni)); r.Read<bool>(IsolatedMode.AsSpan(0, n * ni)); r.Read<long>(IsolatedMargin.AsSpan(0, n * ni));
        r.Read<long>(LiqRemaining.AsSpan(0, n * ni)); r.Read<long>(LiqPrice.AsSpan(0, n * ni)); r.Read<sbyte>(LiqSide.AsSpan(0, n * ni));
        r.Read<HealthState>(Health.AsSpan(0, n * pp)); r.Read<bool>(RoundDue.AsSpan(0, n * pp)); r.Read<int>(LiqOpen.AsSpan(0, n * pp));
        Count = n;
        // Accounts were added in index order and never removed, so inserting them again in that order
        // rebuilds the identical probe table (cheaper than storing it).
        for (int acct = 1; acct < n; acct++)
        {
            if (Index.ContainsKey(Id[acct])) throw r.Fail($"account id {Id[acct]} appears twice");
            Index.Add(Id[acct], acct);
        }
    }
}
