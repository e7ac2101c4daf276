using CrossMargin.Core.Audit;

namespace CrossMargin.Core.Engine;

public sealed partial class RiskEngine
{
    /// <summary>
    /// A 64-bit hash (XxHash64) of the complete risk state: marks, index prices, halts, config, every
    /// account's balances, positions, open orders, modes, margins, health and liquidation orders,
    /// and the ledger. Independent of slot order inside holder tables and of the kernel width, so
    /// two engines fed the same inputs agree exactly. Allocates (a hasher); audits and tests only.
    /// </summary>
    public ulong StateHash() => StateHasher.Hash(Config, _market, _accounts, _orders, _ledger);
}
