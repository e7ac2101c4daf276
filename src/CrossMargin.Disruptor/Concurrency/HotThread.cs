namespace CrossMargin.Concurrency;

/// <summary>
/// The one place a hot (dedicated, long-running) thread is started, named, joined and has its fault
/// recorded. Both runners build on it: <see cref="AgentRunner{TIdle}"/> (a duty cycle with an idle
/// strategy) and the Disruptor's <c>ProcessorThread</c> (an event processor waiting on its barrier).
/// </summary>
/// <remarks>The body runs once; an exception that escapes it ends the thread and is kept in
/// <see cref="Fault"/> instead of taking the process down, so the owner reports it as a value.
/// CPU pinning stays with the body (it must run on the thread itself; see the gate's CpuAffinity).</remarks>
public sealed class HotThread
{
    private readonly Action _body;
    private readonly Thread _thread;
    private Exception? _fault;

    private HotThread(string name, Action body, bool isBackground)
    {
        _body = body;
        _thread = new Thread(Run) { Name = name, IsBackground = isBackground };
    }

    /// <summary>Starts <paramref name="body"/> on a new thread named <paramref name="name"/>.</summary>
    /// <param name="name">Thread name (shows in dumps and profilers).</param>
    /// <param name="body">The thread's whole work; returns when the owner has asked it to stop.</param>
    /// <param name="isBackground"><c>true</c> so the thread does not keep the process alive.</param>
    public static HotThread Start(string name, Action body, bool isBackground = true)
    {
        ArgumentNullException.ThrowIfNull(body);
        var hot = new HotThread(name, body, isBackground);
        hot._thread.Start();
        return hot;
    }

    /// <summary>The dedicated thread.</summary>
    public Thread Thread => _thread;

    /// <summary><c>true</c> while the body has not returned.</summary>
    public bool IsAlive => _thread.IsAlive;

    /// <summary><c>true</c> when called on the hot thread itself (joining it from there would deadlock).</summary>
    public bool IsCurrent => Thread.CurrentThread == _thread;

    /// <summary>The exception that ended the body, if any.</summary>
    public Exception? Fault => Volatile.Read(ref _fault);

    /// <summary>Joins the thread unless called from it; <c>true</c> if it ended within <paramref name="timeout"/>.</summary>
    public bool Join(TimeSpan timeout) => IsCurrent || _thread.Join(timeout);

    /// <summary>Joins the thread unless called from it.</summary>
    public void Join()
    {
        if (!IsCurrent) _thread.Join();
    }

    private void Run()
    {
        try
        {
            _body();
        }
        catch (Exception ex)
        {
            Volatile.Write(ref _fault, ex);
        }
    }
}
