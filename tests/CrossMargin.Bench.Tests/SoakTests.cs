using CrossMargin.Bench.Risk;
using Xunit.Abstractions;

namespace CrossMargin.Bench.Tests;

/// <summary>The soak counts GCs of the whole process, so nothing else in this assembly may run beside it.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoakCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "soak (alone in the process)";
}

/// <summary>
/// Issue 9, item 5: the gate under load with the journal on keeps memory flat, runs no GC, and
/// receives, journals and processes every input sent (read back from disk, replayed to the live hash).
/// </summary>
[Collection(SoakCollection.Name)]
public class SoakTests(ITestOutputHelper output)
{
    private void RunAndCheck(double seconds, double rate, double warmup, double sample)
    {
        string journal = Path.Combine(Path.GetTempPath(), $"cm-soak-{Guid.NewGuid():N}");
        var r = Soak.Run(new SoakSettings(seconds, rate, CrossMargin.Tests.Shared.LoopbackPorts.Free(3), journal, warmup, sample), output.WriteLine);
        output.WriteLine($"sent {r.Sent:N0}, received {r.Received:N0}, journaled {r.Journaled:N0}, processed {r.Processed:N0}; achieved {r.AchievedRate:N0}/s; " +
                         $"GCs {r.GcCollectionsMeasured}, allocated {r.AllocatedBytesMeasured:N0} B, heap growth {r.HeapGrowthBytes:N0} B, working-set growth {r.WorkingSetGrowthBytes:N0} B");
        Assert.Empty(r.Failures);
        Assert.True(r.Sent > rate * seconds, $"only {r.Sent} sent"); // the load really ran
        Assert.Equal(r.Sent, r.Journaled);
        Assert.True(r.ReplayHashEqual);
        Assert.Equal(0, r.GcCollectionsMeasured);
    }

    /// <summary>A short soak in the default run: the checks themselves stay exercised.</summary>
    [Fact]
    public void A_short_soak_loses_nothing_and_runs_no_gc() => RunAndCheck(seconds: 4, rate: 20_000, warmup: 3, sample: 2);

    /// <summary>The soak: 10 minutes at 100k inputs/s (about 60 M inputs, a 6 GB journal on disk while it runs).</summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void Ten_minutes_at_100k_per_s_keeps_memory_flat_runs_no_gc_and_loses_nothing() => RunAndCheck(seconds: 600, rate: 100_000, warmup: 20, sample: 30);
}
