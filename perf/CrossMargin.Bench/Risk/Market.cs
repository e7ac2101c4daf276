using CrossMargin.Core.Engine;

namespace CrossMargin.Bench.Risk;

/// <summary>
/// The realistic input mix of the open-loop runs, identical in process and end to end: the gate's
/// default configuration (BTC-PERP and ETH-PERP), 10,000 funded accounts, account choice
/// Zipf-distributed (s = 1.1: the top account sends ~15 % of the flow, the top 100 about half),
/// instruments hot-weighted (BTC 70 %, ETH 30 %). Per input: order 48 % (near the mark, 1–100 lots),
/// cancel 30 % and fill 22 % of the oldest live order (so books stay shallow), and 1 mark per
/// 10,000 inputs (a mean-reverting walk) — marks revalue every holder, the costly input.
/// </summary>
public sealed class Market
{
    /// <summary>Accounts the mix uses (ids 1…Accounts).</summary>
    public const int Accounts = 10_000;

    /// <summary>Zipf exponent of the account choice.</summary>
    public const double ZipfS = 1.1;

    /// <summary>Order id space of one replay round; rounds shift ids by this so they stay unique.</summary>
    public const long RoundStride = 1L << 32;

    private readonly double[] _zipfCdf;
    private ulong _x;

    /// <summary>A generator (deterministic for a seed).</summary>
    public Market(ulong seed = 0x9E3779B97F4A7C15UL)
    {
        _x = seed | 1;
        _zipfCdf = new double[Accounts];
        double sum = 0;
        for (int k = 0; k < Accounts; k++) _zipfCdf[k] = sum += 1.0 / Math.Pow(k + 1, ZipfS);
        for (int k = 0; k < Accounts; k++) _zipfCdf[k] /= sum;
    }

    /// <summary>xorshift64*: uniform 64-bit values.</summary>
    public ulong NextU64()
    {
        _x ^= _x >> 12; _x ^= _x << 25; _x ^= _x >> 27;
        return _x * 2685821657736338717UL;
    }

    /// <summary>Uniform in [0, n).</summary>
    public long Next(long n) => (long)(NextU64() % (ulong)n);

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextU64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>An account id 1…<see cref="Accounts"/>, rank-k with probability ∝ 1/k^s.</summary>
    public long ZipfAccount()
    {
        int i = Array.BinarySearch(_zipfCdf, NextDouble());
        if (i < 0) i = ~i;
        return Math.Min(i, Accounts - 1) + 1;
    }

    /// <summary>Instrument index by hot weight (0: 70 %, 1: 30 %; a third or later instrument is not used).</summary>
    public int HotInstrument(int count) => count == 1 || NextDouble() < 0.7 ? 0 : 1;

    /// <summary>
    /// Start-up inputs: a deposit of $1,000,000 per account, then positions (fills at the mark) so
    /// that half the accounts hold BTC-PERP and a third ETH-PERP: the holders a mark revalues.
    /// </summary>
    public List<RiskInput> Prefill(RiskEngine reference)
    {
        var list = new List<RiskInput>(3 * Accounts);
        for (long a = 1; a <= Accounts; a++)
            list.Add(new RiskInput { Kind = InputKind.Deposit, Account = a, Asset = 0, Amount = 1_000_000L * 1_000_000 });
        for (long a = 1; a <= Accounts; a++)
        {
            for (int i = 0; i < Math.Min(2, reference.InstrumentCount); i++)
            {
                if ((i == 0 && a % 2 != 0) || (i == 1 && a % 3 != 0)) continue;
                var ins = reference.GetInstrument(i);
                list.Add(new RiskInput
                {
                    Kind = InputKind.Fill, Account = a, Instrument = i, Side = Next(2) == 0 ? Side.Buy : Side.Sell,
                    Qty = 10 + Next(Math.Max(1, ins.MaxOrderLots / 20)), Price = ins.MarkTicks,
                });
            }
        }
        return list;
    }

    /// <summary>
    /// <paramref name="length"/> inputs of the mix. Every order is later cancelled or filled within
    /// the same array (the tail cancels what is still live), so replaying the array with order ids
    /// shifted by <see cref="RoundStride"/> per round leaves no order behind.
    /// </summary>
    public RiskInput[] Mix(RiskEngine reference, int length)
    {
        int n = Math.Min(2, reference.InstrumentCount);
        var start = new long[n];
        var mark = new long[n];
        for (int i = 0; i < n; i++) start[i] = mark[i] = reference.GetInstrument(i).MarkTicks;
        var live = new Queue<RiskInput>();
        var mix = new List<RiskInput>(length + 64);
        long orderId = 1;
        while (mix.Count < length)
        {
            long roll = Next(10_000);
            if (roll == 0)
            {
                int m = HotInstrument(n);
                long step = (long)((NextDouble() - 0.5) * mark[m] / 500) + (start[m] - mark[m]) / 20;
                mark[m] = Math.Max(1, mark[m] + step);
                mix.Add(new RiskInput { Kind = InputKind.Mark, Instrument = m, Price = mark[m] });
                continue;
            }
            if (roll < 5_200 && live.Count > 0)
            {
                var o = live.Dequeue();
                mix.Add(roll < 3_000
                    ? new RiskInput { Kind = InputKind.Cancel, Account = o.Account, OrderId = o.OrderId }
                    : new RiskInput
                    {
                        Kind = InputKind.Fill, Account = o.Account, OrderId = o.OrderId, HasOrderId = true, Instrument = o.Instrument,
                        Side = o.Side, Qty = o.Qty, Price = o.Price, HasFee = true, Fee = 1_000,
                    });
                continue;
            }
            int instr = HotInstrument(n);
            long mk = mark[instr];
            var order = new RiskInput
            {
                Kind = InputKind.Order, Account = ZipfAccount(), OrderId = orderId++, Instrument = instr,
                Side = Next(2) == 0 ? Side.Buy : Side.Sell, Qty = 1 + Next(100), Price = mk + (long)((NextDouble() - 0.5) * mk / 150),
            };
            live.Enqueue(order);
            mix.Add(order);
        }
        while (live.Count > 0)
        {
            var o = live.Dequeue();
            mix.Add(new RiskInput { Kind = InputKind.Cancel, Account = o.Account, OrderId = o.OrderId });
        }
        return [.. mix];
    }

    /// <summary>The input with its order id shifted into replay round <paramref name="round"/>.</summary>
    public static RiskInput InRound(in RiskInput input, long round)
    {
        RiskInput x = input;
        if (x.OrderId != 0) x.OrderId += round * RoundStride;
        return x;
    }

    /// <summary>Applies inputs to an engine, failing on anything not applied (start-up only).</summary>
    public static void Apply(RiskEngine engine, IEnumerable<RiskInput> inputs)
    {
        foreach (var input in inputs)
        {
            var s = engine.Process(input);
            if (s != ProcessStatus.Applied) throw new InvalidOperationException($"{input.Kind} for {input.Account}: {ProcessStatusText.Describe(s)}");
        }
    }
}
