namespace CrossMargin.Disruptor.Processing;

/// <summary>
/// Runs one <see cref="IEventProcessor"/> on a dedicated, named thread and stops it again.
/// No DSL: wiring (gating sequences, barriers) stays explicit at the call site.
/// </summary>
/// <remarks>Start and stop from a controlling thread; a stopped processor can be started again
/// on a new <see cref="ProcessorThread"/> and resumes after its last processed sequence.</remarks>
public sealed class ProcessorThread
{
    private readonly IEventProcessor _processor;
    private readonly Thread _thread;
    private Exception? _fault;

    private ProcessorThread(IEventProcessor processor, string name, bool isBackground)
    {
        _processor = processor;
        _thread = new Thread(RunProcessor) { Name = name, IsBackground = isBackground };
    }

    /// <summary>Starts <paramref name="processor"/>.<see cref="IEventProcessor.Run"/> on a new thread.</summary>
    /// <param name="processor">The processor; must not already be running.</param>
    /// <param name="name">Thread name (shows in dumps and profilers).</param>
    /// <param name="isBackground"><c>true</c> so the thread does not keep the process alive.</param>
    public static ProcessorThread Start(IEventProcessor processor, string name, bool isBackground = true)
    {
        ArgumentNullException.ThrowIfNull(processor);
        var runner = new ProcessorThread(processor, name, isBackground);
        runner._thread.Start();
        return runner;
    }

    /// <summary>The dedicated thread.</summary>
    public Thread Thread => _thread;

    /// <summary>The processor being run.</summary>
    public IEventProcessor Processor => _processor;

    /// <summary>The exception that ended <c>Run</c>, if any (visible after <see cref="Stop"/> returns <c>true</c>).</summary>
    public Exception? Fault => Volatile.Read(ref _fault);

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

    private void RunProcessor()
    {
        try
        {
            _processor.Run();
        }
        catch (Exception ex)
        {
            Volatile.Write(ref _fault, ex);
        }
    }
}
