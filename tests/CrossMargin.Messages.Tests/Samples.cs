using CrossMargin.Core.Engine;
using CrossMargin.Core.Model;

namespace CrossMargin.Messages.Tests;

/// <summary>Random inputs and events of one kind, with only the fields that kind carries (others as the engine leaves them).</summary>
internal static class Samples
{
    public static readonly InputKind[] InputKinds = Enum.GetValues<InputKind>().Where(k => k != InputKind.None).ToArray();

    public static readonly EventKind[] EventKinds = Enum.GetValues<EventKind>().Where(k => k is not (EventKind.Account or EventKind.Fund)).ToArray();

    /// <summary>Any 64-bit value, with the edges (0, ±1, min, max) often.</summary>
    public static long AnyLong(Random r) => r.Next(8) switch
    {
        0 => 0, 1 => 1, 2 => -1, 3 => long.MinValue, 4 => long.MaxValue, _ => r.NextInt64(long.MinValue, long.MaxValue),
    };

    public static int AnyInt(Random r) => r.Next(6) switch { 0 => -1, 1 => 0, 2 => int.MinValue, 3 => int.MaxValue, _ => r.Next(int.MinValue, int.MaxValue) };
    public static int AnyAsset(Random r) => r.Next(4) == 0 ? ushort.MaxValue : r.Next(0, ushort.MaxValue + 1);
    public static bool AnyBool(Random r) => r.Next(2) == 1;
    public static Side AnySide(Random r) => r.Next(2) == 1 ? Side.Buy : Side.Sell;
    public static T AnyOf<T>(Random r) where T : struct, Enum { var v = Enum.GetValues<T>(); return v[r.Next(v.Length)]; }

    public static RiskInput Input(InputKind kind, Random r)
    {
        var i = new RiskInput { Kind = kind };
        switch (kind)
        {
            case InputKind.Order:
                i.Account = AnyLong(r); i.OrderId = AnyLong(r); i.Qty = AnyLong(r); i.Price = AnyLong(r);
                i.Instrument = AnyInt(r); i.Side = AnySide(r); i.ReduceOnly = AnyBool(r);
                break;
            case InputKind.Cancel:
                i.Account = AnyLong(r); i.OrderId = AnyLong(r);
                break;
            case InputKind.Fill:
                i.Account = AnyLong(r); i.OrderId = AnyLong(r); i.Qty = AnyLong(r); i.Price = AnyLong(r); i.Fee = AnyLong(r);
                i.Instrument = AnyInt(r); i.Side = AnySide(r);
                i.Liquidation = AnyBool(r); i.HasOrderId = AnyBool(r); i.HasFee = AnyBool(r);
                break;
            case InputKind.Deposit or InputKind.Withdraw:
                i.Account = AnyLong(r); i.Amount = AnyLong(r); i.Asset = AnyAsset(r);
                break;
            case InputKind.Mark:
                i.Price = AnyLong(r); i.Instrument = AnyInt(r);
                break;
            case InputKind.Index:
                i.Price = AnyLong(r); i.Asset = AnyAsset(r);
                break;
            case InputKind.Funding:
                i.Amount = AnyLong(r); i.Instrument = AnyInt(r);
                break;
            case InputKind.Halt:
                i.Account = AnyLong(r); i.Instrument = AnyInt(r); i.Scope = AnyOf<HaltScope>(r); i.Flag = AnyBool(r);
                break;
            case InputKind.Config:
                i.LiquidationFeeRatePpm = AnyLong(r); i.LiquidationBufferPpm = AnyLong(r); i.Amount = AnyLong(r);
                break;
            case InputKind.MarginMode:
                i.Account = AnyLong(r); i.Instrument = AnyInt(r); i.Flag = AnyBool(r);
                break;
            case InputKind.Isolate:
                i.Account = AnyLong(r); i.Amount = AnyLong(r); i.Instrument = AnyInt(r);
                break;
            case InputKind.Query:
                i.Account = AnyLong(r);
                break;
            case InputKind.FundQuery:
                break;
            default: throw new ArgumentOutOfRangeException(nameof(kind));
        }
        return i;
    }

    public static RiskEvent Event(EventKind kind, Random r)
    {
        var e = new RiskEvent { Kind = kind, Instrument = -1, Account = AnyLong(r) };
        switch (kind)
        {
            case EventKind.Accepted:
                e.OrderId = AnyLong(r);
                break;
            case EventKind.Rejected:
                e.OrderId = AnyLong(r); e.Reason = AnyOf<RejectReason>(r);
                break;
            case EventKind.ModeRejected:
                e.Instrument = AnyInt(r); e.Reason = AnyOf<RejectReason>(r);
                break;
            case EventKind.QueryRejected:
                e.Reason = AnyOf<RejectReason>(r);
                break;
            case EventKind.Withdrawal:
                e.Amount = AnyLong(r); e.Asset = AnyAsset(r); e.Accepted = AnyBool(r); e.Reason = AnyOf<RejectReason>(r);
                break;
            case EventKind.Health:
                e.Equity = AnyLong(r); e.Im = AnyLong(r); e.Mm = AnyLong(r); e.Instrument = AnyInt(r); e.Isolated = AnyBool(r);
                e.From = AnyOf<HealthState>(r); e.To = AnyOf<HealthState>(r);
                break;
            case EventKind.CancelAll or EventKind.Takeover:
                e.Amount = AnyLong(r); e.Instrument = AnyInt(r); e.Isolated = AnyBool(r);
                break;
            case EventKind.LiquidationOrder or EventKind.Adl:
                e.Qty = AnyLong(r); e.Price = AnyLong(r); e.Instrument = AnyInt(r); e.Side = AnySide(r);
                break;
            default: throw new ArgumentOutOfRangeException(nameof(kind));
        }
        return e;
    }

    /// <summary>An engine sized for the wire maxima, only to construct <see cref="AccountSnapshot"/>s (its constructor needs one).</summary>
    public static AccountSnapshot NewSnapshot(int assets = AccountSnapshotCodec.MaxBalances, int instruments = AccountSnapshotCodec.MaxPositions) =>
        new(new RiskEngine(new Capacities { Accounts = 1, Assets = assets, Instruments = instruments, HoldersPerInstrument = 1, OrdersPerAccount = 1, EventsPerInput = 1 }));

    public static void Fill(AccountSnapshot s, Random r)
    {
        s.Account = r.Next(5) == 0 ? AccountSnapshotCodec.FundAccount : AnyLong(r);
        s.Health = AnyOf<HealthState>(r);
        s.Equity = AnyLong(r); s.Im = AnyLong(r); s.Mm = AnyLong(r); s.OpenLoss = AnyLong(r);
        s.AssetCount = r.Next(0, s.Balances.Length + 1);
        Array.Clear(s.Balances);
        for (int a = 0; a < s.AssetCount; a++) s.Balances[a] = AnyLong(r);
        s.PositionCount = r.Next(0, Math.Min(s.Positions.Length, 12) + 1);
        for (int i = 0; i < s.PositionCount; i++)
            s.Positions[i] = new PositionView
            {
                Instrument = AnyInt(r), Qty = AnyLong(r), Basis = AnyLong(r), Upnl = AnyLong(r),
                Isolated = AnyBool(r), Margin = AnyLong(r), Health = AnyOf<HealthState>(r),
            };
    }
}
