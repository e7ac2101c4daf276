namespace CrossMargin.Core.State;

/// <summary>
/// The link between an (account, instrument) and its row in the instrument's
/// <see cref="PositionTable"/>: created on the first order or fill, removed when position and
/// open orders are all zero (the last row moves into the hole, and its band with it).
/// </summary>
internal static class PositionSlots
{
    /// <summary>The slot of (account, instrument), created empty if absent; −1 when the table is full.</summary>
    public static int Ensure(MarketTable market, AccountTable accounts, int acct, int instr)
    {
        ref int slot = ref accounts.PositionSlot[acct * accounts.InstrumentStride + instr];
        if (slot >= 0) return slot;
        // The fund holds everything in its cross part, whatever mode its row says.
        slot = market.Positions[instr].Add(acct, acct == AccountTable.Fund ? accounts.CrossPart(acct) : accounts.PartOf(acct, instr));
        return slot;
    }

    /// <summary>True when (account, instrument) has a slot or the table has room for one.</summary>
    public static bool CanHold(MarketTable market, AccountTable accounts, int acct, int instr) =>
        accounts.PositionSlot[acct * accounts.InstrumentStride + instr] >= 0 || market.Positions[instr].Count < market.Positions[instr].Capacity;

    /// <summary>Open orders of an account on one instrument.</summary>
    public static bool HasOrdersOn(MarketTable market, AccountTable accounts, int acct, int instr)
    {
        int j = accounts.PositionSlot[acct * accounts.InstrumentStride + instr];
        return j >= 0 && (market.Positions[instr].Buy[j] != 0 || market.Positions[instr].Sell[j] != 0);
    }

    /// <summary>Removes the slot of (account, instrument) when it holds no position and no open order.</summary>
    public static void RemoveIfEmpty(MarketTable market, AccountTable accounts, int acct, int instr)
    {
        int ni = accounts.InstrumentStride;
        ref int slot = ref accounts.PositionSlot[acct * ni + instr];
        int j = slot;
        if (j < 0) return;
        var t = market.Positions[instr];
        if (t.Qty[j] != 0 || t.Buy[j] != 0 || t.Sell[j] != 0) return;
        // An empty slot contributes nothing: its cached values are already zero.
        slot = -1;
        var bands = market.Bands[instr];
        bands?.Clear(j);
        int last = t.Count - 1;
        int moved = t.RemoveAt(j);
        if (moved >= 0)
        {
            accounts.PositionSlot[moved * ni + instr] = j;
            bands?.Move(last, j);
        }
    }

    /// <summary>Adds to slot j's open loss and, for a cross slot, to its account's cross sum.</summary>
    public static void AddOpenLoss(MarketTable market, AccountTable accounts, int instr, int j, long delta)
    {
        var t = market.Positions[instr];
        t.OpenLoss[j] += delta;
        if (t.Part[j] == t.Account[j] * accounts.PartStride) accounts.CrossOpenLoss[t.Account[j]] += delta;
    }
}
