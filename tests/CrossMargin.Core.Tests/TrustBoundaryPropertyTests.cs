using System.Text;
using CrossMargin.Core.Engine;
using CrossMargin.Scenario;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CrossMargin.Core.Tests;

/// <summary>
/// Issue 10, fuzzing the engine's trust boundary with FsCheck-generated input streams (plausible flow mixed
/// with hostile values): an input the engine does not apply changes no state (state hash), and one account's
/// inputs never change another account's state except through the insurance fund takeover and ADL.
/// </summary>
public class TrustBoundaryPropertyTests
{
    private const int Accounts = 6;
    private static readonly long[] MarkTicks = [500_000, 300_000]; // BTC 50000 / 0.1, ETH 3000 / 0.01

    private static Gen<long> Longs(long lo, long hi) => Gen.Choose(0, 1 << 30).Select(x => lo + (long)((hi - lo) * (x / (double)(1 << 30))));

    /// <summary>Edge values an attacker would try for any long field.</summary>
    private static readonly Gen<long> HostileLong = Gen.Elements(0L, -1L, 1L, long.MinValue, long.MaxValue, 1L << 56, -(1L << 56), int.MaxValue);

    private static readonly Gen<long> Account = Gen.Frequency((9, Gen.Choose(1, Accounts).Select(a => (long)a)), (1, HostileLong));
    private static readonly Gen<int> Instrument = Gen.Frequency((12, Gen.Choose(0, 1)), (1, Gen.Elements(-1, 2, 3, 4, int.MaxValue, int.MinValue)));
    private static readonly Gen<Side> AnySide = Gen.Elements(Side.Buy, Side.Sell, Side.Buy, Side.Sell, (Side)0, (Side)7);

    private static Gen<long> Price(int instrument) => instrument is 0 or 1
        ? Gen.Frequency((9, Longs(MarkTicks[instrument] * 6 / 10, MarkTicks[instrument] * 14 / 10)), (1, HostileLong))
        : HostileLong;

    private static Gen<long> Qty(int instrument) => Gen.Frequency((9, Longs(1, instrument == 0 ? 3000 : 5000)), (1, HostileLong));

    private static readonly Gen<RiskInput> Deposit =
        from a in Account from asset in Gen.Frequency((8, Gen.Constant(0)), (1, Gen.Elements(1, 2, 3, -1)))
        from amount in Gen.Frequency((9, Longs(1, 3_000_000_000)), (1, HostileLong))
        select new RiskInput { Kind = InputKind.Deposit, Account = a, Asset = asset, Amount = amount };

    private static readonly Gen<RiskInput> Withdraw =
        from a in Account from amount in Gen.Frequency((9, Longs(1, 800_000_000)), (1, HostileLong))
        select new RiskInput { Kind = InputKind.Withdraw, Account = a, Asset = 0, Amount = amount };

    private static readonly Gen<RiskInput> Order =
        from a in Account from i in Instrument from side in AnySide from q in Qty(i) from p in Price(i)
        from id in Gen.Choose(1, 40) from reduce in Gen.Frequency((7, Gen.Constant(false)), (1, Gen.Constant(true)))
        select new RiskInput { Kind = InputKind.Order, Account = a, OrderId = id, Instrument = i, Side = side, Qty = q, Price = p, ReduceOnly = reduce };

    private static readonly Gen<RiskInput> Cancel =
        from a in Account from id in Gen.Choose(1, 40)
        select new RiskInput { Kind = InputKind.Cancel, Account = a, OrderId = id };

    private static readonly Gen<RiskInput> Fill =
        from a in Account from i in Instrument from side in AnySide from q in Qty(i) from p in Price(i)
        from fee in Gen.Frequency((6, Longs(-1_000_000, 5_000_000)), (1, HostileLong))
        from withOrder in Gen.Elements(false, false, true) from id in Gen.Choose(1, 40)
        from liquidation in Gen.Frequency((6, Gen.Constant(false)), (1, Gen.Constant(true)))
        select new RiskInput
        {
            Kind = InputKind.Fill, Account = a, Instrument = i, Side = side, Qty = q, Price = p, Liquidation = liquidation,
            HasFee = !liquidation, Fee = liquidation ? 0 : fee, HasOrderId = withOrder, OrderId = withOrder ? id : 0,
        };

    private static readonly Gen<RiskInput> Mark =
        from i in Instrument from p in Price(i) select new RiskInput { Kind = InputKind.Mark, Instrument = i, Price = p };

