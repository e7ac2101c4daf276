using CrossMargin.Core.Trigger;

namespace CrossMargin.Core.Engine;

/// <summary>
/// The memory an account costs, stated from the layout (tested against the measured allocation).
/// Everything is sized at start-up from <see cref="Model.Capacities"/>; holder tables and bands have
/// one row per account per instrument (every account may hold every instrument), and the event buffer
/// is sized per input, so it does not appear here.
/// </summary>
public static class Footprint
{
    /// <summary>Bytes per account slot for <paramref name="instruments"/>, <paramref name="assets"/> and open orders per account.</summary>
    public static long BytesPerAccount(int instruments, int assets, int ordersPerAccount, TriggerMode trigger)
    {
        long parts = instruments + 1;
        long perAccount =
            64                              // account row: cash, CV, cross uPnL/IM/MM/open-loss sums, id, order count, cross positions, halted, cross health
            + assets * (8 + 8 + 8 + 4)      // non-settlement balance, haircut value and the index price it is at, asset-holder position (asset 0's column unused)
            + (assets - 1) * 4              // asset holder lists (non-settlement assets)
            + 16 * 4 / 3                    // account index: 16-byte entries at ≤ 75 % load (power-of-two table: up to 2× this)
            + instruments * (64 + 4 + 1 + 8 + 8 + 8 + 8 + 1) // per (account, instrument): position row; slot, mode, open loss, isolated margin, liquidation lots/price/side
            + parts * (1 + 1 + 4)           // per part: isolated health, round due, open liquidation orders
            + parts * (4 + 1 + 16 + 1 + 12) // settlement: touched list + flag, keyed heap entry + flag, sorted batch (id, part)
            + ordersPerAccount * (8 + 4 + 1 + 8 + 8 + 1) // open orders: id, instrument, side, remaining, loss per lot, reduce-only
            + instruments * (4 + 4);                     // holder list: account, part
        perAccount += trigger == TriggerMode.Index
            ? parts * (4 + 1) + (instruments + assets - 1) * (8 + 8 + 1 + 4 * 4 + 4) // re-band list + flag; per instrument and collateral asset: band lo/hi, banded flag, bucket-list links, pop scratch
            : Kernels.HolderGather.BytesPerHolder;                                   // scan: the gathered kernel columns (one instrument at a time)
        return perAccount;
    }

    /// <summary>
    /// Bytes that grow with the capacity but not linearly: the index mode's band buckets (per
    /// instrument, 2^16–2^18 of them, see <see cref="TriggerBands.LinearBucketBits"/>). Add it to
    /// <see cref="BytesPerAccount"/> × accounts for a total.
    /// </summary>
    public static long BucketBytes(int accounts, int instruments, TriggerMode trigger) =>
        trigger == TriggerMode.Index ? instruments * TriggerBands.LinearBucketBytes(accounts + 1) : 0;
}
