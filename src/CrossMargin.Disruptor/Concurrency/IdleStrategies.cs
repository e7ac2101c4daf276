namespace CrossMargin.Concurrency;

/// <summary>
/// What a duty-cycle thread does after an iteration, given how much work it did. Implement on a
/// struct: <see cref="AgentRunner{TIdle}"/> is specialised for it, so the call inlines.
/// Distinct from the Disruptor's wait strategies, which wait for a sequence inside a barrier.
/// </summary>
public interface IIdleStrategy
{
    /// <summary>Idles if <paramref name="workCount"/> is 0, otherwise resets any back-off.</summary>
    void Idle(int workCount);
}

/// <summary>Never gives up the core: lowest latency, burns it.</summary>
public struct BusySpinIdleStrategy : IIdleStrategy
{
    /// <inheritdoc/>
    public readonly void Idle(int workCount)
    {
        if (workCount == 0) Thread.SpinWait(1);
    }
}

/// <summary>Yields the thread when idle (shares the core with other runnable threads).</summary>
public struct YieldingIdleStrategy : IIdleStrategy
{
    /// <inheritdoc/>
    public readonly void Idle(int workCount)
    {
        if (workCount == 0) Thread.Yield();
    }
}

/// <summary>Sleeps a fixed time when idle.</summary>
public struct SleepingIdleStrategy : IIdleStrategy
{
    private readonly int _sleepMilliseconds;

    /// <summary>Sleeps <paramref name="sleepMilliseconds"/> (at least 1) when idle.</summary>
    public SleepingIdleStrategy(int sleepMilliseconds) => _sleepMilliseconds = Math.Max(1, sleepMilliseconds);

    /// <inheritdoc/>
    public readonly void Idle(int workCount)
    {
        if (workCount == 0) Thread.Sleep(Math.Max(1, _sleepMilliseconds));
    }
}

/// <summary>Spins, then yields, then sleeps while idle; any work resets it (Agrona's BackoffIdleStrategy shape).</summary>
public struct BackoffIdleStrategy : IIdleStrategy
{
    private readonly int _maxSpins, _maxYields, _maxSleepMilliseconds;
    private int _idleCount;

    /// <summary>100 spins, 100 yields, then 1 ms sleeps.</summary>
    public BackoffIdleStrategy() : this(100, 100, 1)
    {
    }

    /// <summary>A back-off with the given phases.</summary>
    public BackoffIdleStrategy(int maxSpins, int maxYields, int maxSleepMilliseconds)
    {
        _maxSpins = maxSpins;
        _maxYields = maxYields;
        _maxSleepMilliseconds = Math.Max(1, maxSleepMilliseconds);
        _idleCount = 0;
    }

    /// <inheritdoc/>
    public void Idle(int workCount)
    {
        if (workCount > 0)
        {
            _idleCount = 0;
            return;
        }

        int n = _idleCount++;
        if (n < _maxSpins) Thread.SpinWait(1);
        else if (n < _maxSpins + _maxYields) Thread.Yield();
        else Thread.Sleep(_maxSleepMilliseconds);
    }
}
