using System.Diagnostics;
using System.Numerics;
using CrossMargin.Core.Engine;

namespace CrossMargin.Gate.Telemetry;

/// <summary>
/// What the gate's network thread saw pass, by kind: inputs by <see cref="InputKind"/>, decisions by
/// <see cref="EventKind"/>, rejects by <see cref="RejectReason"/>, health transitions of accounts,
/// and the input-to-decision latency inside the gate.
/// </summary>
/// <remarks>
/// Written by the network thread only (plain increments into pre-allocated arrays: no allocation,
/// no lock); read by the telemetry thread, which tolerates a value one increment behind.
/// </remarks>
public sealed class GateTally
{
    /// <summary>Inputs received, by <see cref="InputKind"/>.</summary>
    public readonly long[] InputsByKind = new long[32];
    /// <summary>Decisions published, by <see cref="EventKind"/>.</summary>
    public readonly long[] DecisionsByKind = new long[32];
    /// <summary>Rejected orders, withdrawals, queries and mode changes, by <see cref="RejectReason"/>.</summary>
    public readonly long[] RejectsByReason = new long[32];
    /// <summary>Net account health transitions into each <see cref="HealthState"/> (into minus out of).</summary>
    public readonly long[] HealthNet = new long[8];
    /// <summary>Input published into the inbound ring → its last decision encoded, nanoseconds.</summary>
    public readonly LatencyBuckets Latency = new();

    /// <summary>Counts one decoded input.</summary>
    public void Input(InputKind kind) => InputsByKind[(int)kind & 31]++;

    /// <summary>Counts one decision.</summary>
    public void Decision(in RiskEvent e)
    {
        DecisionsByKind[(int)e.Kind & 31]++;
        switch (e.Kind)
        {
            case EventKind.Rejected or EventKind.ModeRejected or EventKind.QueryRejected:
                RejectsByReason[(int)e.Reason & 31]++;
                break;
            case EventKind.Withdrawal when !e.Accepted:
                RejectsByReason[(int)e.Reason & 31]++;
                break;
            case EventKind.Health when !e.Isolated:
                HealthNet[(int)e.To & 7]++;
                HealthNet[(int)e.From & 7]--;
                break;
        }
    }

    /// <summary>Records the latency of an input published at <paramref name="publishedTicks"/> (<see cref="Stopwatch"/> ticks).</summary>
    public void Decided(long publishedTicks)
    {
        if (publishedTicks == 0) return;
        Latency.Record(LatencyBuckets.TicksToNs(Stopwatch.GetTimestamp() - publishedTicks));
    }
}

/// <summary>
/// A log-linear latency histogram over fixed buckets (8 per power of two, ≤ 12.5 % relative error):
/// recording is one increment, with no allocation; any thread may read percentiles while one writes.
/// </summary>
public sealed class LatencyBuckets
{
    private const int SubBits = 3;
    private const int Sub = 1 << SubBits;
    private readonly long[] _counts = new long[64 * Sub];

    /// <summary>
    /// <see cref="Stopwatch"/> ticks → nanoseconds without overflow for any duration: whole seconds
    /// and the remainder separately (<c>ticks * 1e9 / Frequency</c> wraps past ~9.2 s at 1 GHz).
    /// </summary>
    public static long TicksToNs(long ticks)
    {
        long f = Stopwatch.Frequency;
        return ticks / f * 1_000_000_000 + ticks % f * 1_000_000_000 / f;
    }

    /// <summary>Bucket count.</summary>
    public int Length => _counts.Length;

    /// <summary>Records one value (nanoseconds; negative values count as 0).</summary>
    public void Record(long value) => _counts[Index(Math.Max(0, value))]++;

    /// <summary>Bucket of <paramref name="value"/>.</summary>
    public static int Index(long value)
    {
        if (value < Sub) return (int)value;
        int log = 63 - BitOperations.LeadingZeroCount((ulong)value);
        int sub = (int)(value >> (log - SubBits)) & (Sub - 1);
        return (log - SubBits + 1) * Sub + sub;
    }

    /// <summary>Highest value that falls in bucket <paramref name="index"/>.</summary>
    public static long UpperBound(int index)
    {
        if (index < Sub) return index;
        int log = index / Sub + SubBits - 1;
        long sub = index % Sub;
        long lower = (1L << log) + (sub << (log - SubBits));
        return lower + (1L << (log - SubBits)) - 1;
    }

    /// <summary>Copies the counts (a reader's snapshot).</summary>
    public void CopyTo(Span<long> counts)
    {
        for (int i = 0; i < _counts.Length; i++) counts[i] = Volatile.Read(ref _counts[i]);
    }

    /// <summary>The value at <paramref name="percentile"/> (0–100) of <paramref name="counts"/> (upper bucket bound), 0 if empty.</summary>
    public static long Percentile(ReadOnlySpan<long> counts, double percentile)
    {
        long total = 0;
        foreach (long c in counts) total += c;
        if (total == 0) return 0;
        long rank = Math.Max(1, (long)Math.Ceiling(percentile / 100.0 * total));
        long seen = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank) return UpperBound(i);
        }
        return UpperBound(counts.Length - 1);
    }
}
