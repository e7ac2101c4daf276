using CrossMargin.Gate.Host;

namespace CrossMargin.Gate.Tests;

public class CpuAffinityTests
{
    [Fact]
    public void A_thread_pins_itself_to_the_configured_cpu()
    {
        if (!OperatingSystem.IsLinux()) return; // the gate's deployment target; elsewhere pinning reports false
        string? allowed = null;
        bool pinned = false;
        var t = new Thread(() =>
        {
            pinned = CpuAffinity.PinCurrentThread(0);
            allowed = File.ReadAllLines("/proc/thread-self/status").Single(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal));
        });
        t.Start();
        Assert.True(t.Join(TimeSpan.FromSeconds(10)));
        Assert.True(pinned);
        Assert.Equal("Cpus_allowed_list:\t0", allowed);
    }

    [Fact]
    public void Minus_one_leaves_the_thread_to_the_os() => Assert.True(CpuAffinity.PinCurrentThread(-1));
}
