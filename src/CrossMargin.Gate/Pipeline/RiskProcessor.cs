using System.Runtime.CompilerServices;
using CrossMargin.Concurrency;
using CrossMargin.Core.Engine;
using CrossMargin.Scenario;
using CrossMargin.Disruptor;
using CrossMargin.Disruptor.Processing;
using CrossMargin.Disruptor.Sequencing;
using CrossMargin.Messages;

namespace CrossMargin.Gate.Pipeline;

/// <summary>
/// Counters of a <see cref="RiskProcessor"/>: <see cref="OrderedCounter"/>s written by the processor
/// thread only, read from any thread.
/// </summary>
public sealed class RiskProcessorCounters
{
    internal OrderedCounter _inputs, _inputErrors, _malformed, _definitions, _definitionErrors, _outputs, _pinFailed, _answerWaits, _encodeFailures;
    internal OrderedCounter _allocatedBytes;

    /// <summary>Creates the counters (allocation tracking reads −1 until the processor records it).</summary>
    public RiskProcessorCounters() => _allocatedBytes.Set(-1);
    internal ScenarioParser? _definitionParser;

    /// <summary>Inputs handed to the engine (applied or not).</summary>
    public long Inputs => _inputs.Value;

    /// <summary>1 when the processor thread could not be pinned to its configured CPU.</summary>
    public long PinFailed => _pinFailed.Value;

    /// <summary>Inputs the engine could not apply (each also published as an <see cref="OutboundKind.InputError"/>).</summary>
    public long InputErrors => _inputErrors.Value;

    /// <summary>Malformed inputs (did not decode) answered with an input error.</summary>
    public long Malformed => _malformed.Value;

    /// <summary>Times the processor waited for answer-ring space (the consumer held too many unsent answers).</summary>
    public long AnswerWaits => _answerWaits.Value;

    /// <summary>Outputs that could not be encoded (sent as nothing; should stay 0).</summary>
    public long EncodeFailures => _encodeFailures.Value;

    /// <summary>Definitions applied.</summary>
    public long Definitions => _definitions.Value;

    /// <summary>Definitions refused.</summary>
    public long DefinitionErrors => _definitionErrors.Value;

    /// <summary>Slots published into the outbound ring.</summary>
    public long Outputs => _outputs.Value;

    /// <summary>
    /// <see cref="GC.GetAllocatedBytesForCurrentThread"/> of the processor thread at the end of its
    /// last batch, when allocation tracking is on (−1 otherwise). The difference between two drained
    /// points is what processing the inputs between them allocated.
    /// </summary>
    public long ProcessorThreadAllocatedBytes => _allocatedBytes.Value;
}

/// <summary>
/// The risk processor: the inbound ring's event handler. It owns the <see cref="RiskEngine"/>, applies
/// each input in ring order and publishes every event it produced into the outbound ring, encoded
/// as the decision message the gate sends.
/// </summary>
/// <remarks>
/// <para>Threading: all members run on the single risk processor thread (the engine, the outbound
/// ring's producer side and the answer ring's writer side belong to it). The struct is copied into
/// its <see cref="BatchEventProcessor{T, THandler, TWait}"/>; mutable state lives in the referenced objects.</para>
/// <para>Per input: <see cref="RiskEngine.Process"/>, then one claim of <c>n</c> outbound slots and
/// one publish (per-slot publishes only when an input produced more events than the ring holds, so
/// the processor can never wait on slots the consumer cannot see). Each slot gets its decision
/// message encoded in place; an account or fund answer is encoded into the <see cref="AnswerRing"/>
/// (one scratch snapshot, no per-slot objects). An input the engine refuses, and a malformed input,
/// becomes one <see cref="OutboundKind.InputError"/>: counted, never thrown. Nothing on this path allocates.</para>
/// </remarks>
public struct RiskProcessor : IEventHandler<InboundEvent>
{
    private readonly RiskEngine _engine;
    private readonly RingBuffer<OutboundEvent> _out;
    private readonly SingleProducerSequencer _outSequencer;
    private readonly RiskProcessorCounters _counters;
    private readonly AnswerRing _answers;
    private readonly AccountSnapshot _scratch;
    private readonly ColdTable<PipelineDefinition> _definitions;
    private readonly ColdTable<string> _definitionErrors;
    private readonly bool _trackAllocations;
    private readonly int _outSize;
    private readonly int _cpu;
    private readonly RingBuffer<InboundEvent>? _inbound;
    private long _batchSize, _batchEnd = -1;

