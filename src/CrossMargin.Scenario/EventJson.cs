using System.Text;
using CrossMargin.Core.Engine;
using CrossMargin.Core.Numerics;

namespace CrossMargin.Scenario;

/// <summary>
/// Renders output events exactly as scenario-format.md specifies: keys in the documented order,
/// no spaces, decimals without trailing zeros.
/// </summary>
public sealed class EventJson
{
    private readonly RiskEngine _engine;
    private readonly AccountSnapshot _snapshot;

    /// <summary>Creates a renderer for the events of <paramref name="engine"/>.</summary>
    public EventJson(RiskEngine engine)
    {
        _engine = engine;
        _snapshot = new AccountSnapshot(engine);
    }

    /// <summary>Health state as written in events.</summary>
    public static string HealthName(HealthState h) => h switch
    {
        HealthState.Healthy => "healthy",
        HealthState.Restricted => "restricted",
        HealthState.Liquidating => "liquidating",
        _ => "bankrupt",
    };

    /// <summary>Reject reason as written in events.</summary>
    public static string ReasonName(RejectReason r) => r switch
    {
        RejectReason.UnknownAccount => "unknown_account",
        RejectReason.UnknownInstrument => "unknown_instrument",
        RejectReason.Halted => "halted",
        RejectReason.InvalidQuantity => "invalid_quantity",
        RejectReason.InvalidPrice => "invalid_price",
        RejectReason.PriceBand => "price_band",
        RejectReason.DuplicateOrder => "duplicate_order",
        RejectReason.AccountLiquidating => "account_liquidating",
        RejectReason.ReduceOnlyViolation => "reduce_only_violation",
        RejectReason.PositionLimit => "position_limit",
        RejectReason.InsufficientMargin => "insufficient_margin",
        RejectReason.InsufficientBalance => "insufficient_balance",
        RejectReason.InvalidMode => "invalid_mode",
        RejectReason.TooManyOrders => "too_many_orders",
        RejectReason.SequenceGap => "sequence_gap",
        _ => "none",
    };

    private static string Money(long micros) => FixedDecimal.Format(micros, CrossMargin.Core.Numerics.Money.Decimals);

    /// <summary>
    /// Appends one event as a JSON line (no newline). Account and fund snapshots read the engine's
    /// current state, so render the events of an input before processing the next one.
    /// <paramref name="unknownInstrumentId"/> names an instrument the engine does not know (mode rejects).
    /// </summary>
    public void Write(StringBuilder sb, in RiskEvent e, string? unknownInstrumentId = null)
    {
        switch (e.Kind)
        {
            case EventKind.Accepted:
                sb.Append("{\"event\":\"accepted\",\"account\":").Append(e.Account).Append(",\"orderId\":").Append(e.OrderId).Append('}');
                break;
            case EventKind.Rejected:
                sb.Append("{\"event\":\"rejected\",\"account\":").Append(e.Account).Append(",\"orderId\":").Append(e.OrderId)
                  .Append(",\"reason\":\"").Append(ReasonName(e.Reason)).Append("\"}");
                break;
            case EventKind.ModeRejected:
                sb.Append("{\"event\":\"rejected\",\"account\":").Append(e.Account).Append(",\"instrument\":\"")
                  .Append(e.Instrument >= 0 ? _engine.GetInstrument(e.Instrument).Id : unknownInstrumentId)
                  .Append("\",\"reason\":\"").Append(ReasonName(e.Reason)).Append("\"}");
                break;
            case EventKind.QueryRejected:
                sb.Append("{\"event\":\"rejected\",\"account\":").Append(e.Account).Append(",\"reason\":\"").Append(ReasonName(e.Reason)).Append("\"}");
                break;
            case EventKind.Withdrawal:
            {
                var asset = _engine.GetAsset(e.Asset);
                sb.Append("{\"event\":\"withdrawal\",\"account\":").Append(e.Account).Append(",\"asset\":\"").Append(asset.Id)
                  .Append("\",\"amount\":\"").Append(FixedDecimal.Format(e.Amount, asset.Decimals)).Append("\",\"accepted\":")
                  .Append(e.Accepted ? "true" : "false").Append(",\"reason\":");
                if (e.Accepted) sb.Append("null"); else sb.Append('"').Append(ReasonName(e.Reason)).Append('"');
                sb.Append('}');
                break;
            }
            case EventKind.Health:
                PartHead(sb, "health", e).Append(",\"from\":\"").Append(HealthName(e.From)).Append("\",\"to\":\"").Append(HealthName(e.To))
                  .Append("\",\"equity\":\"").Append(Money(e.Equity)).Append("\",\"im\":\"").Append(Money(e.Im))
                  .Append("\",\"mm\":\"").Append(Money(e.Mm)).Append("\"}");
                break;
            case EventKind.CancelAll:
                PartHead(sb, "cancel_all", e).Append(",\"orders\":").Append(e.Amount).Append('}');
                break;
            case EventKind.Takeover:
                PartHead(sb, "takeover", e).Append(",\"deficit\":\"").Append(Money(e.Amount)).Append("\"}");
                break;
            case EventKind.LiquidationOrder:
            case EventKind.Adl:
            {
                var ins = _engine.GetInstrument(e.Instrument);
                sb.Append("{\"event\":\"").Append(e.Kind == EventKind.Adl ? "adl" : "liquidation_order").Append("\",\"account\":").Append(e.Account)
                  .Append(",\"instrument\":\"").Append(ins.Id).Append("\",\"side\":\"").Append(e.Side == Side.Buy ? "buy" : "sell")
                  .Append("\",\"qty\":\"").Append(ins.FormatQty(e.Qty)).Append("\",\"price\":\"").Append(ins.FormatPrice(e.Price)).Append("\"}");
                break;
            }
            case EventKind.Account:
                _engine.Snapshot(e.Account, _snapshot);
                WriteAccount(sb, _snapshot, "account");
                break;
            case EventKind.Fund:
                _engine.SnapshotFund(_snapshot);
                WriteAccount(sb, _snapshot, "fund");
                break;
        }
    }

