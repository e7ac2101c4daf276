using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace CrossMargin.Core.Engine;

// The state hash of design.md ("replay from the journal must reproduce a state hash").
public sealed partial class RiskEngine
{
    /// <summary>
    /// A 64-bit hash (XxHash64) of the complete risk state: marks, index prices, halts, config, every
    /// account's balances, positions, open orders, modes, margins, health and liquidation orders,
    /// and the ledger. Independent of slot order inside holder tables and of the kernel width, so
    /// two engines fed the same inputs agree exactly. Allocates (a hasher); audits and tests only.
    /// </summary>
    public ulong StateHash()
    {
        var h = new XxHash64();
        var scratch = new long[8];
        var one = new long[1];
        void Add(ReadOnlySpan<long> values) => h.Append(MemoryMarshal.AsBytes(values));
        void One(long v) { one[0] = v; h.Append(MemoryMarshal.AsBytes(one.AsSpan())); }
        var ids = new long[_no];

        One(_globalHalt ? 1 : 0);
        One(Config.LiquidationFeeRatePpm);
        One(Config.LiquidationBufferPpm);
        for (int i = 0; i < _instrumentCount; i++) { One(_instruments[i].MarkTicks); One(_instruments[i].Halted ? 1 : 0); }
        for (int a = 1; a < _assetCount; a++) One(_assets[a].IndexPriceMicros);
        Add(_clearing.AsSpan(0, _assetCount));
        One(_feePool);
        for (int acct = 0; acct < _accountCount; acct++)
        {
            One(_accountId[acct]);
            One(_accountHalted[acct] ? 1 : 0);
            Add(_balance.AsSpan(acct * _na, _assetCount));
            for (int s = 0; s <= _instrumentCount; s++) One((long)_health[acct * _pp + s]);
            for (int i = 0; i < _instrumentCount; i++)
            {
                int k = acct * _ni + i, j = _positionSlot[k];
                var t = _tables[i];
                scratch[0] = _isolatedMode[k] ? 1 : 0; scratch[1] = _isolatedMargin[k];
                scratch[2] = j >= 0 ? t.Qty[j] : 0; scratch[3] = j >= 0 ? t.Basis[j] : 0;
                scratch[4] = _liqRemaining[k]; scratch[5] = _liqRemaining[k] != 0 ? _liqPrice[k] : 0;
                scratch[6] = _liqRemaining[k] != 0 ? _liqSide[k] : 0; scratch[7] = j >= 0 ? t.OpenLoss[j] : 0;
                Add(scratch);
            }
            // Open orders in id order, so the hash does not depend on the dense array's slot order.
            int n = _orderCount[acct];
            _orderId.AsSpan(acct * _no, n).CopyTo(ids);
            ids.AsSpan(0, n).Sort();
            foreach (long id in ids.AsSpan(0, n))
            {
                int k = FindOrder(acct, id);
                scratch[0] = id; scratch[1] = _orderInstrument[k]; scratch[2] = _orderSide[k]; scratch[3] = _orderRemaining[k];
                scratch[4] = _orderLossPerLot[k]; scratch[5] = _orderReduceOnly[k] ? 1 : 0;
                Add(scratch.AsSpan(0, 6));
            }
        }
        return h.GetCurrentHashAsUInt64();
    }
}