    // Look-ahead (design: the processor holds a whole batch, so it knows the accounts it will touch
    // next): the account-index slot of the input 16 ahead and the account rows of the input 8 ahead
    // are hinted to the cache while this one is processed. Never past the batch's end: a slot beyond
    // it may still be written by the producer.
    private const int LookupDistance = 16, RowDistance = 8;

    internal RiskProcessor(RiskEngine engine, RingBuffer<InboundEvent>? inbound, RingBuffer<OutboundEvent> outbound, SingleProducerSequencer outSequencer, RiskProcessorCounters counters,
        SideTables tables, bool trackAllocations, int cpu = -1)
    {
        _cpu = cpu;
        _engine = engine;
        _inbound = inbound;
        _out = outbound;
        _outSequencer = outSequencer;
        _counters = counters;
        _answers = tables.Answers;
        _scratch = new AccountSnapshot(engine);
        _definitions = tables.Definitions;
        _definitionErrors = tables.DefinitionErrors;
        _trackAllocations = trackAllocations;
        _outSize = outbound.BufferSize;
    }

    /// <inheritdoc />
    public void OnEvent(ref InboundEvent data, long sequence, bool endOfBatch)
    {
        if (_inbound is not null) LookAhead(sequence);
        switch (data.Kind)
        {
            case InboundKind.Input: ProcessInput(ref data, sequence); break;
            case InboundKind.Malformed: PublishMalformed(ref data, sequence); break;
            default: ApplyDefinition(ref data, sequence); break;
        }

        if (endOfBatch && _trackAllocations)
        {
            _counters._allocatedBytes.Set(GC.GetAllocatedBytesForCurrentThread());
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ProcessInput(ref InboundEvent data, long sequence)
    {
        var c = _counters;
        c._inputs.Increment();
        ProcessStatus status = _engine.Process(in data.Input);
        if (status != ProcessStatus.Applied)
        {
            PublishInputError(ref data, sequence, status, DecodeResult.Ok);
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
            Fill(ref _out[lo + i], lo + i, ref data, sequence, in events[i], i == n - 1);
        }

        _outSequencer.Publish(lo, hi);
        c._outputs.Add(n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void Fill(ref OutboundEvent o, long outSequence, ref InboundEvent data, long sequence, in RiskEvent e, bool last)
    {
        Stamp(ref o, OutboundKind.Event, ref data, sequence, last);
        o.Status = ProcessStatus.Applied;
        o.DecodeResult = DecodeResult.Ok;
        o.Event = e;
        o.ColdIndex = data.ColdIndex;
        if (e.Kind is EventKind.Account or EventKind.Fund)
        {
            EncodeAnswer(ref o, outSequence, in e, data.Tag);
            return;
        }

        int n = OutputCodec.Encode(in e, data.Tag, o.Encoded);
        if (n < 0)
        {
            _counters._encodeFailures.Increment();
            n = 0;
        }
        o.EncodedLength = n;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Stamp(ref OutboundEvent o, OutboundKind kind, ref InboundEvent data, long sequence, bool last)
    {
        o.Kind = kind;
        o.LastOfInput = last;
        o.InputSequence = sequence;
        o.Tag = data.Tag;
        o.PublishedTicks = data.PublishedTicks;
        o.AnswerOffset = -1;
    }

    // Rare (queries): snapshot into the one scratch object, encode into the answer ring.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void EncodeAnswer(ref OutboundEvent o, long outSequence, in RiskEvent e, long tag)
    {
        if (e.Kind == EventKind.Account) _engine.Snapshot(e.Account, _scratch);
        else _engine.SnapshotFund(_scratch);
        int length = AccountSnapshotCodec.LengthOf(_scratch);
        int offset;
        if (!_answers.TryReserve(length, outSequence, out offset))
        {
            // The consumer still holds older answers: wait for it as for a full outbound ring.
            _counters._answerWaits.Increment();
            SpinWait spin = default;
            while (!_answers.TryReserve(length, outSequence, out offset)) spin.SpinOnce(sleep1Threshold: -1);
        }

        int n = AccountSnapshotCodec.Encode(_scratch, tag, _answers.Slice(offset, length));
        if (n < 0)
        {
            _counters._encodeFailures.Increment();
            n = 0;
        }
        o.AnswerOffset = offset;
        o.EncodedLength = n;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void PublishOneByOne(ref InboundEvent data, long sequence, ReadOnlySpan<RiskEvent> events)
    {
        for (int i = 0; i < events.Length; i++)
        {
            long s = _outSequencer.Next();
            Fill(ref _out[s], s, ref data, sequence, in events[i], i == events.Length - 1);
            _outSequencer.Publish(s);
        }

        _counters._outputs.Add(events.Length);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void PublishMalformed(ref InboundEvent data, long sequence)
    {
        _counters._malformed.Increment();
        PublishInputError(ref data, sequence, ProcessStatus.Applied, data.DecodeResult);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void PublishInputError(ref InboundEvent data, long sequence, ProcessStatus status, DecodeResult decodeResult)
    {
        if (decodeResult == DecodeResult.Ok) _counters._inputErrors.Increment();
        long s = _outSequencer.Next();
        ref OutboundEvent o = ref _out[s];
        Stamp(ref o, OutboundKind.InputError, ref data, sequence, last: true);
        o.Status = status;
        o.DecodeResult = decodeResult;
        o.Event = default;
        o.ColdIndex = data.ColdIndex;
        int n = InputErrorCodec.Encode(data.Tag, status, decodeResult, o.Encoded);
        o.EncodedLength = n > 0 ? n : 0;
        _outSequencer.Publish(s);
        _counters._outputs.Increment();
    }

    // Rare and not hot: may allocate (instrument tables, JSON of a scenario line, the refusal text).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void ApplyDefinition(ref InboundEvent data, long sequence)
    {
        if (_definitions[data.ColdIndex]!.Apply(_engine, ref _counters._definitionParser, out string? error))
        {
            _counters._definitions.Increment();
            return;
        }

        _counters._definitionErrors.Increment();
        long s = _outSequencer.Next();
        ref OutboundEvent o = ref _out[s];
        Stamp(ref o, OutboundKind.DefinitionError, ref data, sequence, last: true);
        o.Status = ProcessStatus.Applied;
        o.DecodeResult = DecodeResult.Ok;
        o.Event = default;
        o.ColdIndex = _definitionErrors.Add(error ?? "refused");
        o.EncodedLength = 0; // nothing on the wire: definitions come from the configuration
        _outSequencer.Publish(s);
        _counters._outputs.Increment();
    }

    /// <inheritdoc />
    public void OnBatchStart(long batchSize) => _batchSize = batchSize;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void LookAhead(long sequence)
    {
        if (sequence > _batchEnd) _batchEnd = sequence + _batchSize - 1; // first event of a batch
        long lookup = sequence + LookupDistance, row = sequence + RowDistance;
        if (lookup <= _batchEnd)
        {
            ref InboundEvent e = ref _inbound![lookup];
            if (e.Kind == InboundKind.Input) _engine.PrefetchLookup(in e.Input);
        }
        if (row <= _batchEnd)
        {
            ref InboundEvent e = ref _inbound![row];
            if (e.Kind == InboundKind.Input) _engine.Prefetch(in e.Input);
        }
    }

    /// <inheritdoc />
    public readonly void OnStart()
    {
        if (_cpu >= 0 && !Host.CpuAffinity.PinCurrentThread(_cpu)) _counters._pinFailed.Set(1);
        if (_trackAllocations)
        {
            _counters._allocatedBytes.Set(GC.GetAllocatedBytesForCurrentThread());
        }
    }

    /// <inheritdoc />
    public readonly void OnShutdown()
    {
    }
}
