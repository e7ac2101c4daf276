using System.Text;
using CrossMargin.Core.Engine;
using CrossMargin.Core.Model;
using CrossMargin.Scenario;
using CrossMargin.Disruptor.Processing;
using CrossMargin.Gate.Pipeline;

namespace CrossMargin.Gate.Tests;

internal static class TestSupport
{
    /// <summary>Bound on every multi-threaded wait: a hang fails the test instead of the run.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public static string ScenarioDirectory => Path.Combine(AppContext.BaseDirectory, "Scenarios");
}

/// <summary>One step of a generated input stream: an input, or a definition applied in order.</summary>
internal readonly record struct Step(RiskInput Input, PipelineDefinition? Definition);

/// <summary>
/// A deterministic random mix of every input kind over several accounts and instruments, in engine
/// units, with a fourth instrument defined in the middle of the stream.
/// </summary>
internal static class InputMix
{
    public static readonly Capacities Capacities = new() { Accounts = 64, Instruments = 4, Assets = 2, OrdersPerAccount = 32 };

    private static readonly BracketSpec[] Brackets =
    [
        new("50000", "0.01", "0.005"),
        new("250000", "0.02", "0.01"),
        new("2000000", "0.05", "0.025"),
    ];

    // id, tick, lot, maxPosition, maxOrder, maxPrice, mark; mark in ticks.
    private static readonly (InstrumentSpec Spec, long MarkTicks)[] Instruments =
    [
        (new InstrumentSpec("BTC-PERP", "0.1", "0.001", Brackets, "100", "10", "1000000", "0.1", "50000"), 500_000),
        (new InstrumentSpec("ETH-PERP", "0.01", "0.01", Brackets, "1000", "100", "100000", "0.1", "3000"), 300_000),
        (new InstrumentSpec("SOL-PERP", "0.001", "0.1", Brackets, "100000", "10000", "10000", "0.1", "150"), 150_000),
        (new InstrumentSpec("XRP-PERP", "0.0001", "1", Brackets, "1000000", "100000", "1000", "0.1", "0.5"), 5_000),
    ];

    public static List<Step> Generate(int seed, int count, int accounts = 24)
    {
        var rng = new Random(seed);
        var steps = new List<Step>(count + 8)
        {
            new(default, PipelineDefinition.SettlementAsset("USD")),
            new(default, PipelineDefinition.Asset(new AssetSpec("BTC", "50000", "0.1", 8))),
        };
        for (int i = 0; i < 3; i++) steps.Add(new(default, PipelineDefinition.Instrument(Instruments[i].Spec)));
        steps.Add(new(new RiskInput { Kind = InputKind.Config, LiquidationFeeRatePpm = 5_000, LiquidationBufferPpm = 200_000, Amount = 50_000_000_000 }, null));
        for (int a = 1; a <= accounts; a++)
            steps.Add(new(new RiskInput { Kind = InputKind.Deposit, Account = a, Asset = 0, Amount = rng.NextInt64(2_000, 40_000) * 1_000_000 }, null));

        var marks = new long[Instruments.Length];
        for (int i = 0; i < marks.Length; i++) marks[i] = Instruments[i].MarkTicks;
        int defined = 3;
        long nextOrderId = 1;
        long indexPrice = 50_000_000_000;
        while (steps.Count < count)
        {
            if (defined == 3 && steps.Count >= count / 2)
            {
                steps.Add(new(default, PipelineDefinition.Instrument(Instruments[3].Spec)));
                defined = 4;
                continue;
            }

            int instr = rng.Next(defined);
            long account = rng.Next(1, accounts + 2); // one id past the last: unknown account
            long mark = marks[instr];
            int roll = rng.Next(100);
            RiskInput input;
            if (roll < 30)
            {
                input = new RiskInput
                {
                    Kind = InputKind.Order, Account = account, OrderId = rng.Next(8) == 0 ? nextOrderId - 1 : nextOrderId++, Instrument = instr,
                    Side = rng.Next(2) == 0 ? Side.Buy : Side.Sell, Qty = rng.Next(1, 600), Price = mark + rng.NextInt64(-mark / 8, mark / 8),
                    ReduceOnly = rng.Next(10) == 0,
                };
            }
            else if (roll < 40)
            {
                input = new RiskInput { Kind = InputKind.Cancel, Account = account, OrderId = rng.NextInt64(Math.Max(1, nextOrderId - 40), nextOrderId + 1) };
            }
            else if (roll < 58)
            {
                bool withOrder = rng.Next(3) == 0;
                input = new RiskInput
                {
                    Kind = InputKind.Fill, Account = account, Instrument = instr, Side = rng.Next(2) == 0 ? Side.Buy : Side.Sell,
                    Qty = rng.Next(1, 400), Price = Math.Max(1, mark + rng.NextInt64(-mark / 100, mark / 100)),
                    HasOrderId = withOrder, OrderId = withOrder ? rng.NextInt64(Math.Max(1, nextOrderId - 20), nextOrderId + 1) : 0,
                    HasFee = rng.Next(2) == 0, Fee = rng.NextInt64(-1_000_000, 5_000_000),
                };
            }
            else if (roll < 74)
            {
                marks[instr] = Math.Max(1, mark + rng.NextInt64(-mark / 40, mark / 40 + 1));
                input = new RiskInput { Kind = InputKind.Mark, Instrument = instr, Price = marks[instr] };
            }
            else if (roll < 78)
            {
                input = new RiskInput { Kind = InputKind.Funding, Instrument = instr, Amount = rng.NextInt64(-300, 301) };
            }
            else if (roll < 83)
            {
                bool btc = rng.Next(3) == 0;
                input = new RiskInput { Kind = InputKind.Deposit, Account = account, Asset = btc ? 1 : 0, Amount = btc ? rng.NextInt64(1_000_000, 20_000_000) : rng.NextInt64(100, 5_000) * 1_000_000 };
            }
            else if (roll < 86)
            {
                input = new RiskInput { Kind = InputKind.Withdraw, Account = account, Asset = 0, Amount = rng.NextInt64(100, 10_000) * 1_000_000 };
            }
            else if (roll < 88)
            {
                indexPrice = Math.Max(1_000_000, indexPrice + rng.NextInt64(-indexPrice / 30, indexPrice / 30));
                input = new RiskInput { Kind = InputKind.Index, Asset = 1, Price = indexPrice };
            }
            else if (roll < 96)
            {
                input = new RiskInput { Kind = InputKind.Query, Account = account };
            }
            else if (roll < 97)
            {
                input = new RiskInput { Kind = InputKind.FundQuery };
            }
            else if (roll < 98)
            {
                input = new RiskInput { Kind = InputKind.MarginMode, Account = account, Instrument = instr, Flag = rng.Next(2) == 0 };
            }
            else if (roll < 99)
            {
                input = new RiskInput { Kind = InputKind.Isolate, Account = account, Instrument = instr, Amount = rng.NextInt64(-500, 2_000) * 1_000_000 + 1 };
            }
            else
            {
                input = new RiskInput { Kind = InputKind.Halt, Scope = HaltScope.Instrument, Instrument = instr, Flag = rng.Next(2) == 0 };
            }

            steps.Add(new(input, null));
        }

        return steps;
    }

