using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using CrossMargin.Core.Engine;
using CrossMargin.Disruptor;
using CrossMargin.Disruptor.Processing;
using CrossMargin.Disruptor.Sequencing;
using CrossMargin.Disruptor.WaitStrategies;
using CrossMargin.Messages;

namespace CrossMargin.Gate.Pipeline;

/// <summary>
/// The heart of the pipeline without its consumer: the inbound ring, the risk processor thread
/// that owns the engine, and the outbound ring. A consumer attaches either as a thread of its own
/// (<see cref="RiskPipeline{TWait, TConsumer}"/>) or as an <see cref="EventPoller{T}"/> polled by a
/// duty-cycle thread that also drives the network (the gate).
/// </summary>
/// <typeparam name="TWait">Wait strategy of the processor (a struct: its loop is specialised for it).</typeparam>
/// <remarks>
/// <para><b>Threading contract.</b> Exactly one producer thread calls <see cref="Publish"/>,
/// <see cref="TryPublish"/> and <see cref="PublishDefinition"/> (single-producer sequencer: the ring
/// order is the total order of inputs). The processor thread is the only thread touching the engine
/// while running, and the only producer of the outbound ring. Attach exactly one outbound consumer
/// (<see cref="AttachConsumer"/> or <see cref="CreatePoller"/>) before <see cref="StartProcessor"/>.</para>
/// </remarks>
public sealed class RiskRings<TWait> where TWait : struct, IWaitStrategy
{
    private readonly RingBuffer<InboundEvent> _in;
    private readonly SingleProducerSequencer _inSequencer;
    private readonly BatchEventProcessor<InboundEvent, RiskProcessor, TWait> _processor;
    private ProcessorThread? _processorThread;
    private Sequence? _consumerSequence;
    private BatchEventProcessor<InboundEvent, Journal.JournalHandler, TWait>? _journaler;
    private ProcessorThread? _journalerThread;

    /// <summary>Builds both rings and the processor; starts nothing.</summary>
    public RiskRings(RiskEngine engine, TWait waitStrategy, RiskPipelineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        options ??= new RiskPipelineOptions();
        if (!BitOperations.IsPow2(options.InboundSize) || !BitOperations.IsPow2(options.OutboundSize))
        {
            throw new ArgumentException("Ring sizes must be powers of two.", nameof(options));
        }

        Engine = engine;
        ThreadName = options.ThreadName;
        _in = new RingBuffer<InboundEvent>(options.InboundSize);
        _inSequencer = new SingleProducerSequencer(options.InboundSize, waitStrategy);
        Outbound = new RingBuffer<OutboundEvent>(options.OutboundSize);
        OutboundSequencer = new SingleProducerSequencer(options.OutboundSize, waitStrategy);

        // Query answers are encoded into one byte ring (no snapshot object per slot); it holds at
        // least four of the longest answers the schema allows.
        Tables = new SideTables(Math.Max(options.AnswerRingBytes, 4 * AccountSnapshotCodec.MaxLength));

        var handler = new RiskProcessor(engine, _in, Outbound, OutboundSequencer, Counters, Tables, options.TrackAllocations, options.ProcessorCpu);
        _processor = BatchEventProcessor.Create(_in, _inSequencer.NewBarrier<TWait>(), handler);
        _inSequencer.AddGatingSequences(_processor.Sequence);
    }

    /// <summary>Cold tables and the answer ring the slots refer to.</summary>
    public SideTables Tables { get; }

    /// <summary>The engine. Only while stopped: once started, it belongs to the processor thread.</summary>
    public RiskEngine Engine { get; }

    /// <summary>Thread name prefix.</summary>
    public string ThreadName { get; }

    /// <summary>The outbound ring (read by the one consumer).</summary>
    public RingBuffer<OutboundEvent> Outbound { get; }

    /// <summary>The outbound ring's sequencer (the processor is its producer).</summary>
    public SingleProducerSequencer OutboundSequencer { get; }

    /// <summary>Processor counters (any thread).</summary>
    public RiskProcessorCounters Counters { get; } = new();

