using CrossMargin.Core.Trigger;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using CrossMargin.Bench.Risk;
using CrossMargin.Core.Engine;
using CrossMargin.Core.Kernels;

namespace CrossMargin.Bench.Bdn;

/// <summary>
/// In-process job (no generated project is built, so nothing outside the results folder is written);
/// <c>CROSSMARGIN_BENCH_QUICK=1</c> shortens it for run-bench.sh --quick.
/// </summary>
public sealed class SuiteConfig : ManualConfig
{
    /// <summary>Whether the quick variant runs.</summary>
    public static bool Quick => Environment.GetEnvironmentVariable("CROSSMARGIN_BENCH_QUICK") == "1";

    /// <summary>The job, diagnosers, columns and exporters of every suite.</summary>
    public SuiteConfig()
    {
        AddJob(Job.Default.WithId(Quick ? "quick" : "full").WithLaunchCount(1)
            .WithWarmupCount(Quick ? 2 : 4).WithIterationCount(Quick ? 6 : 15)
            .WithToolchain(InProcessEmitToolchain.Instance));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddLogger(ConsoleLogger.Default);
        AddColumnProvider(DefaultColumnProviders.Instance);
        AddColumn(StatisticColumn.Median, StatisticColumn.P95, BaselineRatioColumn.RatioMean);
        AddExporter(MarkdownExporter.GitHub, CsvExporter.Default);
    }
}

/// <summary>
/// Margin sums on a mark tick: the naive object-per-position baseline (decimal, List per account,
/// LINQ) against the engine with its SIMD kernels and with their scalar twin, same positions.
/// </summary>
[Config(typeof(SuiteConfig)), MemoryDiagnoser]
public class MarginSumsBenchmarks
{
    /// <summary>Holder counts (10,000 in the quick run).</summary>
    public static IEnumerable<int> HolderCounts => SuiteConfig.Quick ? [10_000] : [1_000, 10_000, 100_000];

    /// <summary>BTC-PERP holders.</summary>
    [ParamsSource(nameof(HolderCounts))] public int Holders;

    private Population _pop = null!;
    private string _btc = "";
    private long _mark;
    private bool _up;

    /// <summary>Builds the population.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _pop = Population.Build(Holders);
        _btc = _pop.Engine.GetInstrument(0).Id;
        _mark = _pop.Engine.GetInstrument(0).MarkTicks;
    }

    /// <summary>The first attempt: objects, decimal, LINQ.</summary>
    [Benchmark(Baseline = true, Description = "naive object-per-position")]
    public void Naive()
    {
        _up = !_up;
        _pop.Naive.Mark(_btc, _up ? _mark + 1 : _mark);
    }

    /// <summary>The engine, scalar twin.</summary>
    [Benchmark(Description = "engine, scalar kernel")]
    public ProcessStatus EngineScalar() => Tick(KernelMode.Scalar);

    /// <summary>The engine, widest SIMD kernel.</summary>
    [Benchmark(Description = "engine, SIMD kernel (Auto)")]
    public ProcessStatus EngineSimd() => Tick(KernelMode.Auto);

    private ProcessStatus Tick(KernelMode mode)
    {
        _up = !_up;
        _pop.Engine.Kernel = mode;
        var m = new RiskInput { Kind = InputKind.Mark, Instrument = 0, Price = _up ? _mark + 1 : _mark };
        return _pop.Engine.Process(in m);
    }
}

/// <summary>The order check: an accepted margin-increasing order plus its cancel, against a rejected one (no state change) as baseline.</summary>
[Config(typeof(SuiteConfig)), MemoryDiagnoser]
public class OrderCheckBenchmarks
{
    private Population _pop = null!;
    private long[] _accounts = null!;
    private Side[] _sides = null!;
    private long _mark, _id;
    private int _k;

    /// <summary>10,000 holders; Zipf-chosen accounts.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _pop = Population.Build(Market.Accounts, withNaive: false, trigger: TriggerMode.Index);
        var m = new Market(12345);
        _accounts = new long[4096];
        _sides = new Side[_accounts.Length];
        for (int i = 0; i < _accounts.Length; i++)
        {
            _accounts[i] = m.ZipfAccount();
            _sides[i] = _pop.Engine.PositionLots(_accounts[i], 0) >= 0 ? Side.Buy : Side.Sell;
        }
        _mark = _pop.Engine.GetInstrument(0).MarkTicks;
    }

    /// <summary>Rejected at the size limit (over maxOrder: the cheapest reject, changes nothing).</summary>
    [Benchmark(Baseline = true, Description = "order rejected at the size limit")]
    public ProcessStatus Rejected()
    {
        int k = _k = (_k + 1) & (_accounts.Length - 1);
        var o = new RiskInput { Kind = InputKind.Order, Account = _accounts[k], OrderId = ++_id, Instrument = 0, Side = _sides[k], Qty = 10_001, Price = _mark };
        return _pop.Engine.Process(in o);
    }

    /// <summary>Accepted (full IM check + book) and its cancel.</summary>
    [Benchmark(Description = "order accepted + cancel (pair)")]
    public ProcessStatus AcceptedAndCancel()
    {
        int k = _k = (_k + 1) & (_accounts.Length - 1);
        long id = ++_id;
        var o = new RiskInput { Kind = InputKind.Order, Account = _accounts[k], OrderId = id, Instrument = 0, Side = _sides[k], Qty = 10, Price = _mark };
        _pop.Engine.Process(in o);
        var c = new RiskInput { Kind = InputKind.Cancel, Account = _accounts[k], OrderId = id };
        return _pop.Engine.Process(in c);
    }
}