    private static readonly Gen<RiskInput> AccountOther = Gen.OneOf(
        from a in Account from i in Instrument from flag in Gen.Elements(true, false)
        select new RiskInput { Kind = InputKind.MarginMode, Account = a, Instrument = i, Flag = flag },
        from a in Account from i in Instrument from amount in Gen.Frequency((6, Longs(-300_000_000, 300_000_000)), (1, HostileLong))
        select new RiskInput { Kind = InputKind.Isolate, Account = a, Instrument = i, Amount = amount },
        from a in Account select new RiskInput { Kind = InputKind.Query, Account = a });

    private static readonly Gen<RiskInput> Global = Gen.OneOf(
        from i in Instrument from rate in Gen.Frequency((6, Longs(-300, 300)), (1, HostileLong))
        select new RiskInput { Kind = InputKind.Funding, Instrument = i, Amount = rate },
        from asset in Gen.Elements(0, 1, 2, 9) from p in Gen.Frequency((6, Longs(20_000_000_000, 60_000_000_000)), (1, HostileLong))
        select new RiskInput { Kind = InputKind.Index, Asset = asset, Price = p },
        from fee in Gen.Frequency((3, Longs(0, 10_000)), (1, HostileLong)) from buffer in HostileLong from fund in Gen.Frequency((3, Longs(0, 1L << 40)), (1, HostileLong))
        select new RiskInput { Kind = InputKind.Config, LiquidationFeeRatePpm = fee, LiquidationBufferPpm = buffer, Amount = fund },
        from kind in Gen.Elements(InputKind.None, (InputKind)99, InputKind.FundQuery) select new RiskInput { Kind = kind });

    private static readonly Gen<RiskInput> AnyInput = Gen.Frequency(
        (10, Deposit), (3, Withdraw), (14, Order), (4, Cancel), (16, Fill), (10, Mark), (4, AccountOther), (2, Global));

    private static readonly Arbitrary<RiskInput[]> Streams =
        Gen.Choose(20, 160).SelectMany(n => AnyInput.ArrayOf(n)).ToArbitrary();

    private static bool IsAccountInput(InputKind kind) => kind is InputKind.Order or InputKind.Cancel or InputKind.Fill or InputKind.Deposit
        or InputKind.Withdraw or InputKind.MarginMode or InputKind.Isolate or InputKind.Query;

    /// <summary>Everything observable about one account: snapshot, open orders, liquidation orders, health of every part.</summary>
    private static string View(RiskEngine engine, long account, AccountSnapshot s)
    {
        if (!engine.Snapshot(account, s)) return "absent";
        var sb = new StringBuilder();
        sb.Append($"{s.Health} {s.Equity} {s.Im} {s.Mm} {s.OpenLoss} orders={engine.OpenOrderCount(account)} liq={engine.OpenLiquidationOrders(account)} |");
        for (int a = 0; a < s.AssetCount; a++) sb.Append(' ').Append(s.Balances[a]);
        for (int p = 0; p < s.PositionCount; p++)
        {
            var v = s.Positions[p];
            sb.Append($" [{v.Instrument} {v.Qty} {v.Basis} {v.Upnl} {v.Isolated} {v.Margin} {v.Health}]");
        }
        return sb.ToString();
    }

    private static string Describe(in RiskInput i) =>
        $"{i.Kind} acct={i.Account} instr={i.Instrument} side={i.Side} qty={i.Qty} price={i.Price} amount={i.Amount} asset={i.Asset} " +
        $"order={(i.HasOrderId ? i.OrderId : -1)}/{i.OrderId} fee={(i.HasFee ? i.Fee : 0)} liq={i.Liquidation} ro={i.ReduceOnly} flag={i.Flag}";

    /// <summary>Greedy one-at-a-time removal: the shortest prefix-preserving subsequence that still fails (for the failure label).</summary>
    private static string Minimal(RiskInput[] inputs, Func<RiskInput[], bool> fails)
    {
        var list = inputs.ToList();
        for (int i = list.Count - 1; i >= 0; i--)
        {
            var candidate = list.Where((_, k) => k != i).ToArray();
            if (fails(candidate)) list.RemoveAt(i);
        }
        return string.Join("\n", list.Select(x => Describe(x)));
    }

