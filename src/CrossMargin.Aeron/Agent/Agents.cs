using System.Diagnostics;

namespace CrossMargin.Aeron.Agent;

/// <summary>A unit of work driven by a duty cycle; <see cref="DoWork"/> returns how much work it did (0 = idle).</summary>
public interface IAgent
{
    /// <summary>Name used for the thread and diagnostics.</summary>
    string RoleName { get; }

    /// <summary>Does one bounded slice of work and never blocks.</summary>
    int DoWork();
}

/// <summary>What a duty-cycle thread does between iterations depending on how much work was done.</summary>
public interface IIdleStrategy
{
    /// <summary>Idles if <paramref name="workCount"/> is 0, otherwise resets any back-off.</summary>
    void Idle(int workCount);
}

/// <summary>Never idles: lowest latency, burns a core.</summary>
public sealed class BusySpinIdleStrategy : IIdleStrategy
{
    /// <inheritdoc/>
    public void Idle(int workCount)
    {
        if (workCount == 0) Thread.SpinWait(1);
    }
}

/// <summary>Yields the thread when idle.</summary>
public sealed class YieldingIdleStrategy : IIdleStrategy
{
    /// <inheritdoc/>
    public void Idle(int workCount)
    {
        if (workCount == 0) Thread.Yield();
    }
}

/// <summary>Sleeps a fixed time when idle.</summary>
public sealed class SleepingIdleStrategy(int sleepMilliseconds = 1) : IIdleStrategy
{
    /// <inheritdoc/>
    public void Idle(int workCount)
    {
        if (workCount == 0) Thread.Sleep(sleepMilliseconds);
    }
}

/// <summary>Spins, then yields, then sleeps with growing pauses while idle (Agrona's BackoffIdleStrategy shape).</summary>
public sealed class BackoffIdleStrategy(int maxSpins = 100, int maxYields = 100, int maxSleepMilliseconds = 1) : IIdleStrategy
{
    private int _idleCount;

    /// <inheritdoc/>
    public void Idle(int workCount)
    {
        if (workCount > 0)
        {
            _idleCount = 0;
            return;
        }

        int n = _idleCount++;
        if (n < maxSpins) Thread.SpinWait(1);
        else if (n < maxSpins + maxYields) Thread.Yield();
        else Thread.Sleep(maxSleepMilliseconds);
    }
}

/// <summary>Runs several agents as one, in order, on one thread.</summary>
public sealed class CompositeAgent(string roleName, params IAgent[] agents) : IAgent
{
    private readonly IAgent[] _agents = agents;

    /// <inheritdoc/>
    public string RoleName { get; } = roleName;

    /// <inheritdoc/>
    public int DoWork()
    {
        int work = 0;
        foreach (var agent in _agents)
        {
            work += agent.DoWork();
        }
        return work;
    }
}

/// <summary>Adapts a work function (e.g. "poll the subscription into the ring") to <see cref="IAgent"/>.</summary>
public sealed class DelegateAgent(string roleName, Func<int> work) : IAgent
{
    /// <inheritdoc/>
    public string RoleName { get; } = roleName;

    /// <inheritdoc/>
    public int DoWork() => work();
}

/// <summary>Drives an <see cref="IAgent"/> on a dedicated thread until disposed.</summary>
public sealed class AgentRunner : IDisposable
{
    private readonly IAgent _agent;
    private readonly IIdleStrategy _idle;
    private readonly Thread _thread;
    private volatile bool _running = true;

    /// <summary>Starts a thread that loops <c>idle.Idle(agent.DoWork())</c>.</summary>
    public AgentRunner(IAgent agent, IIdleStrategy idle)
    {
        _agent = agent;
        _idle = idle;
        _thread = new Thread(Run) { IsBackground = true, Name = agent.RoleName };
        _thread.Start();
    }

    /// <summary>Exception that stopped the agent, if any.</summary>
    public Exception? Fault { get; private set; }

    private void Run()
    {
        try
        {
            while (_running)
            {
                _idle.Idle(_agent.DoWork());
            }
        }
        catch (Exception ex)
        {
            Fault = ex;
        }
    }

    /// <summary>Stops the loop and joins the thread.</summary>
    public void Dispose()
    {
        _running = false;
        if (Thread.CurrentThread != _thread) _thread.Join();
    }
}

/// <summary>Monotonic nanosecond clock.</summary>
public static class NanoClock
{
    private static readonly double TicksToNanos = 1_000_000_000.0 / Stopwatch.Frequency;
    private static readonly bool IsNanosecondTimestamp = Stopwatch.Frequency == 1_000_000_000;

    /// <summary>Current time in ns from an arbitrary origin.</summary>
    public static long NanoTime()
    {
        long ticks = Stopwatch.GetTimestamp();
        return IsNanosecondTimestamp ? ticks : (long)(ticks * TicksToNanos);
    }
}
