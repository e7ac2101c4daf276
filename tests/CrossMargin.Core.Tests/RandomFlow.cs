using CrossMargin.Core.Engine;

namespace CrossMargin.Core.Tests;

/// <summary>
/// Generates random but plausible input streams against a <see cref="Book"/>: deposits,
/// withdrawals (money and two collateral assets), orders near the mark, cancels, fills of open orders
/// and bare fills, marks and index moves of both collateral assets, funding, margin modes and isolation, and liquidation fills between the mark and
/// the bankruptcy price for the liquidation orders the engine issued.
/// </summary>
internal sealed class RandomFlow(Book book, Random rng, int accounts)
{
    private readonly List<(long Account, long Id, int Instrument, Side Side)> _orders = [];
    private readonly Dictionary<(long, int), (Side Side, long Lots, long Price)> _liquidations = [];
    private long _nextOrderId = 1;
    private readonly long[] _mark = [Book.Ticks(Book.Btc, "50000"), Book.Ticks(Book.Eth, "3000")];
    private readonly long[] _index = [Book.Usd("50000"), Book.Usd("3000")]; // BTC, ETH index prices

    public RiskInput Next()
    {
        long acct = rng.Next(1, accounts + 1);
        int instr = rng.Next(2);
        int roll = rng.Next(100);
        if (roll < 8)
        {
            // Money, or BTC / ETH collateral (8 decimals: 0.00000001 … 0.05 BTC, … 1 ETH).
            int asset = rng.Next(3) == 0 ? 1 + rng.Next(2) : 0;
            return new RiskInput { Kind = InputKind.Deposit, Account = acct, Asset = asset, Amount = asset == 0 ? rng.NextInt64(1, 3_000_000_000) : rng.NextInt64(1, asset == Book.BtcAsset ? 5_000_000 : 100_000_000) };
        }
        if (roll < 11)
        {
            int asset = rng.Next(4) == 0 ? 1 + rng.Next(2) : 0;
            return new RiskInput { Kind = InputKind.Withdraw, Account = acct, Asset = asset, Amount = asset == 0 ? rng.NextInt64(1, 500_000_000) : rng.NextInt64(1, 60_000_000) };
        }
        if (roll < 30)
        {
            long price = Math.Max(1, _mark[instr] + rng.NextInt64(-_mark[instr] / 12, _mark[instr] / 12 + 1));
            var side = rng.Next(2) == 0 ? Side.Buy : Side.Sell;
            return new RiskInput
            {
                Kind = InputKind.Order, Account = acct, OrderId = _nextOrderId++, Instrument = instr, Side = side,
                Qty = rng.NextInt64(1, instr == Book.Btc ? 2000 : 3000), Price = price, ReduceOnly = rng.Next(8) == 0,
            };
        }
        if (roll < 38 && _orders.Count > 0)
        {
            var o = _orders[rng.Next(_orders.Count)];
            return new RiskInput { Kind = InputKind.Cancel, Account = o.Account, OrderId = o.Id };
        }
        if (roll < 55 && _orders.Count > 0)
        {
            var o = _orders[rng.Next(_orders.Count)];
            return Fill(o.Account, o.Instrument, o.Side, rng.NextInt64(1, 1500), o.Id);
        }
        if (roll < 62) return Fill(acct, instr, rng.Next(2) == 0 ? Side.Buy : Side.Sell, rng.NextInt64(1, 800), null);
        if (roll < 80)
        {
            long step = _mark[instr] * rng.Next(-40, 41) / 1000;
            _mark[instr] = Math.Clamp(_mark[instr] + step, _mark[instr] / 2 + 1, instr == Book.Btc ? 10_000_000 : 10_000_000);
            return new RiskInput { Kind = InputKind.Mark, Instrument = instr, Price = _mark[instr] };
        }
        if (roll < 84)
        {
            // Index ticks of either collateral asset: mostly small steps (inside most bands), sometimes a jump.
            int asset = 1 + rng.Next(2), a = asset - 1;
            long step = rng.Next(4) == 0 ? _index[a] * rng.Next(-300, 301) / 1000 : _index[a] * rng.Next(-20, 21) / 1000 + rng.Next(-3, 4);
            _index[a] = Math.Clamp(_index[a] + step, 1, 1_000_000_000_000);
            return new RiskInput { Kind = InputKind.Index, Asset = asset, Price = _index[a] };
        }
        if (roll < 86) return new RiskInput { Kind = InputKind.Funding, Instrument = instr, Amount = rng.Next(-300, 301) };
        if (roll < 88) return new RiskInput { Kind = InputKind.MarginMode, Account = acct, Instrument = instr, Flag = rng.Next(2) == 0 };
        if (roll < 91) return new RiskInput { Kind = InputKind.Isolate, Account = acct, Instrument = instr, Amount = rng.NextInt64(-300_000_000, 300_000_000) | 1 };
        if (_liquidations.Count > 0) return LiquidationFill();
        return new RiskInput { Kind = InputKind.Query, Account = acct };
    }