    /// <summary>Highest published inbound sequence (−1 before the first).</summary>
    public long PublishedSequence => _inSequencer.Cursor.Value;

    /// <summary>Highest inbound sequence the processor has finished (acquire read).</summary>
    public long ProcessedSequence => _processor.Sequence.Value;

    /// <summary>Free inbound slots: a producer that publishes at most this many never waits. Producer thread.</summary>
    public long InboundRemaining => _inSequencer.RemainingCapacity();

    /// <summary>Highest outbound sequence the consumer has finished (acquire read).</summary>
    public long ConsumedSequence => _consumerSequence?.Value ?? -1;

    /// <summary>Handler exceptions caught by the processor loop (should stay 0).</summary>
    public long ProcessorFailures => _processor.EventFailures;

    /// <summary>Whether the processor thread is running.</summary>
    public bool IsProcessorRunning => _processor.IsRunning;

    /// <summary>Gates the outbound ring on a consumer's sequence. Once, before starting.</summary>
    public void AttachConsumer(Sequence consumerSequence)
    {
        if (_consumerSequence is not null) throw new InvalidOperationException("An outbound consumer is already attached.");
        _consumerSequence = consumerSequence;
        OutboundSequencer.AddGatingSequences(consumerSequence);
        Tables.Answers.ConsumerSequence = consumerSequence;
    }

    /// <summary>
    /// Adds the journaler: a second consumer of the inbound ring, in parallel with the processor, on
    /// its own thread. Its <see cref="JournalSequence"/> says which inputs are durable; a consumer
    /// must not publish the effects of a later input. Once, before starting.
    /// </summary>
    public void AttachJournal(Journal.JournalWriter writer)
    {
        if (_journaler is not null) throw new InvalidOperationException("A journal is already attached.");
        _journaler = BatchEventProcessor.Create(_in, _inSequencer.NewBarrier<TWait>(), new Journal.JournalHandler(writer));
        _inSequencer.AddGatingSequences(_journaler.Sequence);
    }

    /// <summary>Highest inbound sequence journaled (−1 before the first); null without a journal.</summary>
    public Sequence? JournalSequence => _journaler?.Sequence;

    /// <summary>Creates the outbound consumer as a poller for a duty-cycle thread, and attaches it.</summary>
    public EventPoller<OutboundEvent> CreatePoller()
    {
        var poller = new EventPoller<OutboundEvent>(Outbound, OutboundSequencer);
        AttachConsumer(poller.Sequence);
        return poller;
    }

    /// <summary>Starts the processor thread. Controlling thread.</summary>
    public void StartProcessor(TimeSpan timeout)
    {
        if (_consumerSequence is null) throw new InvalidOperationException("Attach an outbound consumer first.");
        if (_processorThread is not null) throw new InvalidOperationException("The processor is already started.");
        if (_journaler is not null)
        {
            _journalerThread = ProcessorThread.Start(_journaler, ThreadName + "-journal");
            if (!_journalerThread.WaitUntilRunning(timeout)) throw new InvalidOperationException("The journaler thread did not start.");
        }
        _processorThread = ProcessorThread.Start(_processor, ThreadName + "-processor");
        if (!_processorThread.WaitUntilRunning(timeout)) throw new InvalidOperationException("The processor thread did not start.");
    }

    /// <summary>Halts and joins the processor thread. Controlling thread.</summary>
    public bool StopProcessor(TimeSpan timeout)
    {
        if (_processorThread is null) return true;
        bool stopped = _processorThread.Stop(timeout);
        _processorThread = null;
        if (_journalerThread is not null)
        {
            stopped &= _journalerThread.Stop(timeout);
            _journalerThread = null;
        }
        return stopped;
    }

    /// <summary>Whether the processor thread has been started and not stopped.</summary>
    public bool IsStarted => _processorThread is not null;

