using BenchmarkDotNet.Attributes;
using CrossMargin.Disruptor.WaitStrategies;

namespace CrossMargin.Disruptor.Benchmarks;

/// <summary>1P1C throughput: ring (busy-spin, yielding) vs bounded SPSC Channels.
/// On a 2-core machine the busy-spin pair occupies both cores.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class ThroughputBenchmarks
{
    public const int Events = 1_000_000;
    private const int Size = 1024;

    private IPipeline _busySpin = null!;
    private IPipeline _yielding = null!;
    private IPipeline _channels = null!;

    [GlobalSetup(Target = nameof(RingBusySpin))]
    public void SetupBusySpin() => _busySpin = new RingPipeline<BusySpinWaitStrategy>("ring-busyspin", Size);

    [GlobalSetup(Target = nameof(RingYielding))]
    public void SetupYielding() => _yielding = new RingPipeline<YieldingWaitStrategy>("ring-yielding", Size);

    [GlobalSetup(Target = nameof(Channels))]
    public void SetupChannels() => _channels = new ChannelPipeline(Size);

    [GlobalCleanup]
    public void Cleanup()
    {
        _busySpin?.Dispose();
        _yielding?.Dispose();
        _channels?.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Events)]
    public void RingBusySpin() => _busySpin.RunBurst(Events);

    [Benchmark(OperationsPerInvoke = Events)]
    public void RingYielding() => _yielding.RunBurst(Events);

    [Benchmark(Baseline = true, OperationsPerInvoke = Events)]
    public void Channels() => _channels.RunBurst(Events);
}
