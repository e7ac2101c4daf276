using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using CrossMargin.Core.Engine;
using CrossMargin.Disruptor;
using CrossMargin.Disruptor.Processing;
using CrossMargin.Disruptor.Sequencing;
using CrossMargin.Disruptor.WaitStrategies;

namespace CrossMargin.Gate.Pipeline;

/// <summary>Sizes and switches of a <see cref="RiskPipeline{TWait, TConsumer}"/>.</summary>
public sealed class RiskPipelineOptions
{
    /// <summary>Slots of the inbound ring (power of two). Default 4096.</summary>
    public int InboundSize { get; init; } = 4096;

    /// <summary>Slots of the outbound ring (power of two). Default 8192.</summary>
    public int OutboundSize { get; init; } = 8192;

    /// <summary>Record the processor thread's allocated bytes after each batch
    /// (<see cref="RiskProcessorCounters.ProcessorThreadAllocatedBytes"/>). Default off.</summary>
    public bool TrackAllocations { get; init; }

    /// <summary>Prefix of the two thread names. Default <c>risk</c>.</summary>
    public string ThreadName { get; init; } = "risk";
}

/// <summary>
/// The risk pipeline: inbound ring → risk processor (one thread, owns the engine) → outbound ring →
/// one consumer (a struct <typeparamref name="TConsumer"/> on its own thread).
/// </summary>
/// <typeparam name="TWait">Wait strategy of both the processor and the consumer (a struct: the loops are specialised for it).</typeparam>
/// <typeparam name="TConsumer">The outbound consumer (a publisher, a journal, a test sink).</typeparam>
/// <remarks>
/// <para><b>Threading contract.</b> Exactly one producer thread calls <see cref="Publish(in RiskInput, long, string?)"/>,
/// <see cref="TryPublish"/> and <see cref="PublishDefinition"/> (the inbound ring has a
/// <see cref="SingleProducerSequencer"/>, so the ring order is the total order of inputs). The risk
/// processor thread is the only thread that touches the engine while the pipeline runs, and the only
/// producer of the outbound ring. The consumer thread reads outbound slots in place; an account or
/// fund answer carries its own snapshot, so the consumer never reads live engine state (it may read
/// asset and instrument definitions, which are published before any event that names them).</para>
/// <para><b>Lifecycle</b> (controlling thread, which may be the producer): construct, apply definitions
/// to <see cref="Engine"/> directly if wanted, <see cref="Start"/>, publish, <see cref="Drain"/> /
/// <see cref="Stop"/>. A stopped pipeline can be started again and resumes after the last processed
/// sequence; the engine and the consumer keep their state. Touch <see cref="Engine"/> and the
/// consumer's state only while stopped (or after <see cref="Drain"/> for read-only inspection of
/// the consumer).</para>
/// <para><b>Back-pressure.</b> A full inbound ring makes <see cref="Publish(in RiskInput, long, string?)"/> wait and
/// <see cref="TryPublish"/> return <c>false</c>; a full outbound ring makes the processor wait for the
/// consumer. Nothing is dropped.</para>
/// </remarks>
public sealed class RiskPipeline<TWait, TConsumer> : IDisposable
    where TWait : struct, IWaitStrategy
    where TConsumer : struct, IEventHandler<OutboundEvent>
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private readonly RiskEngine _engine;
    private readonly RingBuffer<InboundEvent> _in;
    private readonly SingleProducerSequencer _inSequencer;
    private readonly RingBuffer<OutboundEvent> _out;
    private readonly SingleProducerSequencer _outSequencer;
    private readonly BatchEventProcessor<InboundEvent, RiskProcessor, TWait> _processor;
    private readonly BatchEventProcessor<OutboundEvent, TConsumer, TWait> _consumer;
    private readonly RiskProcessorCounters _counters = new();
    private readonly string _threadName;
    private ProcessorThread? _processorThread;
    private ProcessorThread? _consumerThread;

    /// <summary>Builds both rings, the processor and the consumer; starts nothing.</summary>
    /// <param name="engine">The engine; owned by the processor thread from <see cref="Start"/> on.</param>
    /// <param name="consumer">The outbound consumer, copied into its processor (see <see cref="Consumer"/>).</param>
    /// <param name="waitStrategy">Strategy instance (<c>new BlockingWaitStrategy()</c> needs its lock; the others may be <c>default</c>).</param>
    /// <param name="options">Sizes; defaults when <c>null</c>.</param>
    public RiskPipeline(RiskEngine engine, TConsumer consumer, TWait waitStrategy, RiskPipelineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        options ??= new RiskPipelineOptions();
        if (!BitOperations.IsPow2(options.InboundSize) || !BitOperations.IsPow2(options.OutboundSize))
        {
            throw new ArgumentException("Ring sizes must be powers of two.", nameof(options));
        }

        _engine = engine;
        _threadName = options.ThreadName;
        _in = new RingBuffer<InboundEvent>(options.InboundSize);
        _inSequencer = new SingleProducerSequencer(options.InboundSize, waitStrategy);
        _out = new RingBuffer<OutboundEvent>(options.OutboundSize);
        _outSequencer = new SingleProducerSequencer(options.OutboundSize, waitStrategy);

        // The snapshot pool: one pre-sized snapshot per outbound slot, so a query answer is copied
        // into its slot without allocating and stays valid until the consumer has passed the slot.
        for (long s = 0; s < options.OutboundSize; s++)
        {
            _out[s].Snapshot = new AccountSnapshot(engine);
        }

        var handler = new RiskProcessor(engine, _out, _outSequencer, _counters, options.TrackAllocations);
        _processor = BatchEventProcessor.Create(_in, _inSequencer.NewBarrier<TWait>(), handler);
        _inSequencer.AddGatingSequences(_processor.Sequence);
        _consumer = BatchEventProcessor.Create(_out, _outSequencer.NewBarrier<TWait>(), consumer);
        _outSequencer.AddGatingSequences(_consumer.Sequence);
    }

    /// <summary>The engine. Only while stopped: once started, it belongs to the processor thread.</summary>
    public RiskEngine Engine => _engine;

    /// <summary>The consumer struct held by its processor. Only while stopped.</summary>
    public ref TConsumer Consumer => ref _consumer.Handler;

    /// <summary>Processor counters (any thread).</summary>
    public RiskProcessorCounters Counters => _counters;

    /// <summary>Highest published inbound sequence (−1 before the first).</summary>
    public long PublishedSequence => _inSequencer.Cursor.Value;

    /// <summary>Highest inbound sequence the processor has finished (acquire read).</summary>
    public long ProcessedSequence => _processor.Sequence.Value;

    /// <summary>Highest outbound sequence the consumer has finished (acquire read).</summary>
    public long ConsumedSequence => _consumer.Sequence.Value;

    /// <summary>Handler exceptions caught in the processor and consumer loops (should stay 0).</summary>
    public long Failures => _processor.EventFailures + _consumer.EventFailures;

    /// <summary>Whether both threads are running.</summary>
    public bool IsRunning => _processor.IsRunning && _consumer.IsRunning;

    /// <summary>Starts the consumer, then the processor thread. Controlling thread.</summary>
    /// <exception cref="InvalidOperationException">Already started, or a thread failed to start in 10 s.</exception>
    public void Start()
    {
        if (_processorThread is not null)
        {
            throw new InvalidOperationException("The pipeline is already started.");
        }

        _consumerThread = ProcessorThread.Start(_consumer, _threadName + "-out");
        _processorThread = ProcessorThread.Start(_processor, _threadName + "-processor");
        if (!_consumerThread.WaitUntilRunning(StartTimeout) || !_processorThread.WaitUntilRunning(StartTimeout))
        {
            throw new InvalidOperationException("The pipeline threads did not start.");
        }
    }

    /// <summary>Publishes one input; waits (spin, then yield) while the inbound ring is full. Producer thread only.</summary>
    /// <param name="input">The input (copied into the slot).</param>
    /// <param name="tag">Correlation value copied to every output of the input.</param>
    /// <param name="unknownInstrumentId">Instrument id the producer could not resolve (named in reject output).</param>
    /// <returns>The input's inbound sequence.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Publish(in RiskInput input, long tag = 0, string? unknownInstrumentId = null)
    {
        long s = _inSequencer.Next();
        Write(ref _in[s], s, in input, tag, unknownInstrumentId);
        _inSequencer.Publish(s);
        return s;
    }

    /// <summary>Publishes one input unless the inbound ring is full. Producer thread only.</summary>
    /// <param name="input">The input.</param>
    /// <param name="sequence">Its inbound sequence, or −1 when the ring was full.</param>
    /// <param name="tag">Correlation value copied to every output of the input.</param>
    /// <param name="unknownInstrumentId">Instrument id the producer could not resolve.</param>
    /// <returns><c>false</c> when the processor lags by a whole ring (nothing published).</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryPublish(in RiskInput input, out long sequence, long tag = 0, string? unknownInstrumentId = null)
    {
        if (!_inSequencer.TryNext(out sequence))
        {
            return false;
        }

        Write(ref _in[sequence], sequence, in input, tag, unknownInstrumentId);
        _inSequencer.Publish(sequence);
        return true;
    }

    /// <summary>Publishes a definition the processor applies in input order. Producer thread only.</summary>
    /// <returns>Its inbound sequence.</returns>
    public long PublishDefinition(PipelineDefinition definition, long tag = 0)
    {
        ArgumentNullException.ThrowIfNull(definition);
        long s = _inSequencer.Next();
        ref InboundEvent e = ref _in[s];
        e.Input = default;
        e.Sequence = s;
        e.Tag = tag;
        e.UnknownInstrumentId = null;
        e.Definition = definition;
        e.PublishedTicks = Stopwatch.GetTimestamp();
        _inSequencer.Publish(s);
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Write(ref InboundEvent e, long s, in RiskInput input, long tag, string? unknownInstrumentId)
    {
        e.Input = input;
        e.Sequence = s;
        e.Tag = tag;
        e.UnknownInstrumentId = unknownInstrumentId;
        e.Definition = null;
        e.PublishedTicks = Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// Waits until every input published so far is processed and every output consumed.
    /// Call from the producer thread (or once the producer has stopped publishing).
    /// </summary>
    /// <returns><c>false</c> if that did not happen within <paramref name="timeout"/> (e.g. the pipeline is stopped).</returns>
    public bool Drain(TimeSpan timeout)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        long target = _inSequencer.Cursor.Value;
        if (!WaitFor(_processor.Sequence, target, deadline))
        {
            return false;
        }

        // The processor publishes an input's outputs before it releases the input's sequence,
        // so the outbound cursor read after the acquire above covers every output.
        return WaitFor(_consumer.Sequence, _outSequencer.Cursor.Value, deadline);
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

    /// <summary>Drains, then halts the processor and the consumer and joins their threads. Controlling thread.</summary>
    /// <returns><c>true</c> if everything published was processed and consumed and both threads ended within <paramref name="timeout"/>.</returns>
    public bool Stop(TimeSpan timeout)
    {
        if (_processorThread is null || _consumerThread is null)
        {
            return true;
        }

        bool drained = Drain(timeout);
        bool processorStopped = _processorThread.Stop(timeout);
        bool consumerStopped = _consumerThread.Stop(timeout);
        _processorThread = null;
        _consumerThread = null;
        return drained && processorStopped && consumerStopped;
    }

    /// <summary>Stops the pipeline (10 s timeout).</summary>
    public void Dispose() => Stop(TimeSpan.FromSeconds(10));
}
