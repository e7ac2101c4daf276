using CrossMargin.Core.Numerics;
using CrossMargin.Core.Engine;
using CrossMargin.Core.Model;
using static CrossMargin.Core.Tests.Book;

namespace CrossMargin.Core.Tests;

/// <summary>Hand-checked rules of risk-model §1–§8 beyond the worked examples.</summary>
public class EngineRuleTests
{
    /// <summary>Applies <paramref name="input"/> and asserts it is refused as an invalid amount with the state unchanged.</summary>
    private static void AssertRefusedUnchanged(Book b, RiskInput input)
    {
        ulong before = b.Engine.StateHash();
        Assert.Equal(ProcessStatus.InvalidAmount, b.Engine.Process(input));
        Assert.Equal(before, b.Engine.StateHash());
    }

    [Theory]
    [InlineData(long.MaxValue)]
    [InlineData(Money.Bound)]
    public void A_deposit_that_would_wrap_or_pass_2_pow_56_is_refused_and_changes_nothing(long amount)
    {
        // Found by the trust-boundary property: 637,893,071 then long.MaxValue wrapped the balance negative.
        var b = new Book(accounts: 8);
        b.Deposit(6, "637.893071");
        AssertRefusedUnchanged(b, new RiskInput { Kind = InputKind.Deposit, Account = 6, Asset = 0, Amount = amount });
    }

    [Theory]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    public void A_margin_move_outside_2_pow_56_is_refused_and_changes_nothing(long amount)
    {
        var b = new Book(accounts: 8);
        b.Deposit(1, "1000");
        AssertRefusedUnchanged(b, new RiskInput { Kind = InputKind.Isolate, Account = 1, Instrument = 0, Amount = amount });
    }

    [Fact]
    public void An_instrument_whose_max_notional_could_reach_2_pow_56_is_refused_at_load()
    {
        var engine = new RiskEngine(new Capacities { Accounts = 4 });
        engine.DefineSettlementAsset("USD", out _);
        // 10^6 BTC × 10^8 USD = 10^14 USD = 10^20 µ > 2^56
        Assert.False(engine.TryDefineInstrument(new InstrumentSpec("X", "0.1", "0.001", [new("50000", "0.01", "0.005")], "1000000", "10", "100000000", "0.1", "50000"), out var error));
        Assert.Contains("2^56", error);
    }

