using CrossMargin.Core.Engine;
using CrossMargin.Disruptor.WaitStrategies;
using CrossMargin.Gate.Pipeline;

namespace CrossMargin.Gate.Tests;

public sealed class PipelineAllocationTests
{
    [Fact]
    public void The_risk_processor_thread_allocates_nothing_per_input_after_warm_up()
    {
        var steps = InputMix.Generate(seed: 21, count: 40_000);
        // Definitions allocate by design (tables, specs): warm up past the mid-stream definition.
        int warm = steps.FindLastIndex(s => s.Definition is not null) + 10_000;
        var counts = new SinkCounts();
        var engine = new RiskEngine(InputMix.Capacities);
        using var pipeline = new RiskPipeline<YieldingWaitStrategy, CountingSink>(
            engine, new CountingSink(counts), default, new RiskPipelineOptions { InboundSize = 1024, OutboundSize = 1024, TrackAllocations = true });
        pipeline.Start();
        InputMix.Publish(pipeline, steps, 0, warm);
        Assert.True(pipeline.Drain(TestSupport.Timeout));
        long before = pipeline.Counters.ProcessorThreadAllocatedBytes;
        long outputsBefore = pipeline.Counters.Outputs;

        InputMix.Publish(pipeline, steps, warm, steps.Count);
        Assert.True(pipeline.Drain(TestSupport.Timeout));
        long after = pipeline.Counters.ProcessorThreadAllocatedBytes;
        long outputs = pipeline.Counters.Outputs - outputsBefore;
        Assert.True(pipeline.Stop(TestSupport.Timeout));

        Assert.True(before >= 0, "allocation tracking recorded nothing");
        Assert.True(outputs > 1_000, $"only {outputs} outputs in the measured part");
        Assert.Equal(0, after - before);
    }
}
