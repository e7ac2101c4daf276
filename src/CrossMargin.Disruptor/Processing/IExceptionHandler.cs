namespace CrossMargin.Disruptor.Processing;

/// <summary>
/// Policy for exceptions thrown by an event handler. The processor has already counted the
/// failure; the handler reports it. After it returns the processor continues with the next event.
/// </summary>
/// <typeparam name="T">The event struct.</typeparam>
/// <remarks>
/// Called on the processor thread (cold path: allocation is acceptable here). An implementation
/// that throws ends <c>Run</c> with that exception.
/// </remarks>
public interface IExceptionHandler<T>
    where T : struct
{
    /// <summary>An <c>OnEvent</c> call failed for <paramref name="sequence"/>.</summary>
    void HandleEventException(Exception exception, long sequence, ref T data);

    /// <summary><c>OnStart</c> failed; the processor still runs.</summary>
    void HandleOnStartException(Exception exception);

    /// <summary><c>OnShutdown</c> failed; the processor still stops.</summary>
    void HandleOnShutdownException(Exception exception);
}
