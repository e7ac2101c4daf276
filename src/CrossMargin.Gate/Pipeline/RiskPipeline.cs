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

    /// <summary>Bytes of the answer ring holding encoded query answers until they are sent (at least four of the longest answers). Default 256 KiB.</summary>
    public int AnswerRingBytes { get; init; } = 256 * 1024;

    /// <summary>CPU the risk processor thread pins itself to when it starts; −1 (default) leaves it to the OS.</summary>
    public int ProcessorCpu { get; init; } = -1;

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

    private readonly RiskRings<TWait> _rings;
    private readonly BatchEventProcessor<OutboundEvent, TConsumer, TWait> _consumer;
    private ProcessorThread? _consumerThread;

    /// <summary>Builds both rings, the processor and the consumer; starts nothing.</summary>
    /// <param name="engine">The engine; owned by the processor thread from <see cref="Start"/> on.</param>
    /// <param name="consumer">The outbound consumer, copied into its processor (see <see cref="Consumer"/>).</param>
    /// <param name="waitStrategy">Strategy instance (<c>new BlockingWaitStrategy()</c> needs its lock; the others may be <c>default</c>).</param>
    /// <param name="options">Sizes; defaults when <c>null</c>.</param>
    public RiskPipeline(RiskEngine engine, TConsumer consumer, TWait waitStrategy, RiskPipelineOptions? options = null)
    {
        _rings = new RiskRings<TWait>(engine, waitStrategy, options);
        _consumer = BatchEventProcessor.Create(_rings.Outbound, _rings.OutboundSequencer.NewBarrier<TWait>(), consumer);
        _rings.AttachConsumer(_consumer.Sequence);
    }

    /// <summary>The engine. Only while stopped: once started, it belongs to the processor thread.</summary>
    public RiskEngine Engine => _rings.Engine;

    /// <summary>The consumer struct held by its processor. Only while stopped.</summary>
    public ref TConsumer Consumer => ref _consumer.Handler;

    /// <summary>Processor counters (any thread).</summary>
    public RiskProcessorCounters Counters => _rings.Counters;

    /// <summary>Cold tables and the answer ring the slots refer to (a rendering consumer reads through them).</summary>
    public SideTables Tables => _rings.Tables;

    /// <summary>Highest published inbound sequence (−1 before the first).</summary>
    public long PublishedSequence => _rings.PublishedSequence;

    /// <summary>Highest inbound sequence the processor has finished (acquire read).</summary>
    public long ProcessedSequence => _rings.ProcessedSequence;

    /// <summary>Highest outbound sequence the consumer has finished (acquire read).</summary>
    public long ConsumedSequence => _consumer.Sequence.Value;

    /// <summary>Handler exceptions caught in the processor and consumer loops (should stay 0).</summary>
    public long Failures => _rings.ProcessorFailures + _consumer.EventFailures;

    /// <summary>Whether both threads are running.</summary>
    public bool IsRunning => _rings.IsProcessorRunning && _consumer.IsRunning;

    /// <summary>Starts the consumer, then the processor thread. Controlling thread.</summary>
    /// <exception cref="InvalidOperationException">Already started, or a thread failed to start in 10 s.</exception>
    public void Start()
    {
        if (_rings.IsStarted)
        {
            throw new InvalidOperationException("The pipeline is already started.");
        }

        _consumerThread = ProcessorThread.Start(_consumer, _rings.ThreadName + "-out");
        if (!_consumerThread.WaitUntilRunning(StartTimeout))
        {
            throw new InvalidOperationException("The pipeline threads did not start.");
        }

        _rings.StartProcessor(StartTimeout);
    }

    /// <summary>Publishes one input; waits (spin, then yield) while the inbound ring is full. Producer thread only.</summary>
    /// <param name="input">The input (copied into the slot).</param>
    /// <param name="tag">Correlation value copied to every output of the input.</param>
    /// <param name="unknownInstrumentId">Instrument id the producer could not resolve (named in reject output).</param>
    /// <returns>The input's inbound sequence.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Publish(in RiskInput input, long tag = 0, string? unknownInstrumentId = null) => _rings.Publish(input, tag, unknownInstrumentId);

    /// <summary>Publishes one input unless the inbound ring is full. Producer thread only.</summary>
    /// <param name="input">The input.</param>
    /// <param name="sequence">Its inbound sequence, or −1 when the ring was full.</param>
    /// <param name="tag">Correlation value copied to every output of the input.</param>
    /// <param name="unknownInstrumentId">Instrument id the producer could not resolve.</param>
    /// <returns><c>false</c> when the processor lags by a whole ring (nothing published).</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryPublish(in RiskInput input, out long sequence, long tag = 0, string? unknownInstrumentId = null) =>
        _rings.TryPublish(input, out sequence, tag, unknownInstrumentId);

    /// <summary>Publishes a definition the processor applies in input order. Producer thread only.</summary>
    /// <returns>Its inbound sequence.</returns>
    public long PublishDefinition(PipelineDefinition definition, long tag = 0) => _rings.PublishDefinition(definition, tag);

    /// <summary>
    /// Waits until every input published so far is processed and every output consumed.
    /// Call from the producer thread (or once the producer has stopped publishing).
    /// </summary>
    /// <returns><c>false</c> if that did not happen within <paramref name="timeout"/> (e.g. the pipeline is stopped).</returns>
    public bool Drain(TimeSpan timeout) => _rings.Drain(timeout);

    /// <summary>Drains, then halts the processor and the consumer and joins their threads. Controlling thread.</summary>
    /// <returns><c>true</c> if everything published was processed and consumed and both threads ended within <paramref name="timeout"/>.</returns>
    public bool Stop(TimeSpan timeout)
    {
        if (!_rings.IsStarted || _consumerThread is null)
        {
            return true;
        }

        bool drained = Drain(timeout);
        bool processorStopped = _rings.StopProcessor(timeout);
        bool consumerStopped = _consumerThread.Stop(timeout);
        _consumerThread = null;
        return drained && processorStopped && consumerStopped;
    }

    /// <summary>Stops the pipeline (10 s timeout).</summary>
    public void Dispose() => Stop(TimeSpan.FromSeconds(10));
}
