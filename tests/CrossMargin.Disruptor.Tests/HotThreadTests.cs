using CrossMargin.Concurrency;

namespace CrossMargin.Disruptor.Tests;

/// <summary>The one hot-thread starter shared by <see cref="AgentRunner{TIdle}"/> and ProcessorThread.</summary>
public class HotThreadTests
{
    [Fact]
    public void Runs_the_body_on_a_named_thread_and_keeps_its_fault()
    {
        string? seenName = null;
        bool background = false;
        var boom = new InvalidOperationException("boom");
        var hot = HotThread.Start("hot-test", () =>
        {
            seenName = Thread.CurrentThread.Name;
            background = Thread.CurrentThread.IsBackground;
            throw boom;
        });

        Assert.True(hot.Join(TimeSpan.FromSeconds(10)));
        Assert.Equal("hot-test", seenName);
        Assert.Same(boom, hot.Fault);
        Assert.False(hot.IsAlive);
        Assert.True(background);
    }

    [Fact]
    public void A_body_that_returns_leaves_no_fault()
    {
        bool background = true;
        var hot = HotThread.Start("hot-ok", () => background = Thread.CurrentThread.IsBackground, isBackground: false);
        Assert.True(hot.Join(TimeSpan.FromSeconds(10)));
        Assert.Null(hot.Fault);
        Assert.False(background);
    }

    private sealed class ThrowingAgent : IAgent
    {
        public string RoleName => "throwing-agent";
        public int DoWork() => throw new InvalidOperationException("agent failed");
    }

    [Fact]
    public void Agent_runner_reports_the_fault_through_its_hot_thread()
    {
        var runner = AgentRunner.Start(new ThrowingAgent(), new BusySpinIdleStrategy());
        long deadline = Environment.TickCount64 + 10_000;
        while (runner.Fault is null && Environment.TickCount64 < deadline) Thread.Sleep(1);
        runner.Dispose();
        Assert.Equal("agent failed", runner.Fault?.Message);
    }
}
