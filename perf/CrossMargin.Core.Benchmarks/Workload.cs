using CrossMargin.Core.Engine;
using CrossMargin.Core.Kernels;
using CrossMargin.Core.Model;

namespace CrossMargin.Core.Benchmarks;

/// <summary>
/// Builds the engines both front ends measure (BenchmarkDotNet classes and the Stopwatch harness),
/// so every setup is written once. All setups are deterministic (no Random).
/// </summary>
/// <remarks>
/// Instruments (same margin table as the BTC-PERP example: tick 0.1, lot 0.001 → tickValue 100 µ;
/// brackets 50k/1%/0.5%, 250k/2%/1%, 1M/5%/2.5%; maxPosition 100, maxOrder 10, band 10%):
/// 0 BTC-PERP @ 50000, 1 ETH-PERP @ 3000, 2 SOL-PERP @ 150, 3 XRP-PERP @ 20.
/// <para>Healthy account: $20,000 settlement balance; BTC ±0.050…0.300 (long/short alternating) and
/// 1–3 further instruments, so 2–4 positions; IMreq ≈ $150–$400, so E ≫ IMreq and one-tick marks
/// never change health, yet a 10 BTC order fails the initial-margin check (insufficient_margin).</para>
/// <para>Leveraged account (liquidation workload): $150, long 0.2 BTC at 50000 (IM $100, MM $50).
/// At 49300 E = $10 ≤ MM = $49.30 (> 0, so liquidating, not bankrupt); back at 50000 it is healthy.</para>
/// </remarks>
public sealed class Workload
{
    public const int Btc = 0;
    public const long BtcMark = 500_000;            // ticks (50 000.0)
    public const long LiquidationMark = 493_000;    // ticks (49 300.0): −1.4 %
    public const long HealthyBalance = 20_000_000_000; // $20,000 in µ
    public const long LeveragedBalance = 150_000_000;  // $150 in µ
    public const long LeveragedLots = 200;              // 0.2 BTC
    public const long AcceptedOrderLots = 10;           // 0.01 BTC
    public const long RejectedOrderLots = 10_000;       // 10 BTC: needs ≥ $24k IM → insufficient_margin

    private static readonly string[] Ids = ["BTC-PERP", "ETH-PERP", "SOL-PERP", "XRP-PERP"];
    private static readonly string[] Marks = ["50000", "3000", "150", "20"];

    public RiskEngine Engine { get; }
    /// <summary>Account ids in creation (= position-table) order.</summary>
    public long[] AccountIds { get; }
    /// <summary>Healthy accounts in a fixed pseudo-random order, for rotating order/fill inputs.</summary>
    public long[] Rotation { get; }
    /// <summary>Ids of the leveraged accounts (liquidation workload), else empty.</summary>
    public long[] Leveraged { get; }

    private Workload(RiskEngine engine, long[] ids, long[] rotation, long[] leveraged)
    {
        Engine = engine; AccountIds = ids; Rotation = rotation; Leveraged = leveraged;
    }

    public static InstrumentSpec Perp(string id, string mark) => new(id, "0.1", "0.001",
        [new BracketSpec("50000", "0.01", "0.005"), new BracketSpec("250000", "0.02", "0.01"), new BracketSpec("1000000", "0.05", "0.025")],
        "100", "10", "1000000", "0.1", mark);

    /// <summary>Scrambled but unique account id of creation index i (table order ≠ id order, as in production).</summary>
    public static long AccountId(int i) => (long)unchecked((uint)i * 2654435761u) + 1;

    public static RiskEngine NewEngine(int accounts, KernelMode mode)
    {
        var e = new RiskEngine(new Capacities { Accounts = accounts, Instruments = Ids.Length, Assets = 1, OrdersPerAccount = 8 }, mode);
        if (!e.DefineSettlementAsset("USD", out var err)) throw new InvalidOperationException(err);
        for (int i = 0; i < Ids.Length; i++)
            if (!e.TryDefineInstrument(Perp(Ids[i], Marks[i]), out err)) throw new InvalidOperationException(err);
        return e;
    }