    private RiskInput Fill(long acct, int instr, Side side, long lots, long? orderId)
    {
        long q = book.Engine.HasAccount(acct) ? book.Engine.PositionLots(acct, instr) : 0;
        long max = instr == Book.Btc ? 100_000 : 100_000;
        long signed = side == Side.Buy ? lots : -lots;
        if (Math.Abs(q + signed) > max) { signed = -signed; side = side == Side.Buy ? Side.Sell : Side.Buy; }
        long price = Math.Max(1, _mark[instr] + rng.NextInt64(-_mark[instr] / 50, _mark[instr] / 50 + 1));
        return new RiskInput
        {
            Kind = InputKind.Fill, Account = book.Engine.HasAccount(acct) ? acct : 1, Instrument = instr, Side = side, Qty = lots, Price = price,
            Fee = rng.NextInt64(-1_000_000, 5_000_000), HasFee = true, HasOrderId = orderId.HasValue, OrderId = orderId ?? 0,
        };
    }

    /// <summary>A liquidation fill for an issued order, at a price between the mark and the bankruptcy price.</summary>
    public RiskInput LiquidationFill()
    {
        var keys = _liquidations.Keys.ToArray();
        var key = keys[rng.Next(keys.Length)];
        var (side, lots, bp) = _liquidations[key];
        long q = Math.Abs(book.Engine.PositionLots(key.Item1, key.Item2));
        long take = Math.Max(1, Math.Min(Math.Min(lots, q), rng.NextInt64(1, lots + 1)));
        long mark = _mark[key.Item2];
        long lo = Math.Min(mark, bp), hi = Math.Max(mark, bp);
        return new RiskInput
        {
            Kind = InputKind.Fill, Account = key.Item1, Instrument = key.Item2, Side = side, Qty = take,
            Price = Math.Clamp(rng.NextInt64(lo, hi + 1), 1, 10_000_000), Liquidation = true,
        };
    }

    public bool HasLiquidations => _liquidations.Count > 0;

    /// <summary>Keeps the generator's view of open orders and liquidation orders in step with the engine.</summary>
    public void Observe(in RiskInput input, ReadOnlySpan<RiskEvent> events)
    {
        if (input.Kind == InputKind.Fill && input.Liquidation && _liquidations.TryGetValue((input.Account, input.Instrument), out var lo))
        {
            long left = lo.Lots - input.Qty;
            if (left <= 0) _liquidations.Remove((input.Account, input.Instrument));
            else _liquidations[(input.Account, input.Instrument)] = (lo.Side, left, lo.Price);
        }
        foreach (var e in events)
        {
            switch (e.Kind)
            {
                case EventKind.Accepted:
                    _orders.Add((e.Account, e.OrderId, input.Instrument, input.Side));
                    break;
                case EventKind.LiquidationOrder:
                    _liquidations[(e.Account, e.Instrument)] = (e.Side, e.Qty, e.Price);
                    break;
                case EventKind.Health when e.From == HealthState.Liquidating || e.To == HealthState.Bankrupt:
                    for (int i = 0; i < 2; i++)
                        if (!e.Isolated || e.Instrument == i) _liquidations.Remove((e.Account, i));
                    break;
            }
        }
        // Orders that filled, cancelled or were swept by cancel_all disappear from the engine; mirror lazily.
        if (_orders.Count > 0 && (input.Kind is InputKind.Cancel or InputKind.Fill || events.Length > 0))
            _orders.RemoveAll(o => !OrderOpen(o.Account));
        if (input.Kind == InputKind.Mark) _mark[input.Instrument] = input.Price;
    }

    private bool OrderOpen(long account) => book.Engine.HasAccount(account) && book.Engine.OpenOrderCount(account) > 0;
}
