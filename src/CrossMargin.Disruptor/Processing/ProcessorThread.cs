using CrossMargin.Concurrency;

namespace CrossMargin.Disruptor.Processing;

/// <summary>
/// Runs one <see cref="IEventProcessor"/> on a dedicated, named thread and stops it again.
/// No DSL: wiring (gating sequences, barriers) stays explicit at the call site.
/// </summary>
/// <remarks>
/// <para>A thin use of the shared <see cref="HotThread"/> (the one place hot threads are started,
/// named, joined and their faults kept), like <see cref="AgentRunner{TIdle}"/>. The difference is only
/// what the thread runs: a duty-cycle agent waits with an <see cref="IIdleStrategy"/> after a cycle
/// that found no work; an event processor instead blocks inside its sequence barrier with an
/// <c>IWaitStrategy</c> until the sequence it needs is published. Wait strategies are the Disruptor's
/// barrier waiting (they wait <i>for a sequence</i> and can be signalled), idle strategies back off an
/// agent's poll loop; the two are deliberately separate concepts.</para>
/// <para>Start and stop from a controlling thread; a stopped processor can be started again
/// on a new <see cref="ProcessorThread"/> and resumes after its last processed sequence.</para>
/// </remarks>
public sealed class ProcessorThread
{
    private readonly IEventProcessor _processor;
    private readonly HotThread _thread;

    private ProcessorThread(IEventProcessor processor, string name, bool isBackground)
    {
        _processor = processor;
        _thread = HotThread.Start(name, processor.Run, isBackground);
    }

    /// <summary>Starts <paramref name="processor"/>.<see cref="IEventProcessor.Run"/> on a new thread.</summary>
    /// <param name="processor">The processor; must not already be running.</param>
    /// <param name="name">Thread name (shows in dumps and profilers).</param>
    /// <param name="isBackground"><c>true</c> so the thread does not keep the process alive.</param>
    public static ProcessorThread Start(IEventProcessor processor, string name, bool isBackground = true)
    {
        ArgumentNullException.ThrowIfNull(processor);
        return new ProcessorThread(processor, name, isBackground);
    }

    /// <summary>The dedicated thread.</summary>
    public Thread Thread => _thread.Thread;

    /// <summary>The processor being run.</summary>
    public IEventProcessor Processor => _processor;

    /// <summary>The exception that ended <c>Run</c>, if any (visible after <see cref="Stop"/> returns <c>true</c>).</summary>
    public Exception? Fault => _thread.Fault;

    /// <summary>Waits until the processor reports running, or <paramref name="timeout"/> passes.</summary>
    /// <returns><c>true</c> if it is running.</returns>
    public bool WaitUntilRunning(TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        SpinWait spin = default;
        while (!_processor.IsRunning)
        {
            if (!_thread.IsAlive || Environment.TickCount64 > deadline)
            {
                return _processor.IsRunning;
            }

            spin.SpinOnce();
        }

        return true;
    }

    /// <summary>Halts the processor and joins its thread.</summary>
    /// <returns><c>true</c> if the thread ended within <paramref name="timeout"/>.</returns>
    public bool Stop(TimeSpan timeout)
    {
        _processor.Halt();
        return _thread.Join(timeout);
    }
}
