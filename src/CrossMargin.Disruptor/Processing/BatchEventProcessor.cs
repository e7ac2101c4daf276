using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CrossMargin.Disruptor.Sequencing;
using CrossMargin.Disruptor.WaitStrategies;

namespace CrossMargin.Disruptor.Processing;

/// <summary>
/// The consumer loop: waits on a barrier, hands every available event to a struct handler in
/// one batch, then advances its <see cref="Sequence"/> once per batch.
/// </summary>
/// <typeparam name="T">The event struct.</typeparam>
/// <typeparam name="THandler">The handler struct; the loop is specialised for it so the call is
/// devirtualised and inlined.</typeparam>
/// <typeparam name="TWait">The wait strategy struct of the barrier.</typeparam>
/// <remarks>
/// <para>Threading: one thread calls <see cref="Run"/>; <see cref="Halt"/> and the counters are for
/// any thread. The processor's <see cref="Sequence"/> is advanced with a release store after each
/// batch, so a producer gating on it (acquire read) sees the slots as free only once the handler is
/// done with them.</para>
/// <para>A handler exception is counted, passed to the <see cref="IExceptionHandler{T}"/> with its
/// sequence, and the loop continues with the next event: one bad event never stops the consumer.</para>
/// <para>Lifecycle: <see cref="Halt"/> raises the barrier's alert; <see cref="Run"/> returns after
/// the batch in progress. Calling <see cref="Run"/> again restarts after the last processed sequence.</para>
/// </remarks>
public sealed class BatchEventProcessor<T, THandler, TWait> : IEventProcessor
    where T : struct
    where THandler : struct, IEventHandler<T>
    where TWait : struct, IWaitStrategy
{
    private const int Idle = 0;
    private const int Halted = 1;
    private const int Running = 2;

    private readonly RingBuffer<T> _ring;
    private readonly SequenceBarrier<TWait> _barrier;
    private readonly IExceptionHandler<T> _exceptionHandler;
    private readonly Sequence _sequence = new();
    private THandler _handler;
    private int _state;
    private ProcessorCounters _counters;

    /// <summary>Creates a processor for <paramref name="ring"/> behind <paramref name="barrier"/>.</summary>
    /// <param name="ring">The events.</param>
    /// <param name="barrier">From <see cref="Sequencer.NewBarrier{TWait}"/>; used by this processor only.</param>
    /// <param name="handler">Copied into the processor (see <see cref="Handler"/>).</param>
    /// <param name="exceptionHandler">Policy for handler failures; a
    /// <see cref="CountingExceptionHandler{T}"/> when <c>null</c>.</param>
    public BatchEventProcessor(RingBuffer<T> ring, SequenceBarrier<TWait> barrier, THandler handler, IExceptionHandler<T>? exceptionHandler = null)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentNullException.ThrowIfNull(barrier);
        if (ring.BufferSize != barrier.Sequencer.BufferSize)
        {
            throw new ArgumentException("Ring and sequencer sizes differ.", nameof(barrier));
        }

        _ring = ring;
        _barrier = barrier;
        _handler = handler;
        _exceptionHandler = exceptionHandler ?? new CountingExceptionHandler<T>();
    }

    /// <inheritdoc />
    public Sequence Sequence => _sequence;

    /// <summary>The handler struct held by the processor. Touch it only while the processor is not running.</summary>
    public ref THandler Handler => ref _handler;

    /// <summary>The exception policy in use.</summary>
    public IExceptionHandler<T> ExceptionHandler => _exceptionHandler;

    /// <inheritdoc />
    public bool IsRunning => Volatile.Read(ref _state) == Running;

    /// <summary>Events handed to the handler (including failed ones). Acquire read; updated once per batch.</summary>
    public long EventsProcessed => Volatile.Read(ref _counters.Events);

    /// <summary>Batches processed. Acquire read.</summary>
    public long BatchesProcessed => Volatile.Read(ref _counters.Batches);

    /// <summary>Events whose handler threw. Acquire read.</summary>
    public long EventFailures => Volatile.Read(ref _counters.Failures);

    /// <inheritdoc />
    /// <remarks>Any thread. Release store of the state, then the barrier alert (which wakes a
    /// blocked consumer). Halting before <see cref="Run"/> starts makes that run exit at once.</remarks>
    public void Halt()
    {
        Volatile.Write(ref _state, Halted);
        _barrier.Alert();
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">Already running on another thread.</exception>
    public void Run()
    {
        // Clear a previous halt's alert *before* claiming the run: a Halt racing with this start
        // either lands after the claim (alert seen by the loop) or before it (the claim fails).
        _barrier.ClearAlert();
        int previous = Interlocked.CompareExchange(ref _state, Running, Idle);
        if (previous == Running)
        {
            throw new InvalidOperationException("Processor is already running.");
        }

        if (previous == Halted)
        {
            Volatile.Write(ref _state, Idle);
            return;
        }

        try
        {
            NotifyStart();
            ProcessEvents();
        }
        finally
        {
            NotifyShutdown();
            Volatile.Write(ref _state, Idle);
        }
    }

    private void ProcessEvents()
    {
        long next = _sequence.Value + 1;
        while (true)
        {
            long available = _barrier.WaitFor(next);
            if (available < next)
            {
                if (Volatile.Read(ref _state) != Running)
                {
                    return;
                }

                continue;
            }

            next = ProcessBatch(next, available);
        }
    }

    // Returns the next sequence to wait for. The try block spans the whole batch (zero cost when
    // nothing throws); on a failure the events already handled are committed, the failing one is
    // reported and skipped, and the rest of the batch is picked up by the next WaitFor at once.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long ProcessBatch(long next, long available)
    {
        long sequence = next;
        try
        {
            _handler.OnBatchStart(available - next + 1);
            for (; sequence <= available; sequence++)
            {
                _handler.OnEvent(ref _ring[sequence], sequence, sequence == available);
            }
        }
        catch (Exception ex)
        {
            // If OnBatchStart threw, sequence is still the batch's first event: it is the one reported.
            return OnEventFailure(ex, next, sequence);
        }

        Volatile.Write(ref _counters.Events, _counters.Events + (available - next + 1));
        Volatile.Write(ref _counters.Batches, _counters.Batches + 1);
        _sequence.SetRelease(available);
        return available + 1;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private long OnEventFailure(Exception ex, long batchStart, long failed)
    {
        Volatile.Write(ref _counters.Failures, _counters.Failures + 1);
        Volatile.Write(ref _counters.Events, _counters.Events + (failed - batchStart + 1));
        Volatile.Write(ref _counters.Batches, _counters.Batches + 1);
        _exceptionHandler.HandleEventException(ex, failed, ref _ring[failed]);
        _sequence.SetRelease(failed);
        return failed + 1;
    }

    private void NotifyStart()
    {
        try
        {
            _handler.OnStart();
        }
        catch (Exception ex)
        {
            _exceptionHandler.HandleOnStartException(ex);
        }
    }

    private void NotifyShutdown()
    {
        try
        {
            _handler.OnShutdown();
        }
        catch (Exception ex)
        {
            _exceptionHandler.HandleOnShutdownException(ex);
        }
    }
}

// Written by the processor thread only, read by monitors: padded away from the hot fields.
// Not nested in the generic processor: generic types cannot have explicit layout.
[StructLayout(LayoutKind.Explicit, Size = PaddingLayout.PaddedSize + 16)]
internal struct ProcessorCounters
{
    [FieldOffset(PaddingLayout.ValueOffset)]
    public long Events;

    [FieldOffset(PaddingLayout.ValueOffset + 8)]
    public long Batches;

    [FieldOffset(PaddingLayout.ValueOffset + 16)]
    public long Failures;
}

/// <summary>Factory that infers the generic arguments of <see cref="BatchEventProcessor{T, THandler, TWait}"/>.</summary>
public static class BatchEventProcessor
{
    /// <summary>Creates a processor; see <see cref="BatchEventProcessor{T, THandler, TWait}"/>.</summary>
    public static BatchEventProcessor<T, THandler, TWait> Create<T, THandler, TWait>(
        RingBuffer<T> ring, SequenceBarrier<TWait> barrier, THandler handler, IExceptionHandler<T>? exceptionHandler = null)
        where T : struct
        where THandler : struct, IEventHandler<T>
        where TWait : struct, IWaitStrategy
        => new(ring, barrier, handler, exceptionHandler);
}