    /// <summary>Publishes one input; waits while the inbound ring is full. Producer thread only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Publish(in RiskInput input, long tag = 0, string? unknownInstrumentId = null)
    {
        long s = _inSequencer.Next();
        WriteInput(ref _in[s], in input, tag, unknownInstrumentId);
        Commit(s);
        return s;
    }

    /// <summary>Publishes one input unless the inbound ring is full (then <c>false</c>, nothing published). Producer thread only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryPublish(in RiskInput input, out long sequence, long tag = 0, string? unknownInstrumentId = null)
    {
        if (!_inSequencer.TryNext(out sequence))
        {
            sequence = -1;
            return false;
        }

        WriteInput(ref _in[sequence], in input, tag, unknownInstrumentId);
        Commit(sequence);
        return true;
    }

    /// <summary>
    /// Claims the next inbound slot for the producer to fill in place (e.g. decode wire bytes straight
    /// into <see cref="InboundEvent.Input"/>), then <see cref="Commit"/>. False when the ring is full
    /// (nothing claimed). The producer must fill <see cref="InboundEvent.Kind"/>, <see cref="InboundEvent.Input"/>
    /// (or <see cref="InboundEvent.DecodeResult"/>), <see cref="InboundEvent.Tag"/> and <see cref="InboundEvent.ColdIndex"/>;
    /// <see cref="Commit"/> stamps the sequence and time. Producer thread only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryClaim(out long sequence) => _inSequencer.TryNext(out sequence);

    /// <summary>The inbound slot of a claimed, uncommitted sequence. Producer thread only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref InboundEvent Slot(long sequence) => ref _in[sequence];

    /// <summary>Publishes a claimed slot to the processor and the journaler. Producer thread only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Commit(long sequence)
    {
        ref InboundEvent e = ref _in[sequence];
        e.Sequence = sequence;
        e.PublishedTicks = Stopwatch.GetTimestamp();
        _inSequencer.Publish(sequence);
    }

    /// <summary>Publishes a definition the processor applies in input order. Producer thread only.</summary>
    public long PublishDefinition(PipelineDefinition definition, long tag = 0)
    {
        ArgumentNullException.ThrowIfNull(definition);
        int index = Tables.Definitions.Add(definition);
        long s = _inSequencer.Next();
        ref InboundEvent e = ref _in[s];
        e.Kind = InboundKind.Definition;
        e.DecodeResult = DecodeResult.Ok;
        e.Redo = false;
        e.Input = default;
        e.Tag = tag;
        e.SessionId = e.StreamId = 0; // not from the wire
        e.ReceivedLength = 0;
        e.ColdIndex = index;
        Commit(s);
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WriteInput(ref InboundEvent e, in RiskInput input, long tag, string? unknownInstrumentId)
    {
        e.Kind = InboundKind.Input;
        e.DecodeResult = DecodeResult.Ok;
        e.Redo = false;
        e.Input = input;
        e.Tag = tag;
        e.SessionId = e.StreamId = 0; // not from the wire
        e.ReceivedLength = 0;     // no received bytes: the journal stores the canonical encoding
        e.ColdIndex = unknownInstrumentId is null ? -1 : Tables.UnknownInstrumentIds.Add(unknownInstrumentId);
    }

    /// <summary>
    /// Waits until every input published so far is processed and every output consumed
    /// (the consumer must be running, or polled by another thread).
    /// </summary>
    public bool Drain(TimeSpan timeout)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        if (!WaitFor(_processor.Sequence, _inSequencer.Cursor.Value, deadline)
            || (_journaler is not null && !WaitFor(_journaler.Sequence, _inSequencer.Cursor.Value, deadline)))
        {
            return false;
        }

        // The processor publishes an input's outputs before it releases the input's sequence,
        // so the outbound cursor read after the acquire above covers every output.
        return _consumerSequence is null || WaitFor(_consumerSequence, OutboundSequencer.Cursor.Value, deadline);
    }

    private static bool WaitFor(Sequence sequence, long target, long deadline)
    {
        SpinWait spin = default;
        while (sequence.Value < target)
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                return false;
            }

            spin.SpinOnce();
        }

        return true;
    }
}
