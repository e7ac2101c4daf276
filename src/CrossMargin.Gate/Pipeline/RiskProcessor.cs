using System.Runtime.CompilerServices;
using CrossMargin.Core.Engine;
using CrossMargin.Scenario;
using CrossMargin.Disruptor;
using CrossMargin.Disruptor.Processing;
using CrossMargin.Disruptor.Sequencing;

namespace CrossMargin.Gate.Pipeline;

/// <summary>
/// Counters of a <see cref="RiskProcessor"/>. Written by the processor thread only; any thread may
/// read them (acquire reads of aligned 64-bit fields, each written with a release store).
/// </summary>
public sealed class RiskProcessorCounters
{
    internal long _inputs, _inputErrors, _definitions, _definitionErrors, _outputs, _allocatedBytes, _pinFailed;
    internal ScenarioParser? _definitionParser;

    /// <summary>Inputs handed to the engine (applied or not).</summary>
    public long Inputs => Volatile.Read(ref _inputs);

    /// <summary>1 when the processor thread could not be pinned to its configured CPU.</summary>
    public long PinFailed => Volatile.Read(ref _pinFailed);

    /// <summary>Inputs the engine could not apply (each also published as an <see cref="OutboundKind.InputError"/>).</summary>
    public long InputErrors => Volatile.Read(ref _inputErrors);

    /// <summary>Definitions applied.</summary>
    public long Definitions => Volatile.Read(ref _definitions);

    /// <summary>Definitions refused.</summary>
    public long DefinitionErrors => Volatile.Read(ref _definitionErrors);

    /// <summary>Slots published into the outbound ring.</summary>
    public long Outputs => Volatile.Read(ref _outputs);

    /// <summary>
    /// <see cref="GC.GetAllocatedBytesForCurrentThread"/> of the processor thread at the end of its
    /// last batch, when allocation tracking is on (0 otherwise). The difference between two drained
    /// points is what processing the inputs between them allocated.
    /// </summary>
    public long ProcessorThreadAllocatedBytes => Volatile.Read(ref _allocatedBytes);
}

/// <summary>
/// The risk processor: the inbound ring's event handler. It owns the <see cref="RiskEngine"/>, applies
/// each input in ring order and publishes every event it produced into the outbound ring.
/// </summary>
/// <remarks>
/// <para>Threading: all members run on the single risk processor thread (the engine and the outbound
/// ring's producer side belong to it). The struct is copied into its <see cref="BatchEventProcessor{T, THandler, TWait}"/>;
/// mutable state lives in the referenced objects.</para>
/// <para>Per input: <see cref="RiskEngine.Process"/>, then one claim of <c>n</c> outbound slots and
/// one publish (per-slot publishes only when an input produced more events than the ring holds, so
/// the processor can never wait on slots the consumer cannot see). An input the engine refuses
/// becomes one <see cref="OutboundKind.InputError"/>: counted, never thrown. Account and fund answers
/// copy the state into the slot's pre-allocated <see cref="OutboundEvent.Snapshot"/>. Nothing on
/// this path allocates.</para>
/// </remarks>
public struct RiskProcessor : IEventHandler<InboundEvent>
{
    private readonly RiskEngine _engine;
    private readonly RingBuffer<OutboundEvent> _out;
    private readonly SingleProducerSequencer _outSequencer;
    private readonly RiskProcessorCounters _counters;
    private readonly bool _trackAllocations;
    private readonly int _outSize;
    private readonly int _cpu;

    internal RiskProcessor(RiskEngine engine, RingBuffer<OutboundEvent> outbound, SingleProducerSequencer outSequencer, RiskProcessorCounters counters, bool trackAllocations, int cpu = -1)
    {
        _cpu = cpu;
        _engine = engine;
        _out = outbound;
        _outSequencer = outSequencer;
        _counters = counters;
        _trackAllocations = trackAllocations;
        _outSize = outbound.BufferSize;
    }