    [Theory]
    [InlineData("0.0001", "0.0001", "tickValue")]  // 0.01 µ per lot per tick: not an integer
    [InlineData("0.1", "0.001", "strictly increasing")]  // second bracket below the first
    public void Invalid_instruments_are_refused_with_a_specific_message(string tick, string lot, string expected)
    {
        var engine = new RiskEngine(new Capacities { Accounts = 4 });
        engine.DefineSettlementAsset("USD", out _);
        var brackets = expected == "tickValue" ? new List<BracketSpec> { new("50000", "0.01", "0.005") }
            : [new("50000", "0.01", "0.005"), new("40000", "0.02", "0.01")];
        Assert.False(engine.TryDefineInstrument(new InstrumentSpec("X", tick, lot, brackets, "100", "10", "1000000", "0.1", "50000"), out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void The_maintenance_amount_cum_is_derived_continuously()
    {
        var b = new Book();
        var ins = b.Engine.GetInstrument(Btc);
        Assert.Equal(0, ins.Brackets[0].Cum);
        Assert.Equal(Usd("250"), ins.Brackets[1].Cum);   // 50000 × (0.01 − 0.005)
        Assert.Equal(Usd("4000"), ins.Brackets[2].Cum);  // 250 + 250000 × (0.025 − 0.01)
        // Continuity at the first edge: MM(50000) = 250 in bracket 1 and ceil(50000 × 0.01) − 250 = 250 in bracket 2.
        Assert.Equal(Usd("250"), ins.MaintenanceMargin(Usd("50000")));
        Assert.Equal(Usd("250.000001"), ins.MaintenanceMargin(Usd("50000.0001")));
    }

    [Fact]
    public void A_kill_switch_stops_new_orders_but_never_liquidation()
    {
        var b = new Book();
        b.Deposit(1, "600");
        b.Fill(1, Btc, Side.Buy, "1", "50000");
        b.Halt(HaltScope.Global, true);
        Assert.Equal(RejectReason.Halted, b.Order(1, 1, Btc, Side.Sell, "1", "50000", reduceOnly: true).Reason);
        var events = b.Mark(Btc, "49450");
        Assert.Contains(events, e => e.Kind == EventKind.LiquidationOrder && e.Account == 1);
        b.AssertConsistent();
    }

    [Fact]
    public void Unknown_cancels_and_unmatched_fills_are_counted_not_echoed()
    {
        var b = new Book();
        b.Deposit(1, "1000");
        Assert.Empty(b.Cancel(1, 42));
        Assert.Empty(b.Cancel(77, 1));
        Assert.Equal(2, b.Engine.Counters.UnknownCancels);
        b.Order(1, 5, Btc, Side.Buy, "0.1", "50000");
        b.Fill(1, Btc, Side.Buy, "0.2", "50000", orderId: 5); // over-fill: applied, counted
        b.Fill(1, Btc, Side.Sell, "0.1", "50000", orderId: 99); // no such order: applied, counted
        Assert.Equal(2, b.Engine.Counters.FillAnomalies);
        Assert.Equal(Lots(Btc, "0.1"), b.Engine.PositionLots(1, Btc));
        Assert.Equal(0, b.Engine.OpenOrderCount(1));
        b.AssertConsistent();
    }

    [Fact]
    public void Inputs_the_engine_cannot_apply_change_nothing()
    {
        var b = new Book();
        b.Deposit(1, "1000");
        long before = b.Equity(1);
        Assert.Equal(ProcessStatus.UnknownAccount, b.Engine.Process(FillInput(9, Btc, Side.Buy, "1", "50000")));
        Assert.Equal(ProcessStatus.InvalidPrice, b.Engine.Process(FillInput(1, Btc, Side.Buy, "1", "1000000.1")));
        Assert.Equal(ProcessStatus.PositionAboveMax, b.Engine.Process(FillInput(1, Btc, Side.Buy, "100.001", "50000")));
        Assert.Equal(ProcessStatus.InvalidPrice, b.Engine.Process(new RiskInput { Kind = InputKind.Mark, Instrument = Btc, Price = 0 }));
        Assert.Equal(ProcessStatus.InvalidAsset, b.Engine.Process(new RiskInput { Kind = InputKind.Index, Asset = 0, Price = 1 }));
        Assert.Equal(ProcessStatus.InvalidAmount, b.Engine.Process(new RiskInput { Kind = InputKind.Isolate, Account = 1, Instrument = Btc, Amount = 0 }));
        Assert.Equal(0, b.Engine.Events.Count);
        Assert.Equal(before, b.Equity(1));
        Assert.Equal(0, b.Engine.PositionLots(1, Btc));
        b.AssertConsistent();
    }

    [Fact]
    public void Haircut_collateral_counts_rounded_down_and_a_withdrawal_of_it_is_margin_checked()
    {
        var b = new Book();
        b.DepositBtc(1, 10_000_000); // 0.1 BTC → floor(0.1 × 50000 × 0.9) = 4500
        Assert.Equal(Usd("4500"), b.Equity(1));
        b.Fill(1, Eth, Side.Buy, "10", "3000"); // IM 600
        var w = b.Step(new RiskInput { Kind = InputKind.Withdraw, Account = 1, Asset = BtcAsset, Amount = 9_000_000 }); // leaves 0.01 BTC = 450 < 600
        Assert.False(w[0].Accepted);
        Assert.Equal(RejectReason.InsufficientMargin, w[0].Reason);
        w = b.Step(new RiskInput { Kind = InputKind.Withdraw, Account = 1, Asset = BtcAsset, Amount = 8_000_000 }); // leaves 900 ≥ 600
        Assert.True(w[0].Accepted);
        Assert.Equal(Usd("900"), b.Equity(1));
        b.AssertConsistent();
    }

    [Fact]
    public void A_deposit_that_heals_a_restricted_account_emits_the_transition()
    {
        var b = new Book();
        b.Deposit(1, "600");
        b.Fill(1, Btc, Side.Buy, "1", "50000");
        var events = b.Mark(Btc, "49800"); // E 400 < IM 498, > MM 249
        var h = Assert.Single(events);
        Assert.Equal((HealthState.Healthy, HealthState.Restricted), (h.From, h.To));
        events = b.Deposit(1, "100");
        h = Assert.Single(events);
        Assert.Equal((HealthState.Restricted, HealthState.Healthy), (h.From, h.To));
        Assert.Equal(Usd("500"), h.Equity);
    }

    [Fact]
    public void Funding_is_settled_against_the_clearing_account_and_the_ledger_stays_zero()
    {
        var b = new Book();
        for (long a = 1; a <= 3; a++) b.Deposit(a, "1000");
        b.Fill(1, Btc, Side.Buy, "0.123", "50000");
        b.Fill(2, Btc, Side.Sell, "0.1", "50000");
        b.Fill(3, Btc, Side.Sell, "0.023", "50000");
        long clearing = b.Engine.Clearing(0);
        b.Funding(Btc, 100);      // longs pay ceil, shorts receive floor
        Assert.Equal(Usd("999.385"), b.Equity(1)); // 6150 × 0.0001 = 0.615 exactly
        Assert.True(b.Engine.Clearing(0) >= clearing);
        b.AssertConsistent();
    }

    [Fact]
    public void Taking_over_a_bankrupt_account_leaves_the_fund_holding_the_position_at_mark()
    {
        var b = new Book(fund: "1000");
        b.Deposit(1, "600");
        b.Fill(1, Btc, Side.Buy, "1", "50000");
        var events = b.Mark(Btc, "49000");
        Assert.Equal([EventKind.Health, EventKind.Takeover, EventKind.Health], events.Select(e => e.Kind));
        Assert.Equal(Usd("400"), events[1].Amount);
        Assert.Equal(Lots(Btc, "1"), b.Engine.FundPositionLots(Btc));
        Assert.Equal(Usd("600"), b.Engine.FundBalance);
        b.AssertConsistent();
    }

    [Fact]
    public void When_adl_cannot_recover_the_shortfall_the_fund_goes_negative_and_says_so()
    {
        var b = new Book(fund: "0");
        b.Deposit(1, "600");
        b.Fill(1, Btc, Side.Buy, "1", "50000");
        b.Deposit(2, "10000");
        b.Fill(2, Btc, Side.Sell, "0.1", "50000"); // the only profitable short: 0.1 BTC
        var events = b.Mark(Btc, "49000");
        var adl = Assert.Single(events, e => e.Kind == EventKind.Adl);
        Assert.Equal(Lots(Btc, "0.1"), adl.Qty);
        // The fund recovered 0.1 × (49400 − 49000) = 40 of the 400 deficit.
        Assert.Equal(-Usd("360"), b.Engine.FundBalance);
        b.AssertConsistent();
    }
}