    /// <summary>The reference: the steps applied directly to an engine on this thread, rendered like a
    /// <see cref="JsonLinesRecorder"/> that does not stop at errors (tags are 1-based step numbers).</summary>
    public static string RenderDirect(IReadOnlyList<Step> steps)
    {
        var engine = new RiskEngine(Capacities);
        var json = new EventJson(engine);
        var sb = new StringBuilder();
        ScenarioParser? parser = null;
        for (int i = 0; i < steps.Count; i++)
        {
            int tag = i + 1;
            if (steps[i].Definition is { } def)
            {
                if (!def.Apply(engine, ref parser, out string? error)) sb.Append("# line ").Append(tag).Append(": ").Append(error).Append('\n');
                continue;
            }

            var status = engine.Process(steps[i].Input);
            if (status != ProcessStatus.Applied)
            {
                sb.Append("# line ").Append(tag).Append(": ").Append(ProcessStatusText.Describe(status)).Append('\n');
                continue;
            }

            foreach (ref readonly var e in engine.Events.Span)
            {
                json.Write(sb, e);
                sb.Append('\n');
            }
        }

        return sb.ToString();
    }

    public static void Publish<TWait, TConsumer>(RiskPipeline<TWait, TConsumer> pipeline, IReadOnlyList<Step> steps, int from, int to)
        where TWait : struct, CrossMargin.Disruptor.WaitStrategies.IWaitStrategy
        where TConsumer : struct, IEventHandler<OutboundEvent>
    {
        for (int i = from; i < to; i++)
        {
            if (steps[i].Definition is { } def) pipeline.PublishDefinition(def, i + 1);
            else pipeline.Publish(steps[i].Input, i + 1);
        }
    }
}

/// <summary>Consumer that only counts (allocation-free), for allocation tests.</summary>
internal sealed class SinkCounts
{
    public long Slots;
    public long Errors;
}

internal readonly struct CountingSink(SinkCounts counts) : IEventHandler<OutboundEvent>
{
    public void OnEvent(ref OutboundEvent data, long sequence, bool endOfBatch)
    {
        counts.Slots++;
        if (data.Kind != OutboundKind.Event) counts.Errors++;
    }

    public void OnBatchStart(long batchSize) { }
    public void OnStart() { }
    public void OnShutdown() { }
}
