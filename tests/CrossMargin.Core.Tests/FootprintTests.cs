using CrossMargin.Core.Engine;
using CrossMargin.Core.Model;
using CrossMargin.Core.Trigger;
using Xunit.Abstractions;

namespace CrossMargin.Core.Tests;

/// <summary>
/// Issue 8, item 4: the bytes an account costs are stated (<see cref="Footprint"/>) and measured here
/// as the allocation of building an engine, so 1M accounts × 8 instruments is known to fit in 2 GB.
/// </summary>
public class FootprintTests(ITestOutputHelper output)
{
    internal static long BuildBytes(int accounts, int instruments, TriggerMode trigger)
    {
        GC.Collect();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = new RiskEngine(new Capacities { Accounts = accounts, Instruments = instruments, Assets = 1, OrdersPerAccount = 8 }, trigger: trigger);
        Assert.True(e.DefineSettlementAsset("USD", out _));
        for (int i = 0; i < instruments; i++)
            Assert.True(e.TryDefineInstrument(new InstrumentSpec($"P{i}", "0.1", "0.001",
                [new BracketSpec("50000", "0.01", "0.005"), new BracketSpec("250000", "0.02", "0.01")], "100", "10", "1000000", "0.1", "50000"), out var err), err);
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(e);
        return bytes;
    }

    [Theory]
    [InlineData(TriggerMode.Index)]
    [InlineData(TriggerMode.Scan)]
    public void Bytes_per_account_are_as_stated_and_a_million_accounts_on_eight_instruments_fit_in_2_GB(TriggerMode trigger)
    {
        // Account counts whose index tables are both 2/3 full at the same power-of-two step (16 B × 4/3 per account).
        long small = BuildBytes(24_000, 8, trigger), large = BuildBytes(48_000, 8, trigger);
        double perAccount = (large - small) / 24_000.0;
        long stated = Footprint.BytesPerAccount(8, 1, 8, trigger);
        output.WriteLine($"{trigger}: measured {perAccount:F1} B/account, stated {stated} B/account; 1M × 8 ≈ {perAccount * 1e6 / (1 << 20):F0} MiB");
        Assert.InRange(perAccount, stated * 0.97, stated * 1.03);
        Assert.True(stated * 1_000_000L + Footprint.BucketBytes(1_000_000, 8, trigger) + small < 2L * 1024 * 1024 * 1024, "1M accounts × 8 instruments must fit in 2 GB");
    }
}
