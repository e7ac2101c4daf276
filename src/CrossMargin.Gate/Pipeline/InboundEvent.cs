using CrossMargin.Core.Engine;

namespace CrossMargin.Gate.Pipeline;

/// <summary>
/// One slot of the inbound ring: any input of the risk state machine (tick, index, order, cancel,
/// fill, deposit, withdrawal, funding, halt, config, mode, query) or, rarely, a definition.
/// </summary>
/// <remarks>
/// Written in place by the single producer between claim and publish
/// (<see cref="RiskPipeline{TWait, TConsumer}.Publish(in RiskInput, long, string?)"/>), read in place by the risk
/// processor thread. Every field is overwritten on each publish, so a reused slot never leaks a
/// previous input's values.
/// </remarks>
public struct InboundEvent
{
    /// <summary>The input, in engine units. Ignored when <see cref="Definition"/> is set.</summary>
    public RiskInput Input;

    /// <summary>Ring sequence of this input: its position in the total order of inputs.</summary>
    public long Sequence;

    /// <summary><see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> when the producer published it.</summary>
    public long PublishedTicks;

    /// <summary>Caller's correlation value (a scenario line number, a wire sequence), copied to every output.</summary>
    public long Tag;

    /// <summary>Instrument id the producer could not resolve (order and mode rejects name it in their output).</summary>
    public string? UnknownInstrumentId;

    /// <summary>A start-up definition the processor thread applies in order instead of an input; <c>null</c> for inputs.</summary>
    public PipelineDefinition? Definition;
}
