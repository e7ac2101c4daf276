using CrossMargin.Core.State;

namespace CrossMargin.Core.Kernels;

/// <summary>
/// Scan mode: the instrument-major view the SIMD revaluation kernel runs over. Positions live
/// account-major (<see cref="PositionRow"/>), so a full revaluation of one instrument first gathers
/// its holders' rows into dense columns, runs <see cref="MarginKernels.Revalue"/> over them, and
/// writes the new cached figures back. Columns are sized once for the holder capacity; no
/// allocation per tick. The index mode never needs it (it revalues single rows on demand).
/// </summary>
internal sealed class HolderGather
{
    public readonly long[] Qty, Basis, Buy, Sell, Upnl, Im, Mm; // gathered columns
    public readonly long[] DUpnl, DIm, DMm;                     // kernel deltas

    public HolderGather(int holders)
    {
        Qty = new long[holders]; Basis = new long[holders]; Buy = new long[holders]; Sell = new long[holders];
        Upnl = new long[holders]; Im = new long[holders]; Mm = new long[holders];
        DUpnl = new long[holders]; DIm = new long[holders]; DMm = new long[holders];
    }

    /// <summary>Bytes per holder slot (for the memory statement).</summary>
    public const int BytesPerHolder = 10 * 8;

    /// <summary>Copies the rows of an instrument's holders into the columns, in slot order.</summary>
    public void Gather(PositionTable holders, AccountTable accounts, int instr)
    {
        int ni = accounts.InstrumentStride;
        int[] acct = holders.Account;
        for (int j = 0, n = holders.Count; j < n; j++)
        {
            ref var p = ref accounts.Positions[acct[j] * ni + instr];
            Qty[j] = p.Qty; Basis[j] = p.Basis; Buy[j] = p.Buy; Sell[j] = p.Sell;
            Upnl[j] = p.Upnl; Im[j] = p.Im; Mm[j] = p.Mm;
        }
    }

    /// <summary>Writes the revalued figures back to the rows, stamped with <paramref name="mark"/>.</summary>
    public void Scatter(PositionTable holders, AccountTable accounts, int instr, long mark)
    {
        int ni = accounts.InstrumentStride;
        int[] acct = holders.Account;
        for (int j = 0, n = holders.Count; j < n; j++)
        {
            ref var p = ref accounts.Positions[acct[j] * ni + instr];
            p.Upnl = Upnl[j]; p.Im = Im[j]; p.Mm = Mm[j]; p.MarkAt = mark;
        }
    }
}
