using CrossMargin.Disruptor.Sequencing;

namespace CrossMargin.Disruptor.Processing;

/// <summary>A consumer loop that runs on a thread the caller provides.</summary>
/// <remarks>
/// <see cref="Run"/> is called by the one thread that becomes the consumer; <see cref="Halt"/>
/// and the counters may be used from any thread.
/// </remarks>
public interface IEventProcessor
{
    /// <summary>Progress: the highest sequence fully processed. Gate the producer with it.</summary>
    Sequence Sequence { get; }

    /// <summary>Whether <see cref="Run"/> is executing (acquire read).</summary>
    bool IsRunning { get; }

    /// <summary>Processes events until <see cref="Halt"/>; resumes after <see cref="Sequence"/>
    /// when called again after a halt.</summary>
    void Run();

    /// <summary>Asks <see cref="Run"/> to return after the current batch.</summary>
    void Halt();
}
