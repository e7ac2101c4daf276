using CrossMargin.Core.Engine;
using CrossMargin.Disruptor.WaitStrategies;
using CrossMargin.Gate.Pipeline;

namespace CrossMargin.Gate.Tests;

public sealed class PipelineBehaviourTests
{
    private static RiskPipeline<YieldingWaitStrategy, JsonLinesSink> NewRenderingPipeline(out JsonLinesRecorder recorder, RiskPipelineOptions? options = null)
    {
        var engine = new RiskEngine(InputMix.Capacities);
        recorder = new JsonLinesRecorder(engine, stopAtFirstError: false);
        var pipeline = new RiskPipeline<YieldingWaitStrategy, JsonLinesSink>(engine, new JsonLinesSink(recorder), default, options);
        recorder.Attach(pipeline.Tables);
        return pipeline;
    }

    [Theory]
    [InlineData(1, 4096, 8192)]
    [InlineData(2, 64, 16)]
    [InlineData(3, 8, 4)]
    public void Random_inputs_through_the_pipeline_give_the_same_output_as_the_engine_called_directly(int seed, int inSize, int outSize)
    {
        var steps = InputMix.Generate(seed, 6_000);
        string direct = InputMix.RenderDirect(steps);

        using var pipeline = NewRenderingPipeline(out var recorder, new RiskPipelineOptions { InboundSize = inSize, OutboundSize = outSize });
        pipeline.Start();
        InputMix.Publish(pipeline, steps, 0, steps.Count);
        Assert.True(pipeline.Stop(TestSupport.Timeout));

        Assert.Equal(direct, recorder.Output);
        Assert.Equal(0, pipeline.Failures);
        // The mix exercises the interesting paths, not only rejects.
        Assert.Contains("\"event\":\"accepted\"", direct, StringComparison.Ordinal);
        Assert.Contains("\"event\":\"account\"", direct, StringComparison.Ordinal);
        Assert.Contains("\"event\":\"health\"", direct, StringComparison.Ordinal);
        Assert.Contains("XRP-PERP", direct, StringComparison.Ordinal);
        Assert.Contains("# line", direct, StringComparison.Ordinal);
    }

    [Fact]
    public void An_input_the_engine_refuses_becomes_an_input_error_with_its_sequence_and_processing_continues()
    {
        using var pipeline = NewRenderingPipeline(out var recorder);
        pipeline.Engine.DefineSettlementAsset("USD", out _);
        pipeline.Start();
        pipeline.Publish(new RiskInput { Kind = InputKind.Deposit, Account = 7, Asset = 0, Amount = 1_000_000 }, tag: 1);
        long bad = pipeline.Publish(new RiskInput { Kind = InputKind.Halt, Scope = HaltScope.Account, Account = 99, Flag = true }, tag: 2);
        pipeline.Publish(new RiskInput { Kind = InputKind.Query, Account = 7 }, tag: 3);
        Assert.True(pipeline.Stop(TestSupport.Timeout));

        Assert.True(recorder.HasError);
        Assert.Equal(bad, recorder.FirstErrorSequence);
        Assert.Equal(2, recorder.FirstErrorTag);
        Assert.Equal("unknown account", recorder.FirstErrorMessage);
        Assert.Equal(1, pipeline.Counters.InputErrors);
        Assert.Equal(3, pipeline.Counters.Inputs);
        Assert.Equal(
            "# line 2: unknown account\n" +
            "{\"event\":\"account\",\"account\":7,\"health\":\"healthy\",\"equity\":\"1\",\"im\":\"0\",\"mm\":\"0\",\"openLoss\":\"0\",\"balances\":{\"USD\":\"1\"},\"positions\":[]}\n",
            recorder.Output);
    }

    [Fact]
    public void A_refused_definition_is_reported_in_order_and_does_not_stop_the_pipeline()
    {
        using var pipeline = NewRenderingPipeline(out var recorder);
        pipeline.Start();
        pipeline.PublishDefinition(PipelineDefinition.SettlementAsset("USD"), tag: 1);
        pipeline.PublishDefinition(PipelineDefinition.SettlementAsset("EUR"), tag: 2);
        pipeline.Publish(new RiskInput { Kind = InputKind.Query, Account = 5 }, tag: 3);
        Assert.True(pipeline.Stop(TestSupport.Timeout));

        Assert.Equal(1, pipeline.Counters.Definitions);
        Assert.Equal(1, pipeline.Counters.DefinitionErrors);
        Assert.Equal("# line 2: the settlement asset is already defined\n{\"event\":\"rejected\",\"account\":5,\"reason\":\"unknown_account\"}\n", recorder.Output);
    }

