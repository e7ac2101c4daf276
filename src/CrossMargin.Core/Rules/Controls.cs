using CrossMargin.Core.Engine;
using CrossMargin.Core.Model;
using CrossMargin.Core.Numerics;
using CrossMargin.Core.State;

namespace CrossMargin.Core.Rules;

/// <summary>
/// Kill switches (risk-model §5 "halt": they stop new orders, never liquidation) and the
/// liquidation configuration, whose fund balance is set by a transfer with the clearing account so
/// the ledger stays balanced.
/// </summary>
internal sealed class Controls(MarketTable market, AccountTable accounts, Ledger ledger, RiskConfig config)
{
    public ProcessStatus Halt(in RiskInput h)
    {
        switch (h.Scope)
        {
            case HaltScope.Global: market.GlobalHalt = h.Flag; break;
            case HaltScope.Instrument:
                if ((uint)h.Instrument >= (uint)market.InstrumentCount) return ProcessStatus.UnknownInstrument;
                market.Instruments[h.Instrument].Halted = h.Flag;
                break;
            case HaltScope.Account:
                if (!accounts.Index.TryGetValue(h.Account, out int acct)) return ProcessStatus.UnknownAccount;
                accounts.Rows[acct].Halted = h.Flag;
                break;
        }
        return ProcessStatus.Applied;
    }

    public ProcessStatus Configure(in RiskInput c)
    {
        if (c.LiquidationFeeRatePpm is < 0 or > Money.Scale || c.LiquidationBufferPpm < 0) return ProcessStatus.InvalidRate;
        if (c.Amount >= Money.Bound || c.Amount <= -Money.Bound) return ProcessStatus.InvalidAmount; // not Math.Abs: it throws on long.MinValue
        config.LiquidationFeeRatePpm = c.LiquidationFeeRatePpm;
        config.LiquidationBufferPpm = c.LiquidationBufferPpm;
        // Setting the fund's balance is a transfer with the clearing account, so the ledger stays balanced.
        ref long fund = ref accounts.Rows[AccountTable.Fund].Cash;
        ledger.Clearing[0] -= c.Amount - fund;
        fund = c.Amount;
        return ProcessStatus.Applied;
    }
}