    /// <summary>
    /// <paramref name="holders"/> healthy accounts, each holding BTC-PERP (so BTC has exactly that many
    /// holders) and 1–3 more instruments.
    /// </summary>
    public static Workload Population(int holders, KernelMode mode = KernelMode.Auto) => Build(holders, 0, mode);

    /// <summary>
    /// <paramref name="total"/> BTC holders of which <paramref name="leveraged"/> (evenly spread) are
    /// leveraged longs that become liquidating at <see cref="LiquidationMark"/>; the rest are healthy.
    /// </summary>
    public static Workload Liquidation(int leveraged, int total = 20_000, KernelMode mode = KernelMode.Auto)
    {
        if (leveraged < 0 || leveraged > total) throw new ArgumentOutOfRangeException(nameof(leveraged));
        return Build(total, leveraged, mode);
    }

    private static Workload Build(int total, int leveraged, KernelMode mode)
    {
        var e = NewEngine(total, mode);
        var ids = new long[total];
        var healthy = new List<long>(total);
        var lev = new List<long>(leveraged);
        int step = leveraged == 0 ? int.MaxValue : total / leveraged;
        for (int i = 0; i < total; i++)
        {
            long id = AccountId(i);
            ids[i] = id;
            if (leveraged > 0 && i % step == 0 && lev.Count < leveraged)
            {
                Apply(e, Deposit(id, LeveragedBalance));
                Apply(e, Fill(id, Btc, Side.Buy, LeveragedLots, BtcMark));
                lev.Add(id);
                continue;
            }
            Apply(e, Deposit(id, HealthyBalance));
            Side s = (i & 1) == 0 ? Side.Buy : Side.Sell;
            Apply(e, Fill(id, Btc, s, 50 + (long)i * 7919 % 251, BtcMark));
            int more = 1 + i % 3;
            Apply(e, Fill(id, 1, (i & 2) == 0 ? Side.Buy : Side.Sell, 1_000 + i % 2_001, 30_000));
            if (more >= 2) Apply(e, Fill(id, 2, (i & 4) == 0 ? Side.Sell : Side.Buy, 10_000 + (long)i * 31 % 40_001, 1_500));
            if (more >= 3) Apply(e, Fill(id, 3, (i & 8) == 0 ? Side.Buy : Side.Sell, 10_000 + (long)i * 17 % 80_001, 200));
            healthy.Add(id);
        }
        var rotation = healthy.ToArray();
        // Fixed Fisher–Yates with a xorshift generator: deterministic, cache-unfriendly order.
        ulong x = 0x9E3779B97F4A7C15UL;
        for (int i = rotation.Length - 1; i > 0; i--)
        {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            int j = (int)(x % (ulong)(i + 1));
            (rotation[i], rotation[j]) = (rotation[j], rotation[i]);
        }
        if (e.HolderCount(Btc) != total) throw new InvalidOperationException("unexpected BTC holder count");
        return new Workload(e, ids, rotation, lev.ToArray());
    }

    public static void Apply(RiskEngine e, in RiskInput input)
    {
        var s = e.Process(input);
        if (s != ProcessStatus.Applied) throw new InvalidOperationException($"{input.Kind} for {input.Account}: {ProcessStatusText.Describe(s)}");
    }

    // ---------------------------------------------------------------- inputs

    public static RiskInput Deposit(long account, long micros) =>
        new() { Kind = InputKind.Deposit, Account = account, Asset = 0, Amount = micros };

    public static RiskInput Fill(long account, int instrument, Side side, long lots, long price, long fee = 0) =>
        new() { Kind = InputKind.Fill, Account = account, Instrument = instrument, Side = side, Qty = lots, Price = price, Fee = fee, HasFee = fee != 0 };

    public static RiskInput Order(long account, long orderId, int instrument, Side side, long lots, long price) =>
        new() { Kind = InputKind.Order, Account = account, OrderId = orderId, Instrument = instrument, Side = side, Qty = lots, Price = price };

