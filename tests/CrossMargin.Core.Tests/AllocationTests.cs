using CrossMargin.Tests.Shared;
using CrossMargin.Core.Engine;
using CrossMargin.Core.Kernels;
using CrossMargin.Core.Trigger;
using static CrossMargin.Core.Tests.Book;

namespace CrossMargin.Core.Tests;

/// <summary>After warm-up no input path allocates (design.md, "Allocation-free hot path").</summary>
public class AllocationTests
{
    private static long Measure(RiskEngine engine, RiskInput[] inputs, int rounds)
    {
        // Warm up: tier the code and touch every path once more than measured.
        for (int w = 0; w < 3; w++) foreach (var i in inputs) engine.Process(i);
        // The runtime may allocate once on this thread while it installs optimised code (tiering,
        // on-stack replacement), more often on a loaded machine; an allocation per input would show
        // in every window, so the least of three windows is what the inputs themselves allocate.
        long least = long.MaxValue;
        for (int window = 0; window < 3 && least != 0; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int r = 0; r < rounds; r++)
                foreach (var i in inputs) engine.Process(i);
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }

    private static Book Populated(KernelMode kernel, TriggerMode trigger = TriggerMode.Index)
    {
        var b = new Book(accounts: 300, kernel: kernel, trigger: trigger);
        for (long a = 1; a <= 256; a++)
        {
            b.Deposit(a, "100000");
            b.Fill(a, Btc, a % 2 == 0 ? Side.Buy : Side.Sell, "0.5", "50000");
            b.Fill(a, Eth, a % 3 == 0 ? Side.Buy : Side.Sell, "3", "3000");
            if (a % 4 == 0) b.DepositAsset(a, a % 8 == 0 ? BtcAsset : EthAsset, 10_000_000); // collateral holders for the index ticks
        }
        return b;
    }

    [Theory]
    [InlineData(KernelMode.Auto, TriggerMode.Index)]
    [InlineData(KernelMode.Scalar, TriggerMode.Index)]
    [InlineData(KernelMode.Auto, TriggerMode.Scan)]
    [InlineData(KernelMode.Scalar, TriggerMode.Scan)]
    public void Order_checks_fills_ticks_and_funding_allocate_nothing(KernelMode kernel, TriggerMode trigger)
    {
        var b = Populated(kernel, trigger);
        var order = OrderInput(1, 1000, Btc, Side.Buy, "0.1", "50000");
        var cancel = new RiskInput { Kind = InputKind.Cancel, Account = 1, OrderId = 1000 };
        var rejected = OrderInput(2, 1001, Btc, Side.Buy, "10", "50000"); // insufficient margin
        Assert.Equal(0, Measure(b.Engine, [order, cancel, rejected], 2000));
        var fills = new[] { FillInput(3, Btc, Side.Buy, "0.2", "50010", "0.1"), FillInput(3, Btc, Side.Sell, "0.2", "49990", "0.1") };
        Assert.Equal(0, Measure(b.Engine, fills, 2000));
        var ticks = new[]
        {
            new RiskInput { Kind = InputKind.Mark, Instrument = Btc, Price = Ticks(Btc, "50100") },
            new RiskInput { Kind = InputKind.Mark, Instrument = Btc, Price = Ticks(Btc, "49900") },
            new RiskInput { Kind = InputKind.Index, Asset = BtcAsset, Price = Usd("51000") },
            new RiskInput { Kind = InputKind.Index, Asset = EthAsset, Price = Usd("1") },  // a collateral crash: pops, re-evaluates, re-bands
            new RiskInput { Kind = InputKind.Index, Asset = EthAsset, Price = Usd("3000") },
        };
        Assert.Equal(0, Measure(b.Engine, ticks, 500));
        var funding = new[] { new RiskInput { Kind = InputKind.Funding, Instrument = Eth, Amount = 10 }, new RiskInput { Kind = InputKind.Funding, Instrument = Eth, Amount = -10 } };
        Assert.Equal(0, Measure(b.Engine, funding, 500));
        var collateral = new[]
        {
            new RiskInput { Kind = InputKind.Deposit, Account = 5, Asset = 0, Amount = Usd("10") },
            new RiskInput { Kind = InputKind.Withdraw, Account = 5, Asset = 0, Amount = Usd("10") },
            new RiskInput { Kind = InputKind.Query, Account = 5 },
        };
        Assert.Equal(0, Measure(b.Engine, collateral, 1000));
        b.AssertConsistent();
    }

    [Fact]
    public void Look_ahead_prefetch_allocates_nothing_and_changes_no_state()
    {
        var b = Populated(KernelMode.Auto);
        var inputs = new[]
        {
            OrderInput(1, 1000, Btc, Side.Buy, "0.1", "50000"), FillInput(3, Btc, Side.Buy, "0.2", "50010", "0.1"),
            new RiskInput { Kind = InputKind.Withdraw, Account = 5, Asset = 0, Amount = Usd("10") },
            OrderInput(999, 1, Btc, Side.Buy, "0.1", "50000"), // unknown account: nothing to prefetch
            new RiskInput { Kind = InputKind.Mark, Instrument = Btc, Price = Ticks(Btc, "50100") },
        };
        ulong hash = b.Engine.StateHash();
        foreach (var i in inputs) { b.Engine.PrefetchLookup(i); b.Engine.Prefetch(i); }
        Assert.Equal(0, Allocations.LeastOf(3, () =>
        {
            for (int r = 0; r < 1000; r++)
                foreach (var i in inputs) { b.Engine.PrefetchLookup(i); b.Engine.Prefetch(i); }
        }));
        Assert.Equal(hash, b.Engine.StateHash());
    }

    [Theory]
    [InlineData(TriggerMode.Index)]
    [InlineData(TriggerMode.Scan)]
    public void Liquidation_rounds_fills_and_recovery_allocate_nothing(TriggerMode trigger)
    {
        var b = new Book(accounts: 64, fund: "1000000", trigger: trigger);
        for (long a = 1; a <= 50; a++)
        {
            b.Deposit(a, "600");
            b.Fill(a, Btc, Side.Buy, "1", "50000");
        }
        // Down: every account liquidating (E 50 ≤ MM 247.25); a liquidation fill each; up: all recover.
        var cycle = new List<RiskInput> { new() { Kind = InputKind.Mark, Instrument = Btc, Price = Ticks(Btc, "49450") } };
        for (long a = 1; a <= 50; a++) cycle.Add(FillInput(a, Btc, Side.Sell, "0.001", "49450", liquidation: true));
        cycle.Add(FillInput(1, Btc, Side.Buy, "0.001", "49450")); // restore lots outside liquidation: plain fills
        cycle.Add(new RiskInput { Kind = InputKind.Mark, Instrument = Btc, Price = Ticks(Btc, "50000") });
        for (long a = 1; a <= 50; a++) cycle.Add(FillInput(a, Btc, Side.Buy, "0.001", "50000"));
        for (long a = 1; a <= 50; a++) cycle.Add(new RiskInput { Kind = InputKind.Deposit, Account = a, Asset = 0, Amount = Usd("1") });
        var inputs = cycle.ToArray();
        b.Engine.Process(inputs[0]);
        Assert.True(b.Engine.Events.Count >= 100, "the down-tick must liquidate every account");
        Assert.Equal(0, Measure(b.Engine, inputs, 20));
        Assert.True(b.Engine.Counters.LiquidationOrders > 1000);
        b.AssertConsistent();
    }
}
