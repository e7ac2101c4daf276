using FsCheck;
using FsCheck.Fluent;

namespace CrossMargin.Core.Tests;

/// <summary>
/// A <see cref="Random"/> whose every draw comes from an FsCheck-generated array of choices, so the
/// stateful stream generators (<see cref="RandomFlow"/>) are driven by FsCheck (and shrink with it)
/// instead of an int seed. Draws past the end of the array wrap around with a rotating offset.
/// </summary>
internal sealed class ChoiceStream(uint[] choices) : Random
{
    private int _at;

    private ulong NextRaw()
    {
        if (choices.Length == 0) return 0;
        int k = _at++;
        uint a = choices[k % choices.Length];
        uint b = choices[(k / choices.Length + k * 7 + 1) % choices.Length];
        return ((ulong)a << 32) | (b ^ (uint)(k / choices.Length));
    }

    public override int Next() => (int)(NextRaw() & int.MaxValue);
    public override int Next(int maxValue) => maxValue <= 0 ? 0 : (int)(NextRaw() % (ulong)maxValue);
    public override int Next(int minValue, int maxValue) => maxValue <= minValue ? minValue : minValue + (int)(NextRaw() % (ulong)((long)maxValue - minValue));
    public override long NextInt64() => (long)(NextRaw() & long.MaxValue);
    public override long NextInt64(long maxValue) => maxValue <= 0 ? 0 : (long)(NextRaw() % (ulong)maxValue);
    public override long NextInt64(long minValue, long maxValue) => maxValue <= minValue ? minValue : minValue + (long)(NextRaw() % (ulong)(maxValue - minValue));
    public override double NextDouble() => (NextRaw() >> 11) * (1.0 / (1UL << 53));
    protected override double Sample() => NextDouble();
}

/// <summary>FsCheck generators of choice arrays for the stream properties.</summary>
public static class ChoiceArbitraries
{
    /// <summary>Arrays of 64–2048 uniformly chosen 32-bit draws.</summary>
    public static Arbitrary<uint[]> Choices() =>
        Gen.Choose(64, 2048).SelectMany(n => Gen.Choose(int.MinValue, int.MaxValue).Select(v => (uint)v).ArrayOf(n)).ToArbitrary();
}
