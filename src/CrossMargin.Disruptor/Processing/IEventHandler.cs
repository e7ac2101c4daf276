namespace CrossMargin.Disruptor.Processing;

/// <summary>
/// Consumer callback of a <see cref="BatchEventProcessor{T, THandler, TWait}"/>. Implement it on a
/// struct: the processor is specialised for it, so <see cref="OnEvent"/> is a direct, inlinable call.
/// </summary>
/// <typeparam name="T">The event struct.</typeparam>
/// <remarks>
/// All members are called on the processor's thread only. Implement every member (default
/// interface members would box the struct). The handler struct lives inside the processor;
/// state shared with other threads must go through a reference the struct holds.
/// </remarks>
public interface IEventHandler<T>
    where T : struct
{
    /// <summary>Handles one event in place.</summary>
    /// <param name="data">The slot; valid only during the call.</param>
    /// <param name="sequence">The event's sequence.</param>
    /// <param name="endOfBatch"><c>true</c> for the last event currently available: the moment to
    /// flush whatever was batched (publish downstream, write the journal).</param>
    void OnEvent(ref T data, long sequence, bool endOfBatch);

    /// <summary>Called before the first event of each batch with the batch's size.</summary>
    void OnBatchStart(long batchSize);

    /// <summary>Called on the processor thread when <c>Run</c> starts.</summary>
    void OnStart();

    /// <summary>Called on the processor thread just before <c>Run</c> returns.</summary>
    void OnShutdown();
}

/// <summary>
/// Callback of <see cref="EventPoller{T}.Poll{THandler}(ref THandler)"/>; implement on a struct.
/// </summary>
/// <typeparam name="T">The event struct.</typeparam>
public interface IEventPollHandler<T>
    where T : struct
{
    /// <summary>Handles one event in place.</summary>
    /// <returns><c>true</c> to continue with the next available event in this poll,
    /// <c>false</c> to stop after this one.</returns>
    bool OnEvent(ref T data, long sequence, bool endOfBatch);
}

/// <summary>
/// Callback of <see cref="EventPoller{T}.PollUntilHeld{THandler}(ref THandler)"/>; implement on a struct.
/// Unlike <see cref="IEventPollHandler{T}"/>, the handler may refuse an event (e.g. its destination is
/// back-pressured): the event then stays unconsumed, so its slot stays valid and is offered again.
/// </summary>
/// <typeparam name="T">The event struct.</typeparam>
public interface IEventHoldHandler<T>
    where T : struct
{
    /// <summary>Handles one event in place.</summary>
    /// <returns><c>true</c> when the event is done with; <c>false</c> to hold it (not consumed) and stop polling.</returns>
    bool TryHandle(ref T data, long sequence);
}
