using CrossMargin.Core.Engine;
using CrossMargin.Gate.Journal;
using CrossMargin.Gate.Pipeline;

namespace CrossMargin.Gate.Tests.JournalTests;

/// <summary>The journaler's hot path — append and commit, through the ring handler — allocates nothing.</summary>
public class JournalAllocationTests
{
    [Theory]
    [InlineData("none", 20_000)]
    [InlineData("batch", 2_000)]
    [InlineData("interval:2", 20_000)]
    public void Append_and_commit_allocate_nothing_after_warm_up(string policyText, int inputs)
    {
        Assert.True(DurabilityPolicy.TryParse(policyText, out var policy, out _));
        string dir = JournalKit.NewDirectory();
        try
        {
            var config = GateHostTests.LoopbackConfig();
            using var writer = JournalWriter.Open(dir, JournalKit.Options(config, durability: policy), out _);
            var handler = new JournalHandler(writer);
            var slot = new InboundEvent
            {
                Input = new RiskInput { Kind = InputKind.Deposit, Account = 3, Asset = 0, Amount = 5_000_000 },
            };
            void Feed(int from, int to)
            {
                for (int i = from; i < to; i++)
                {
                    slot.Tag = i + 1;
                    slot.Input.Amount = 1_000_000 + i;
                    handler.OnEvent(ref slot, i, endOfBatch: i % 10 == 9);
                }
            }
            Feed(0, 1_000);
            int fed = 1_000;
            long allocated = CrossMargin.Tests.Shared.Allocations.LeastOf(3, () =>
            {
                Feed(fed, fed + inputs);
                fed += inputs;
            });
            Assert.Equal(0, allocated);
            Assert.Equal(fed, writer.OsSequence);
            Assert.Equal(0, writer.SegmentIndex); // no roll in the measured part (a roll opens a file: it allocates, once per segment)
        }
        finally { JournalKit.Delete(dir); }
    }
}
