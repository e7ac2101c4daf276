using System.IO.Hashing;
using System.Runtime.InteropServices;
using CrossMargin.Core.Model;
using CrossMargin.Core.State;

namespace CrossMargin.Core.Audit;

/// <summary>
/// The state hash of design.md ("replay from the journal must reproduce a state hash"): XxHash64
/// over the complete risk state in a fixed order. Journals store these hashes, so the order and
/// width of every field appended here is part of the format: never reorder.
/// </summary>
internal static class StateHasher
{
    /// <summary>
    /// Hashes marks, index prices, halts, config, every account's balances, positions, open orders,
    /// modes, margins, health and liquidation orders, and the ledger. Independent of slot order
    /// inside holder tables and order rows, and of the kernel width. Allocates (a hasher); audits
    /// and tests only.
    /// </summary>
    public static ulong Hash(RiskConfig config, MarketTable market, AccountTable accounts, OrderTable orders, Ledger ledger)
    {
        int ni = accounts.InstrumentStride, na = accounts.AssetStride, pp = accounts.PartStride, no = orders.PerAccount;
        var h = new XxHash64();
        var scratch = new long[8];
        var one = new long[1];
        void Add(ReadOnlySpan<long> values) => h.Append(MemoryMarshal.AsBytes(values));
        void One(long v) { one[0] = v; h.Append(MemoryMarshal.AsBytes(one.AsSpan())); }
        var ids = new long[no];

        One(market.GlobalHalt ? 1 : 0);
        One(config.LiquidationFeeRatePpm);
        One(config.LiquidationBufferPpm);
        for (int i = 0; i < market.InstrumentCount; i++) { One(market.Instruments[i].MarkTicks); One(market.Instruments[i].Halted ? 1 : 0); }
        for (int a = 1; a < market.AssetCount; a++) One(market.Assets[a].IndexPriceMicros);
        Add(ledger.Clearing.AsSpan(0, market.AssetCount));
        One(ledger.FeePool);
        for (int acct = 0; acct < accounts.Count; acct++)
        {
            One(accounts.Rows[acct].Id);
            One(accounts.Rows[acct].Halted ? 1 : 0);
            for (int a = 0; a < market.AssetCount; a++) One(accounts.Balance(acct, a)); // the same bytes as one span: XxHash64 streams

            for (int s = 0; s <= market.InstrumentCount; s++) One((long)accounts.Health(acct * pp + s));
            for (int i = 0; i < market.InstrumentCount; i++)
            {
                int k = acct * ni + i, j = accounts.PositionSlot[k];
                ref var p = ref accounts.Positions[k];
                long liq = accounts.LiqRemaining[k];
                scratch[0] = accounts.IsolatedMode[k] ? 1 : 0; scratch[1] = accounts.IsolatedMargin[k];
                scratch[2] = j >= 0 ? p.Qty : 0; scratch[3] = j >= 0 ? p.Basis : 0;
                scratch[4] = liq; scratch[5] = liq != 0 ? accounts.LiqPrice[k] : 0;
                scratch[6] = liq != 0 ? accounts.LiqSide[k] : 0; scratch[7] = j >= 0 ? accounts.OpenLoss[k] : 0;
                Add(scratch);
            }
            // Open orders in id order, so the hash does not depend on the dense array's slot order.
            int n = orders.CountOf(acct);
            orders.Id.AsSpan(acct * no, n).CopyTo(ids);
            ids.AsSpan(0, n).Sort();
            foreach (long id in ids.AsSpan(0, n))
            {
                int k = orders.Find(acct, id);
                scratch[0] = id; scratch[1] = orders.Instrument[k]; scratch[2] = orders.Side[k]; scratch[3] = orders.Remaining[k];
                scratch[4] = orders.LossPerLot[k]; scratch[5] = orders.ReduceOnly[k] ? 1 : 0;
                Add(scratch.AsSpan(0, 6));
            }
        }
        return h.GetCurrentHashAsUInt64();
    }
}
