namespace CrossMargin.Core.State;

/// <summary>
/// The link between an (account, instrument) and its slot in the instrument's holder list
/// (<see cref="PositionTable"/>): created on the first order or fill, removed when position and
/// open orders are all zero (the last slot moves into the hole, and its band with it). The figures
/// stay in the account-major <see cref="PositionRow"/>, which a new slot starts zeroed.
/// </summary>
internal static class PositionSlots
{
    /// <summary>The slot of (account, instrument), created empty if absent; −1 when the table is full.</summary>
    public static int Ensure(MarketTable market, AccountTable accounts, int acct, int instr)
    {
        int k = acct * accounts.InstrumentStride + instr;
        ref int slot = ref accounts.PositionSlot[k];
        if (slot >= 0) return slot;
        // The fund holds everything in its cross part, whatever mode its row says.
        slot = market.Positions[instr].Add(acct, acct == AccountTable.Fund ? accounts.CrossPart(acct) : accounts.PartOf(acct, instr));
        if (slot >= 0) { accounts.Positions[k] = default; accounts.OpenLoss[k] = 0; }
        return slot;
    }

    /// <summary>True when (account, instrument) has a slot or the table has room for one.</summary>
    public static bool CanHold(MarketTable market, AccountTable accounts, int acct, int instr) =>
        accounts.PositionSlot[acct * accounts.InstrumentStride + instr] >= 0 || market.Positions[instr].Count < market.Positions[instr].Capacity;

    /// <summary>Open orders of an account on one instrument.</summary>
    public static bool HasOrdersOn(AccountTable accounts, int acct, int instr)
    {
        int k = acct * accounts.InstrumentStride + instr;
        if (accounts.PositionSlot[k] < 0) return false;
        ref var p = ref accounts.Positions[k];
        return p.Buy != 0 || p.Sell != 0;
    }

    /// <summary>Removes the slot of (account, instrument) when it holds no position and no open order.</summary>
    public static void RemoveIfEmpty(MarketTable market, AccountTable accounts, int acct, int instr)
    {
        int ni = accounts.InstrumentStride, k = acct * ni + instr;
        ref int slot = ref accounts.PositionSlot[k];
        int j = slot;
        if (j < 0) return;
        ref var p = ref accounts.Positions[k];
        if (p.Qty != 0 || p.Buy != 0 || p.Sell != 0) return;
        // An empty slot contributes nothing: its cached values are already zero; the row is left all zero
        // (the order check reads a slot-less row as a flat position).
        p = default;
        slot = -1;
        var t = market.Positions[instr];
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

    /// <summary>Adds to (account, instrument)'s open loss and, for a cross slot, to its account's cross sum.</summary>
    public static void AddOpenLoss(AccountTable accounts, int acct, int instr, long delta)
    {
        accounts.OpenLoss[acct * accounts.InstrumentStride + instr] += delta;
        if (acct == AccountTable.Fund || !accounts.IsolatedMode[acct * accounts.InstrumentStride + instr]) accounts.Rows[acct].CrossOpenLoss += delta;
    }

    /// <summary>The part the slot of (account, instrument) belongs to (the fund: always its cross part).</summary>
    public static int PartOfSlot(AccountTable accounts, int acct, int instr) =>
        acct == AccountTable.Fund ? accounts.CrossPart(acct) : accounts.PartOf(acct, instr);
}
