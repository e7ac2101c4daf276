using CrossMargin.Concurrency;
using FsCheck;
using FsCheck.Xunit;

namespace CrossMargin.Disruptor.Tests;

public sealed class OrderedCounterTests
{
    private sealed class Holder { public OrderedCounter Counter; }

    [Fact]
    public void A_reader_on_another_thread_sees_the_writers_increments_in_order_and_the_final_value()
    {
        var holder = new Holder();
        const int count = 2_000_000;
        long violations = 0, last = 0;
        var reader = new Thread(() =>
        {
            while (last < count)
            {
                long v = holder.Counter.Value;
                if (v < last) violations++;
                last = v;
            }
        });
        reader.Start();
        for (int i = 0; i < count; i++) holder.Counter.Increment();
        Assert.True(reader.Join(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, violations);
        Assert.Equal(count, holder.Counter.Value);
    }

    [Property(MaxTest = 200)]
    public void Adds_sets_and_formatting_read_like_the_long_they_count(long[] deltas, long reset)
    {
        var counter = default(OrderedCounter);
        long expected = 0;
        foreach (long d in deltas)
        {
            counter.Add(d);
            expected += d;
        }
        Assert.Equal(expected, counter.Value);
        long asLong = counter;
        Assert.Equal(expected, asLong);
        Assert.Equal(expected.ToString("N0"), $"{counter:N0}");
        counter.Set(reset);
        Assert.Equal(reset.ToString(System.Globalization.CultureInfo.InvariantCulture), counter.ToString());
    }
}