    /// <inheritdoc />
    public void OnEvent(ref InboundEvent data, long sequence, bool endOfBatch)
    {
        if (data.Definition is not null)
        {
            ApplyDefinition(ref data, sequence);
        }
        else
        {
            ProcessInput(ref data, sequence);
        }

        if (endOfBatch && _trackAllocations)
        {
            Volatile.Write(ref _counters._allocatedBytes, GC.GetAllocatedBytesForCurrentThread());
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ProcessInput(ref InboundEvent data, long sequence)
    {
        var c = _counters;
        Volatile.Write(ref c._inputs, c._inputs + 1);
        ProcessStatus status = _engine.Process(in data.Input);
        if (status != ProcessStatus.Applied)
        {
            PublishInputError(ref data, sequence, status);
            return;
        }

        ReadOnlySpan<RiskEvent> events = _engine.Events.Span;
        int n = events.Length;
        if (n == 0)
        {
            return;
        }

        if (n > _outSize)
        {
            PublishOneByOne(ref data, sequence, events);
            return;
        }

        long hi = _outSequencer.Next(n);
        long lo = hi - n + 1;
        for (int i = 0; i < n; i++)
        {
            Fill(ref _out[lo + i], ref data, sequence, in events[i], i == n - 1);
        }

        _outSequencer.Publish(lo, hi);
        Volatile.Write(ref c._outputs, c._outputs + n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void Fill(ref OutboundEvent o, ref InboundEvent data, long sequence, in RiskEvent e, bool last)
    {
        o.Kind = OutboundKind.Event;
        o.LastOfInput = last;
        o.Status = ProcessStatus.Applied;
        o.Event = e;
        o.InputSequence = sequence;
        o.Tag = data.Tag;
        o.PublishedTicks = data.PublishedTicks;
        o.UnknownInstrumentId = data.UnknownInstrumentId;
        o.Error = null;
        if (e.Kind == EventKind.Account)
        {
            _engine.Snapshot(e.Account, o.Snapshot!);
        }
        else if (e.Kind == EventKind.Fund)
        {
            _engine.SnapshotFund(o.Snapshot!);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void PublishOneByOne(ref InboundEvent data, long sequence, ReadOnlySpan<RiskEvent> events)
    {
        for (int i = 0; i < events.Length; i++)
        {
            long s = _outSequencer.Next();
            Fill(ref _out[s], ref data, sequence, in events[i], i == events.Length - 1);
            _outSequencer.Publish(s);
        }

        Volatile.Write(ref _counters._outputs, _counters._outputs + events.Length);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void PublishInputError(ref InboundEvent data, long sequence, ProcessStatus status)
    {
        Volatile.Write(ref _counters._inputErrors, _counters._inputErrors + 1);
        long s = _outSequencer.Next();
        ref OutboundEvent o = ref _out[s];
        o.Kind = OutboundKind.InputError;
        o.LastOfInput = true;
        o.Status = status;
        o.Event = default;
        o.InputSequence = sequence;
        o.Tag = data.Tag;
        o.PublishedTicks = data.PublishedTicks;
        o.UnknownInstrumentId = data.UnknownInstrumentId;
        o.Error = null;
        _outSequencer.Publish(s);
        Volatile.Write(ref _counters._outputs, _counters._outputs + 1);
    }

    // Rare and not hot: may allocate (instrument tables, JSON of a scenario line).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void ApplyDefinition(ref InboundEvent data, long sequence)
    {
        if (data.Definition!.Apply(_engine, ref _counters._definitionParser, out string? error))
        {
            Volatile.Write(ref _counters._definitions, _counters._definitions + 1);
            return;
        }

        Volatile.Write(ref _counters._definitionErrors, _counters._definitionErrors + 1);
        long s = _outSequencer.Next();
        ref OutboundEvent o = ref _out[s];
        o.Kind = OutboundKind.DefinitionError;
        o.LastOfInput = true;
        o.Status = ProcessStatus.Applied;
        o.Event = default;
        o.InputSequence = sequence;
        o.Tag = data.Tag;
        o.PublishedTicks = data.PublishedTicks;
        o.UnknownInstrumentId = null;
        o.Error = error;
        _outSequencer.Publish(s);
        Volatile.Write(ref _counters._outputs, _counters._outputs + 1);
    }

    /// <inheritdoc />
    public readonly void OnBatchStart(long batchSize)
    {
    }

    /// <inheritdoc />
    public readonly void OnStart()
    {
        if (_cpu >= 0 && !Host.CpuAffinity.PinCurrentThread(_cpu)) Volatile.Write(ref _counters._pinFailed, 1);
        if (_trackAllocations)
        {
            Volatile.Write(ref _counters._allocatedBytes, GC.GetAllocatedBytesForCurrentThread());
        }
    }

    /// <inheritdoc />
    public readonly void OnShutdown()
    {
    }
}
