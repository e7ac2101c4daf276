using CrossMargin.Core.Engine;
using CrossMargin.Core.Kernels;

namespace CrossMargin.Core.Tests;

/// <summary>Determinism (design.md): the same inputs give the same state, bit for bit.</summary>
public class StateHashTests
{
    private static (ulong Hash, List<string> Trace) Run(int seed, KernelMode kernel, int steps = 600)
    {
        var book = new Book(accounts: 12, kernel: kernel);
        var flow = new RandomFlow(book, new Random(seed), accounts: 10);
        for (long a = 1; a <= 10; a++) book.Deposit(a, "2000");
        var trace = new List<string>();
        for (int step = 0; step < steps; step++)
        {
            var input = flow.Next();
            book.Engine.Process(input);
            flow.Observe(input, book.Engine.Events.Span);
            if (step % 50 == 0) trace.Add(book.Engine.StateHash().ToString("x16"));
        }
        return (book.Engine.StateHash(), trace);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void The_same_inputs_give_the_same_state_hash_on_every_kernel_width(int seed)
    {
        var reference = Run(seed, KernelMode.Scalar);
        foreach (var mode in new[] { KernelMode.Scalar, KernelMode.Vector128, KernelMode.Vector256, KernelMode.Auto })
        {
            var other = Run(seed, mode);
            Assert.Equal(reference.Hash, other.Hash);
            Assert.Equal(reference.Trace, other.Trace);
        }
    }

    [Fact]
    public void Any_change_of_state_changes_the_hash()
    {
        var book = new Book();
        book.Deposit(1, "1000");
        ulong before = book.Engine.StateHash();
        book.Deposit(1, "0.000001");
        ulong afterDeposit = book.Engine.StateHash();
        Assert.NotEqual(before, afterDeposit);
        book.Order(1, 7, Book.Btc, Side.Buy, "0.001", "50000");
        Assert.NotEqual(afterDeposit, book.Engine.StateHash());
        Assert.Equal(ProcessStatus.InvalidPrice, book.Engine.Process(new RiskInput { Kind = InputKind.Mark, Instrument = Book.Btc, Price = 0 }));
        ulong stable = book.Engine.StateHash();
        Assert.Equal(stable, book.Engine.StateHash()); // an input that cannot be applied changes nothing
    }
}