    [Fact]
    public void Stopping_and_restarting_resumes_after_the_last_processed_input_with_state_kept()
    {
        var steps = InputMix.Generate(seed: 11, count: 4_000);
        string direct = InputMix.RenderDirect(steps);
        using var pipeline = NewRenderingPipeline(out var recorder, new RiskPipelineOptions { InboundSize = 256, OutboundSize = 256 });

        int[] cuts = [0, 1_000, 1_001, 2_500, steps.Count];
        for (int k = 0; k + 1 < cuts.Length; k++)
        {
            pipeline.Start();
            Assert.True(pipeline.IsRunning);
            InputMix.Publish(pipeline, steps, cuts[k], cuts[k + 1]);
            Assert.True(pipeline.Stop(TestSupport.Timeout));
            Assert.False(pipeline.IsRunning);
            Assert.Equal(cuts[k + 1] - 1, pipeline.ProcessedSequence);
        }

        Assert.Equal(direct, recorder.Output);
    }

    [Fact]
    public void A_stopped_pipeline_refuses_a_publish_once_the_inbound_ring_is_full_and_processes_it_all_after_start()
    {
        using var pipeline = NewRenderingPipeline(out var recorder, new RiskPipelineOptions { InboundSize = 4, OutboundSize = 4 });
        pipeline.Engine.DefineSettlementAsset("USD", out _);
        var query = new RiskInput { Kind = InputKind.Query, Account = 1 };
        for (int i = 0; i < 4; i++) Assert.True(pipeline.TryPublish(query, out long s) && s == i);
        Assert.False(pipeline.TryPublish(query, out long full));
        Assert.Equal(-1, full);
        Assert.False(pipeline.Drain(TimeSpan.FromMilliseconds(50)));

        pipeline.Start();
        Assert.True(pipeline.Drain(TestSupport.Timeout));
        Assert.True(pipeline.TryPublish(query, out long fifth));
        Assert.Equal(4, fifth);
        Assert.True(pipeline.Stop(TestSupport.Timeout));
        Assert.Equal(string.Concat(Enumerable.Repeat("{\"event\":\"rejected\",\"account\":1,\"reason\":\"unknown_account\"}\n", 5)), recorder.Output);
    }

    [Fact]
    public void Outputs_carry_the_input_sequence_tag_and_publish_time_and_mark_the_last_output_of_each_input()
    {
        var engine = new RiskEngine(InputMix.Capacities);
        var seen = new List<OutboundEvent>();
        var sink = new ListSink(seen);
        using var pipeline = new RiskPipeline<BlockingWaitStrategy, ListSink>(engine, sink, new BlockingWaitStrategy());
        var steps = InputMix.Generate(seed: 5, count: 800);
        pipeline.Start();
        InputMix.Publish(pipeline, steps, 0, steps.Count);
        Assert.True(pipeline.Stop(TestSupport.Timeout));

        Assert.NotEmpty(seen);
        Assert.Equal(pipeline.Counters.Outputs, seen.Count);
        for (int i = 0; i < seen.Count; i++)
        {
            var o = seen[i];
            Assert.Equal(o.InputSequence + 1, o.Tag); // steps were published from sequence 0 with tag = index + 1
            Assert.True(o.PublishedTicks > 0);
            bool nextIsOtherInput = i + 1 == seen.Count || seen[i + 1].InputSequence != o.InputSequence;
            Assert.Equal(nextIsOtherInput, o.LastOfInput);
            if (i > 0) Assert.True(seen[i - 1].InputSequence <= o.InputSequence);
        }
    }

    private readonly struct ListSink(List<OutboundEvent> list) : CrossMargin.Disruptor.Processing.IEventHandler<OutboundEvent>
    {
        public void OnEvent(ref OutboundEvent data, long sequence, bool endOfBatch) => list.Add(data);
        public void OnBatchStart(long batchSize) { }
        public void OnStart() { }
        public void OnShutdown() { }
    }
}