    private StringBuilder PartHead(StringBuilder sb, string name, in RiskEvent e)
    {
        sb.Append("{\"event\":\"").Append(name).Append("\",\"account\":").Append(e.Account);
        if (e.Isolated) sb.Append(",\"instrument\":\"").Append(_engine.GetInstrument(e.Instrument).Id).Append('"');
        return sb;
    }

    /// <summary>The `account` answer (risk-model §8 for the order of entries); the fund uses the same shape.</summary>
    public void WriteAccount(StringBuilder sb, AccountSnapshot s, string eventName)
    {
        sb.Append("{\"event\":\"").Append(eventName).Append('"');
        if (eventName == "account") sb.Append(",\"account\":").Append(s.Account);
        sb.Append(",\"health\":\"").Append(HealthName(s.Health))
          .Append("\",\"equity\":\"").Append(Money(s.Equity)).Append("\",\"im\":\"").Append(Money(s.Im))
          .Append("\",\"mm\":\"").Append(Money(s.Mm)).Append("\",\"openLoss\":\"").Append(Money(s.OpenLoss))
          .Append("\",\"balances\":{");
        for (int a = 0; a < s.AssetCount; a++)
        {
            if (a > 0 && s.Balances[a] == 0) continue;
            var asset = _engine.GetAsset(a);
            if (a > 0) sb.Append(',');
            sb.Append('"').Append(asset.Id).Append("\":\"").Append(FixedDecimal.Format(s.Balances[a], asset.Decimals)).Append('"');
        }
        sb.Append("},\"positions\":[");
        for (int k = 0; k < s.PositionCount; k++)
        {
            ref var p = ref s.Positions[k];
            var ins = _engine.GetInstrument(p.Instrument);
            if (k > 0) sb.Append(',');
            sb.Append("{\"instrument\":\"").Append(ins.Id).Append("\",\"qty\":\"").Append(ins.FormatQty(p.Qty))
              .Append("\",\"basis\":\"").Append(Money(p.Basis)).Append("\",\"upnl\":\"").Append(Money(p.Upnl))
              .Append("\",\"isolated\":").Append(p.Isolated ? "true" : "false");
            if (p.Isolated) sb.Append(",\"margin\":\"").Append(Money(p.Margin)).Append('"');
            sb.Append('}');
        }
        sb.Append("]}");
    }
}
