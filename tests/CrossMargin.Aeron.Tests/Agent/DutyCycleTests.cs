using CrossMargin.Concurrency;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Client;
using CrossMargin.Aeron.Tests.Infrastructure;

namespace CrossMargin.Aeron.Tests.Agent;

public class DutyCycleTests
{
    [Fact]
    public void One_agent_thread_drives_receive_send_and_the_application()
    {
        using var driver = new EmbeddedDriver();
        Client.Subscription sub = driver.AddSubscription("aeron:udp?endpoint=127.0.0.1:0", 5);
        ExclusivePublication pub = driver.AddPublication($"aeron:udp?endpoint=127.0.0.1:{sub.LocalEndPoint.Port}|term-length=64k", 5);
        const int count = 10_000;
        int offered = 0;
        long received = 0;
        int threadsSeen = 0;
        int agentThread = -1;
        byte[] message = new byte[100];

        // The application's share of the duty cycle: offer the next message, poll what arrived.
        var app = new DelegateAgent("app", () =>
        {
            int me = Environment.CurrentManagedThreadId;
            if (agentThread != me) { agentThread = me; threadsSeen++; }
            int work = 0;
            if (offered < count && pub.Offer(message) > 0) { offered++; work++; }
            work += sub.Poll((b, in h) => Interlocked.Increment(ref received), 64);
            return work;
        });
        using (var runner = AgentRunner.Start(new CompositeAgent("gate", driver, app), new BackoffIdleStrategy()))
        {
            Pump.Until(() => Interlocked.Read(ref received) == count || runner.Fault is not null, () => Thread.Sleep(1), 20_000, "messages through the agent");
            Assert.Null(runner.Fault);
        }
        Assert.Equal(count, received);
        Assert.Equal(1, threadsSeen);
        Assert.NotEqual(Environment.CurrentManagedThreadId, agentThread);
    }

    [Fact]
    public void Idle_strategies_back_off_only_when_there_was_no_work()
    {
        var backoff = new BackoffIdleStrategy(maxSpins: 1, maxYields: 1, maxSleepMilliseconds: 200);
        backoff.Idle(0);
        backoff.Idle(0);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        backoff.Idle(0); // third idle in a row: sleeps
        Assert.True(sw.ElapsedMilliseconds >= 150);
        backoff.Idle(1); // work resets
        sw.Restart();
        backoff.Idle(0);
        Assert.True(sw.ElapsedMilliseconds < 150);
    }
}
