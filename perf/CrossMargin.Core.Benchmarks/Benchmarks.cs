using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using CrossMargin.Core.Engine;
using CrossMargin.Core.Kernels;

namespace CrossMargin.Core.Benchmarks;

/// <summary>
/// Short job for a noisy 2-core machine: 1 launch, 3 warm-ups, 12 iterations, in-process (no
/// generated project is built, so nothing outside this project's output is written or rebuilt).
/// </summary>
public sealed class ShortJobConfig : ManualConfig
{
    public ShortJobConfig()
    {
        AddJob(Job.Default.WithId("short").WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(12)
            .WithToolchain(InProcessEmitToolchain.Instance));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, StatisticColumn.P95);
    }
}

/// <summary>One invocation per iteration (the state-changing liquidating tick is reset by an untimed IterationSetup).</summary>
public sealed class SingleShotConfig : ManualConfig
{
    public SingleShotConfig()
    {
        AddJob(Job.Default.WithId("single").WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(40)
            .WithInvocationCount(1).WithUnrollFactor(1).WithToolchain(InProcessEmitToolchain.Instance));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, StatisticColumn.P95, StatisticColumn.Max);
    }
}

/// <summary>Issue 2: one order check (accepted + its cancel, and the rejected path).</summary>
[Config(typeof(ShortJobConfig)), MemoryDiagnoser]
public class OrderBenchmarks
{
    [Params(1_000, 10_000, 100_000)] public int Holders;

    private RiskEngine _e = null!;
    private long[] _rot = null!;
    private Side[] _side = null!;
    private int _cursor;
    private long _orderId;

    [GlobalSetup]
    public void Setup()
    {
        var w = Workload.Population(Holders);
        _e = w.Engine; _rot = w.Rotation;
        _side = _rot.Select(a => _e.PositionLots(a, Workload.Btc) > 0 ? Side.Buy : Side.Sell).ToArray();
    }

    /// <summary>An accepted order (margin-increasing: full check) then its cancel; the pair, not one input.</summary>
    [Benchmark(Description = "order accepted + cancel (pair)")]
    public ProcessStatus OrderThenCancel()
    {
        int r = _cursor = _cursor + 1 == _rot.Length ? 0 : _cursor + 1;
        long id = ++_orderId;
        var o = Workload.Order(_rot[r], id, Workload.Btc, _side[r], Workload.AcceptedOrderLots, Workload.BtcMark);
        _e.Process(in o);
        var c = Workload.Cancel(_rot[r], id);
        return _e.Process(in c);
    }

    /// <summary>An order rejected for insufficient_margin (changes no state).</summary>
    [Benchmark(Description = "order rejected insufficient_margin")]
    public ProcessStatus OrderRejected()
    {
        int r = _cursor = _cursor + 1 == _rot.Length ? 0 : _cursor + 1;
        var o = Workload.Order(_rot[r], ++_orderId, Workload.Btc, _side[r], Workload.RejectedOrderLots, Workload.BtcMark);
        return _e.Process(in o);
    }
}

/// <summary>Issue 2: one fill (1 lot; a buy then a sell per invocation keeps positions bounded).</summary>
[Config(typeof(ShortJobConfig)), MemoryDiagnoser]
public class FillBenchmarks
{
    [Params(1_000, 10_000, 100_000)] public int Holders;

    private RiskEngine _e = null!;
    private long[] _rot = null!;
    private int _cursor;

    [GlobalSetup]
    public void Setup()
    {
        var w = Workload.Population(Holders);
        _e = w.Engine; _rot = w.Rotation;
    }

    [Benchmark(Description = "fill (per fill)", OperationsPerInvoke = 2)]
    public ProcessStatus FillBuySell()
    {
        int r = _cursor = _cursor + 1 == _rot.Length ? 0 : _cursor + 1;
        var b = Workload.Fill(_rot[r], Workload.Btc, Side.Buy, 1, Workload.BtcMark, fee: 100);
        _e.Process(in b);
        var s = Workload.Fill(_rot[r], Workload.Btc, Side.Sell, 1, Workload.BtcMark, fee: 100);
        return _e.Process(in s);
    }
}

/// <summary>Issue 2: one mark tick on an instrument with N healthy holders, per kernel.</summary>
[Config(typeof(ShortJobConfig)), MemoryDiagnoser]
public class MarkBenchmarks
{
    [Params(1_000, 10_000, 100_000)] public int Holders;
    [Params(KernelMode.Scalar, KernelMode.Vector256, KernelMode.Auto)] public KernelMode Kernel;

    private RiskEngine _e = null!;
    private bool _up;

    [GlobalSetup]
    public void Setup()
    {
        _e = Workload.Population(Holders, Kernel).Engine;
        Console.WriteLine($"// Kernel {Kernel} resolves to {KernelSelection.Resolve(Kernel)}");
    }

    [Benchmark(Description = "mark tick")]
    public ProcessStatus MarkTick()
    {
        _up = !_up;
        var m = Workload.Mark(Workload.Btc, _up ? Workload.BtcMark + 10 : Workload.BtcMark);
        return _e.Process(in m);
    }
}

/// <summary>The revaluation kernel alone over n dense slots (no scatter, no settlement).</summary>
[Config(typeof(ShortJobConfig)), MemoryDiagnoser]
public class KernelBenchmarks
{
    [Params(1_000, 10_000, 100_000)] public int Slots;
    [Params(KernelMode.Scalar, KernelMode.Vector128, KernelMode.Vector256, KernelMode.Auto)] public KernelMode Kernel;

    private KernelSlots _s = null!;
    private long _a, _b;
    private bool _up;

    [GlobalSetup]
    public void Setup()
    {
        _s = new KernelSlots(Slots);
        _a = _s.MarkTv(Workload.BtcMark); _b = _s.MarkTv(Workload.BtcMark + 10);
    }

    [Benchmark(Description = "MarginKernels.Revalue")]
    public void Revalue()
    {
        _up = !_up;
        _s.Revalue(Kernel, _up ? _b : _a);
    }
}

/// <summary>Issue 3: the one mark tick that liquidates k of 20,000 BTC holders (reset by an untimed recovery tick).</summary>
[Config(typeof(SingleShotConfig)), MemoryDiagnoser]
public class LiquidationBenchmarks
{
    [Params(1, 100, 10_000)] public int K;

    private RiskEngine _e = null!;
    private RiskInput _down, _up;

    [GlobalSetup]
    public void Setup()
    {
        _e = Workload.Liquidation(K).Engine;
        _down = Workload.Mark(Workload.Btc, Workload.LiquidationMark);
        _up = Workload.Mark(Workload.Btc, Workload.BtcMark);
        Workload.Apply(_e, _down); Workload.AssertLiquidated(_e, K);
        Workload.Apply(_e, _up); Workload.AssertRecovered(_e, K);
    }

    [IterationSetup]
    public void Reset()
    {
        // Recover from the previous iteration's liquidating tick (a no-op before the first one).
        _e.Process(in _up);
        if (_e.Events.Count != 0) Workload.AssertRecovered(_e, K);
    }

    [Benchmark(Description = "liquidating mark tick")]
    public ProcessStatus LiquidatingTick() => _e.Process(in _down);

    [IterationCleanup]
    public void Verify()
    {
        if (_e.Events.Count != 0) Workload.AssertLiquidated(_e, K);
    }
}
