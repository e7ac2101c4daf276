using System.Runtime.CompilerServices;
using CrossMargin.Core.Engine;
using CrossMargin.Core.Model;

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
    public readonly long[] AssetValuedAt;   // index price AssetValue was computed at (index mode refreshes it lazily)
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
        AssetValuedAt = new long[accounts * assets];
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
}