    private static string? UnappliedChangedState(RiskInput[] inputs)
    {
        var book = new Book(accounts: Accounts + 2);
        foreach (var input in inputs)
        {
            ulong before = book.Engine.StateHash();
            var status = book.Engine.Process(input);
            if (status != ProcessStatus.Applied && book.Engine.StateHash() != before) return $"{input.Kind} refused with {status} changed the state hash";
            if (book.Engine.VerifyCaches() is { } broken) return $"after {input.Kind}: {broken}";
        }
        return null;
    }

    [Property(MaxTest = 400)]
    public Property An_input_the_engine_does_not_apply_changes_no_state() =>
        Prop.ForAll(Streams, inputs => UnappliedChangedState(inputs) is not { } failure
            ? true.ToProperty()
            : false.Label($"{failure}; minimal stream:\n{Minimal(inputs, x => UnappliedChangedState(x) is not null)}"));

    [Property(MaxTest = 400)]
    public Property One_accounts_inputs_change_no_other_account_except_through_takeover_and_adl() =>
        Prop.ForAll(Streams, inputs =>
        {
            var book = new Book(accounts: Accounts + 2);
            var s = new AccountSnapshot(book.Engine);
            var before = new string[Accounts + 1];
            foreach (var input in inputs)
            {
                bool check = IsAccountInput(input.Kind);
                if (check) for (long b = 1; b <= Accounts; b++) before[b] = View(book.Engine, b, s);
                book.Engine.Process(input);
                if (!check) continue;
                bool socialised = false;
                foreach (var e in book.Engine.Events.Span) socialised |= e.Kind is EventKind.Takeover or EventKind.Adl;
                if (socialised) continue;
                for (long b = 1; b <= Accounts; b++)
                {
                    if (b == input.Account) continue;
                    string after = View(book.Engine, b, s);
                    if (after != before[b]) return false.Label($"{input.Kind} of account {input.Account} changed account {b}: {before[b]} -> {after}");
                }
            }
            return true.ToProperty();
        });
}

/// <summary>Regression tests for what the trust-boundary properties found.</summary>
public class TrustBoundaryFindingTests
{
    [Fact]
    public void An_order_or_fill_with_a_side_other_than_buy_or_sell_is_refused_and_changes_nothing()
    {
        // Found by An_input_the_engine_does_not_apply_changes_no_state: side 7 was booked as a sell but stored
        // as 7, leaving the open-order cache out of step (VerifyCaches: "open orders out of step").
        var book = new Book();
        book.Deposit(6, "2607.305416");
        ulong before = book.Engine.StateHash();
        var order = Book.OrderInput(6, 27, Book.Eth, Side.Buy, "6.17", "2974.74");
        order.Side = (Side)7;
        var events = book.Step(order);
        Assert.Equal(EventKind.Rejected, Assert.Single(events).Kind);
        Assert.Equal(RejectReason.InvalidQuantity, events[0].Reason);
        var fill = Book.FillInput(6, Book.Eth, Side.Buy, "1", "3000");
        fill.Side = 0;
        Assert.Equal(ProcessStatus.InvalidQuantity, book.Engine.Process(fill));
        Assert.Equal(before, book.Engine.StateHash());
        Assert.Null(book.Engine.VerifyCaches());
    }

    [Fact]
    public void A_config_with_the_most_negative_fund_balance_is_refused_not_thrown()
    {
        // Found by the journal fuzz target: Math.Abs(long.MinValue) threw OverflowException out of Process,
        // which kills the risk processor (a config message on the order-flow stream could do it).
        var book = new Book();
        ulong before = book.Engine.StateHash();
        Assert.Equal(ProcessStatus.InvalidAmount, book.Engine.Process(new RiskInput { Kind = InputKind.Config, Amount = long.MinValue }));
        Assert.Equal(before, book.Engine.StateHash());
    }

    [Fact]
    public void A_fill_whose_quantity_wraps_the_position_to_long_min_is_refused_not_thrown()
    {
        // Short one lot, then a sell of long.MaxValue lots: q0 + signed = long.MinValue, where Math.Abs threw.
        var book = new Book();
        book.Deposit(1, "100000");
        book.Fill(1, Book.Btc, Side.Sell, "0.001", "50000");
        ulong before = book.Engine.StateHash();
        var fill = Book.FillInput(1, Book.Btc, Side.Sell, "0.001", "50000");
        fill.Qty = long.MaxValue;
        Assert.Equal(ProcessStatus.PositionAboveMax, book.Engine.Process(fill));
        Assert.Equal(before, book.Engine.StateHash());
    }
}
