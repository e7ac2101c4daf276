using CrossMargin.Core.Engine;
using CrossMargin.Core.Kernels;
using CrossMargin.Core.Model;

namespace CrossMargin.Core.Tests;

/// <summary>
/// A test engine with the instruments of the worked examples: BTC-PERP (tick 0.1, lot 0.001,
/// tickValue 100 µ, three brackets) and ETH-PERP (tick 0.01, lot 0.01, tickValue 100 µ), plus
/// BTC (index 50000, haircut 0.1, 8 decimals) and ETH (index 3000, haircut 0.15, 8 decimals)
/// collateral assets. Money helpers take USD.
/// </summary>
internal sealed class Book
{
    public readonly RiskEngine Engine;
    public const int Btc = 0, Eth = 1, BtcAsset = 1, EthAsset = 2;
    public readonly List<RiskEvent> Log = [];

    public Book(int accounts = 64, KernelMode kernel = KernelMode.Auto, int ordersPerAccount = 64, string feeRate = "0.001", string buffer = "0.2", string fund = "10000",
        Trigger.TriggerMode trigger = Trigger.TriggerMode.Index)
    {
        Engine = new RiskEngine(new Capacities { Accounts = accounts, Instruments = 4, Assets = 3, OrdersPerAccount = ordersPerAccount }, kernel, trigger);
        Assert.True(Engine.DefineSettlementAsset("USD", out _));
        Assert.True(Engine.TryDefineAsset(new AssetSpec("BTC", "50000", "0.1", 8), out _));
        Assert.True(Engine.TryDefineAsset(new AssetSpec("ETH", "3000", "0.15", 8), out _));
        Assert.True(Engine.TryDefineInstrument(new InstrumentSpec("BTC-PERP", "0.1", "0.001",
            [new("50000", "0.01", "0.005"), new("250000", "0.02", "0.01"), new("1000000", "0.05", "0.025")],
            "100", "10", "1000000", "0.1", "50000"), out var e1), e1);
        Assert.True(Engine.TryDefineInstrument(new InstrumentSpec("ETH-PERP", "0.01", "0.01",
            [new("100000", "0.02", "0.01")], "1000", "100", "100000", "0.1", "3000"), out var e2), e2);
        Apply(new RiskInput
        {
            Kind = InputKind.Config, LiquidationFeeRatePpm = Ppm(feeRate), LiquidationBufferPpm = Ppm(buffer), Amount = Usd(fund),
        });
    }

    public static long Usd(string s) => Numerics.FixedDecimal.Parse(s).TryToScaled(6, out long v) ? v : throw new ArgumentException(s);
    public static long Ppm(string s) => Usd(s);
    /// <summary>Lots of a decimal quantity: BTC 0.001, ETH 0.01.</summary>
    public static long Lots(int instr, string qty) => Numerics.FixedDecimal.Parse(qty).TryToScaled(instr == Btc ? 3 : 2, out long v) ? v : throw new ArgumentException(qty);
    /// <summary>Ticks of a decimal price: BTC 0.1, ETH 0.01.</summary>
    public static long Ticks(int instr, string price) => Numerics.FixedDecimal.Parse(price).TryToScaled(instr == Btc ? 1 : 2, out long v) ? v : throw new ArgumentException(price);

    public ProcessStatus Apply(in RiskInput input)
    {
        var s = Engine.Process(input);
        foreach (var e in Engine.Events.Span) Log.Add(e);
        return s;
    }

    public RiskEvent[] Step(in RiskInput input)
    {
        Assert.Equal(ProcessStatus.Applied, Engine.Process(input));
        var events = Engine.Events.Span.ToArray();
        Log.AddRange(events);
        return events;
    }

    public RiskEvent[] Deposit(long acct, string usd) => Step(new RiskInput { Kind = InputKind.Deposit, Account = acct, Asset = 0, Amount = Usd(usd) });
    public RiskEvent[] DepositBtc(long acct, long sats) => Step(new RiskInput { Kind = InputKind.Deposit, Account = acct, Asset = BtcAsset, Amount = sats });
    public RiskEvent[] Withdraw(long acct, string usd) => Step(new RiskInput { Kind = InputKind.Withdraw, Account = acct, Asset = 0, Amount = Usd(usd) });
    public RiskEvent[] Mark(int instr, string price) => Step(new RiskInput { Kind = InputKind.Mark, Instrument = instr, Price = Ticks(instr, price) });
    public RiskEvent[] Index(string price, int asset = BtcAsset) => Step(new RiskInput { Kind = InputKind.Index, Asset = asset, Price = Usd(price) });
    public RiskEvent[] DepositAsset(long acct, int asset, long units) => Step(new RiskInput { Kind = InputKind.Deposit, Account = acct, Asset = asset, Amount = units });
    public RiskEvent[] Funding(int instr, long ratePpm) => Step(new RiskInput { Kind = InputKind.Funding, Instrument = instr, Amount = ratePpm });
    public RiskEvent[] Cancel(long acct, long id) => Step(new RiskInput { Kind = InputKind.Cancel, Account = acct, OrderId = id });
    public RiskEvent[] Halt(HaltScope scope, bool on, long acct = 0, int instr = -1) => Step(new RiskInput { Kind = InputKind.Halt, Scope = scope, Flag = on, Account = acct, Instrument = instr });
    public RiskEvent[] Mode(long acct, int instr, bool isolated) => Step(new RiskInput { Kind = InputKind.MarginMode, Account = acct, Instrument = instr, Flag = isolated });
    public RiskEvent[] Isolate(long acct, int instr, string usd) => Step(new RiskInput { Kind = InputKind.Isolate, Account = acct, Instrument = instr, Amount = Usd(usd) });

    public static RiskInput OrderInput(long acct, long id, int instr, Side side, string qty, string price, bool reduceOnly = false) =>
        new() { Kind = InputKind.Order, Account = acct, OrderId = id, Instrument = instr, Side = side, Qty = Lots(instr, qty), Price = Ticks(instr, price), ReduceOnly = reduceOnly };

    public RiskEvent Order(long acct, long id, int instr, Side side, string qty, string price, bool reduceOnly = false) =>
        Step(OrderInput(acct, id, instr, side, qty, price, reduceOnly))[0];

    public static RiskInput FillInput(long acct, int instr, Side side, string qty, string price, string fee = "0", long? orderId = null, bool liquidation = false) =>
        new()
        {
            Kind = InputKind.Fill, Account = acct, Instrument = instr, Side = side, Qty = Lots(instr, qty), Price = Ticks(instr, price),
            Fee = liquidation ? 0 : Usd(fee), HasFee = !liquidation, Liquidation = liquidation, HasOrderId = orderId.HasValue, OrderId = orderId ?? 0,
        };

    public RiskEvent[] Fill(long acct, int instr, Side side, string qty, string price, string fee = "0", long? orderId = null, bool liquidation = false) =>
        Step(FillInput(acct, instr, side, qty, price, fee, orderId, liquidation));

    public long Equity(long acct, int instr = -1) => Engine.Figures(acct, instr).Equity;

    public void AssertConsistent()
    {
        Assert.Null(Engine.VerifyCaches());
        for (int a = 0; a < Engine.AssetCount; a++) Assert.Equal(0, Engine.LedgerSum(a));
        var c = Engine.Census();
        Assert.Equal(0, c.Bankrupt);
        Assert.Equal(0, c.LiquidatingWithoutOrder);
        Assert.Equal(0, c.StaleHealth);
    }
}
