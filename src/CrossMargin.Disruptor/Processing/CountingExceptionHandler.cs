namespace CrossMargin.Disruptor.Processing;

/// <summary>
/// Default exception policy: counts failures, keeps the last failing sequence and exception, and
/// forwards each failure to an optional reporter (a log, an error counter).
/// </summary>
/// <typeparam name="T">The event struct.</typeparam>
/// <remarks>Written by the processor thread; <see cref="EventFailures"/>,
/// <see cref="LastFailedSequence"/> and <see cref="LastException"/> may be read from any thread
/// (acquire reads; the exception is published before the count).</remarks>
public sealed class CountingExceptionHandler<T> : IExceptionHandler<T>
    where T : struct
{
    private readonly Action<long, Exception>? _report;
    private long _eventFailures;
    private long _lifecycleFailures;
    private long _lastFailedSequence = -1;
    private Exception? _lastException;

    /// <summary>Creates the policy.</summary>
    /// <param name="report">Called on the processor thread with (sequence, exception) for each
    /// failing event; -1 as sequence for a start/shutdown failure.</param>
    public CountingExceptionHandler(Action<long, Exception>? report = null) => _report = report;

    /// <summary>Events whose handler threw.</summary>
    public long EventFailures => Volatile.Read(ref _eventFailures);

    /// <summary>OnStart / OnShutdown failures.</summary>
    public long LifecycleFailures => Volatile.Read(ref _lifecycleFailures);

    /// <summary>Sequence of the last failing event, -1 if none.</summary>
    public long LastFailedSequence => Volatile.Read(ref _lastFailedSequence);

    /// <summary>The last exception seen, if any.</summary>
    public Exception? LastException => Volatile.Read(ref _lastException);

    /// <inheritdoc />
    public void HandleEventException(Exception exception, long sequence, ref T data)
    {
        Volatile.Write(ref _lastException, exception);
        Volatile.Write(ref _lastFailedSequence, sequence);
        Volatile.Write(ref _eventFailures, _eventFailures + 1);
        _report?.Invoke(sequence, exception);
    }

    /// <inheritdoc />
    public void HandleOnStartException(Exception exception) => Lifecycle(exception);

    /// <inheritdoc />
    public void HandleOnShutdownException(Exception exception) => Lifecycle(exception);

    private void Lifecycle(Exception exception)
    {
        Volatile.Write(ref _lastException, exception);
        Volatile.Write(ref _lifecycleFailures, _lifecycleFailures + 1);
        _report?.Invoke(-1, exception);
    }
}