    public static RiskInput Cancel(long account, long orderId) =>
        new() { Kind = InputKind.Cancel, Account = account, OrderId = orderId };

    public static RiskInput Mark(int instrument, long price) =>
        new() { Kind = InputKind.Mark, Instrument = instrument, Price = price };

    public static RiskInput Funding(int instrument, long ratePpm) =>
        new() { Kind = InputKind.Funding, Instrument = instrument, Amount = ratePpm };

    // ---------------------------------------------------------------- event checks

    public static int Count(RiskEngine e, EventKind kind)
    {
        int n = 0;
        foreach (ref readonly var ev in e.Events.Span) if (ev.Kind == kind) n++;
        return n;
    }

    public static int CountHealth(RiskEngine e, HealthState to)
    {
        int n = 0;
        foreach (ref readonly var ev in e.Events.Span) if (ev.Kind == EventKind.Health && ev.To == to) n++;
        return n;
    }

    /// <summary>Throws unless the last input was the liquidating tick of k accounts (k health→liquidating, k liquidation orders).</summary>
    public static void AssertLiquidated(RiskEngine e, int k)
    {
        int h = CountHealth(e, HealthState.Liquidating), l = Count(e, EventKind.LiquidationOrder);
        if (h != k || l != k || e.Events.Count != 2 * k)
            throw new InvalidOperationException($"liquidating tick: expected {k} health+{k} liquidation_order, got {h}+{l} of {e.Events.Count} events");
    }

    /// <summary>Throws unless the last input was the recovery tick of k accounts (k health→healthy, nothing else).</summary>
    public static void AssertRecovered(RiskEngine e, int k)
    {
        int h = CountHealth(e, HealthState.Healthy);
        if (h != k || e.Events.Count != k)
            throw new InvalidOperationException($"recovery tick: expected {k} health→healthy, got {h} of {e.Events.Count} events");
    }
}

/// <summary>
/// Dense arrays of n position slots for the raw revaluation kernel (same size distribution as the
/// population's BTC positions, some with open orders), isolating the kernel from scatter and settlement.
/// </summary>
public sealed class KernelSlots
{
    private readonly Instrument _ins;
    public readonly int Count;
    private readonly long[] _qty, _basis, _buy, _sell, _upnl, _im, _mm, _du, _dim, _dmm;

    public KernelSlots(int n)
    {
        if (!Definitions.TryBuildInstrument(Workload.Perp("BTC-PERP", "50000"), 0, out var ins, out var err)) throw new InvalidOperationException(err);
        _ins = ins!;
        Count = n;
        _qty = new long[n]; _basis = new long[n]; _buy = new long[n]; _sell = new long[n];
        _upnl = new long[n]; _im = new long[n]; _mm = new long[n]; _du = new long[n]; _dim = new long[n]; _dmm = new long[n];
        for (int i = 0; i < n; i++)
        {
            long q = 50 + (long)i * 7919 % 251;
            if ((i & 1) == 1) q = -q;
            if (i % 7 == 0) q *= 40; // a few large positions so every bracket is hit
            _qty[i] = q;
            _basis[i] = q * Workload.BtcMark * _ins.TickValue;
            if (i % 5 == 0) _buy[i] = 10;
            if (i % 3 == 0) _sell[i] = 20;
        }
    }

    public long MarkTv(long markTicks) => markTicks * _ins.TickValue;

    public void Revalue(KernelMode mode, long markTv)
    {
        var br = new BracketTable(_ins.BracketMaxNotional, _ins.BracketImr, _ins.BracketMmr, _ins.BracketCum);
        MarginKernels.Revalue(mode, Count, markTv, br, _qty, _basis, _buy, _sell, _upnl, _im, _mm, _du, _dim, _dmm);
    }

    /// <summary>Checksum of the outputs, to compare modes (they must be bit-identical).</summary>
    public long Checksum()
    {
        long h = 17;
        for (int i = 0; i < Count; i++) h = h * 31 + _upnl[i] * 3 + _im[i] * 5 + _mm[i] * 7 + _du[i] + _dim[i] + _dmm[i];
        return h;
    }
}
