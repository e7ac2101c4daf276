namespace CrossMargin.Concurrency;

/// <summary>A unit of work driven by a duty cycle; <see cref="DoWork"/> returns how much work it did (0 = idle).</summary>
public interface IAgent
{
    /// <summary>Name used for the thread and diagnostics.</summary>
    string RoleName { get; }

    /// <summary>Does one bounded slice of work and never blocks.</summary>
    int DoWork();
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
        foreach (var agent in _agents) work += agent.DoWork();
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

/// <summary>
/// Drives an <see cref="IAgent"/> on a dedicated thread until disposed: the one duty-cycle runner of
/// the code base (the gate's network thread, the samples, tests). Start one with <see cref="Start{TIdle}"/>.
/// The thread itself (start, name, join, fault) is a <see cref="HotThread"/>, shared with the Disruptor's
/// <c>ProcessorThread</c>.
/// </summary>
public abstract class AgentRunner : IDisposable
{
    /// <summary>Starts a thread that loops <c>idle.Idle(agent.DoWork())</c>, specialised for the idle strategy.</summary>
    public static AgentRunner<TIdle> Start<TIdle>(IAgent agent, TIdle idle) where TIdle : struct, IIdleStrategy => new(agent, idle);

    /// <summary>Exception that stopped the agent, if any.</summary>
    public abstract Exception? Fault { get; }

    /// <summary>Stops the loop and joins the thread.</summary>
    public abstract void Dispose();
}

/// <summary>An <see cref="AgentRunner"/> whose loop is specialised for a struct idle strategy.</summary>
/// <typeparam name="TIdle">The idle strategy (a struct: its call inlines).</typeparam>
public sealed class AgentRunner<TIdle> : AgentRunner where TIdle : struct, IIdleStrategy
{
    private readonly IAgent _agent;
    private readonly HotThread _thread;
    private TIdle _idle;
    private volatile bool _running = true;

    internal AgentRunner(IAgent agent, TIdle idle)
    {
        ArgumentNullException.ThrowIfNull(agent);
        _agent = agent;
        _idle = idle;
        _thread = HotThread.Start(agent.RoleName, Run);
    }

    /// <inheritdoc/>
    public override Exception? Fault => _thread.Fault;

    private void Run()
    {
        while (_running)
        {
            _idle.Idle(_agent.DoWork());
        }
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _running = false;
        _thread.Join();
    }
}
