using System.Diagnostics;
using System.Globalization;
using CrossMargin.Core.Engine;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Journal;
using CrossMargin.Messages;
using HdrHistogram;

namespace CrossMargin.Journal.Benchmarks;

/// <summary>
/// The journaler's cost per durability policy. One thread appends batches of real SBE inputs
/// (order, fill, mark, deposit) and commits after each batch, as the journaler does at
/// the end of a ring batch; each batch's append+commit time goes into an HdrHistogram. Runs last
/// <c>seconds</c> each (fdatasync-bound policies would take minutes for a fixed count); figures are
/// medians over repetitions, and the ratio column compares with <c>none</c> at the same batch size in the same run.
/// </summary>
public static class JournalHarness
{
    private static readonly DurabilityPolicy[] Policies = [DurabilityPolicy.None, DurabilityPolicy.Batch, DurabilityPolicy.Interval(1), DurabilityPolicy.Interval(10)];

    private sealed record Result(string Policy, int Batch, double P50, double P99, double P999, double Max, double RecordsPerSecond, double MegabytesPerSecond, long Records, double DurableP50, double DurableP99);

    public static int Run(int repetitions, double seconds, int[] batches, string root, long rate)
    {
        var messages = Messages();
        var config = GateConfig.LoadDefault();
        var fingerprint = ConfigFingerprint.Of(config);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CrossMargin journal harness: {Environment.ProcessorCount} cores, {repetitions} repetitions × {seconds} s per policy and batch size, " +
            $"{(rate > 0 ? $"offered {rate:N0} records/s" : "flat out")}, messages {messages.Min(m => m.Length)}–{messages.Max(m => m.Length)} bytes (+{JournalFormat.RecordOverhead} framing), directory {root} ({FileSystemOf(root)}), Stopwatch {Stopwatch.Frequency:N0} Hz"));
        Console.WriteLine("cost = append of one batch + commit (hand to the OS; fdatasync for batch), µs; per record = p50 / batch size");
        Console.WriteLine();
        Console.WriteLine("durable (interval only) = from the start of a batch's append until the background fdatasync covers it (seen by the appending thread, late by at most one batch period); batch: durable when the commit returns (= cost); none: never synced");
        Console.WriteLine();
        Console.WriteLine($"{"policy",-12} {"batch",5} {"p50 µs",9} {"p99 µs",9} {"p99.9 µs",9} {"max µs",9} {"p50/rec µs",10} {"records/s",12} {"MB/s",8} {"p50 × none",10} {"durable p50 µs",14} {"durable p99 µs",14}");
        Measure(root, fingerprint, DurabilityPolicy.None, batches[0], Math.Min(seconds, 1), messages, rate); // discarded: JIT and page cache warm-up
        foreach (int batch in batches)
        {
            // Repetitions interleave the policies so that drift of a shared machine hits all alike.
            var runs = Policies.Select(_ => new List<Result>()).ToArray();
            for (int rep = 0; rep < repetitions; rep++)
                for (int p = 0; p < Policies.Length; p++) runs[p].Add(Measure(root, fingerprint, Policies[p], batch, seconds, messages, rate));
            var none = Median(runs[0]);
            foreach (var m in runs.Select(Median))
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{m.Policy,-12} {m.Batch,5} {m.P50,9:F1} {m.P99,9:F1} {m.P999,9:F1} {m.Max,9:F1} {m.P50 / m.Batch,10:F2} {m.RecordsPerSecond,12:N0} {m.MegabytesPerSecond,8:F1} {m.P50 / none.P50,10:F1} {Na(m.DurableP50),14} {Na(m.DurableP99),14}"));
        }
        return 0;
    }

    private static Result Measure(string root, ConfigFingerprint fingerprint, DurabilityPolicy policy, int batch, double seconds, byte[][] messages, long rate)
    {
        string dir = Path.Combine(root, $"cm-journal-bench-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var histogram = new LongHistogram(TimeStamp.Seconds(10), 3);
        try
        {
            using var writer = JournalWriter.Open(dir, new JournalOptions(fingerprint, policy), out _);
            var probe = policy.Mode == DurabilityMode.Interval ? new DurabilityProbe(writer) : null; // batch: durable when Commit returns
            int k = 0;
            // Warm-up: JIT, the file's first blocks.
            for (int i = 0; i < 2_000; i++)
            {
                writer.Append(writer.NextSequence, messages[k++ % messages.Length]);
                if (i % batch == batch - 1) writer.Commit();
            }
            writer.Commit();
            int gen0 = GC.CollectionCount(0);
            long records = 0, bytes = 0;
            long start = Stopwatch.GetTimestamp();
            long stop = start + (long)(seconds * Stopwatch.Frequency);
            long now = start;
            // Paced: batch n starts at start + n × batch / rate (a late batch starts at once; its cost is still its own).
            double ticksPerBatch = rate > 0 ? (double)batch * Stopwatch.Frequency / rate : 0;
            long n = 0;
            while (now < stop)
            {
                if (rate > 0)
                {
                    long due = start + (long)(n++ * ticksPerBatch);
                    while (Stopwatch.GetTimestamp() < due) { probe?.Poll(); Thread.SpinWait(20); }
                }
                long t0 = Stopwatch.GetTimestamp();
                for (int i = 0; i < batch; i++)
                {
                    var m = messages[k++ % messages.Length];
                    if (writer.Append(writer.NextSequence, m) != AppendResult.Ok) throw new InvalidOperationException("append refused");
                    bytes += m.Length + JournalFormat.RecordOverhead;
                }
                writer.Commit();
                now = Stopwatch.GetTimestamp();
                histogram.RecordValue(now - t0);
                probe?.Sample(writer.NextSequence - 1, t0);
                probe?.Poll();
                records += batch;
            }
            double elapsed = (double)(now - start) / Stopwatch.Frequency;
            if (GC.CollectionCount(0) != gen0) Console.WriteLine($"note: {GC.CollectionCount(0) - gen0} gen0 collections during a run");
            double us(double percentile) => histogram.GetValueAtPercentile(percentile) * 1e6 / Stopwatch.Frequency;
            var durable = probe?.Lag;
            double dus(double percentile) => durable is null || durable.TotalCount == 0 ? double.NaN : durable.GetValueAtPercentile(percentile) * 1e6 / Stopwatch.Frequency;
            return new Result(policy.ToString(), batch, us(50), us(99), us(99.9), us(100), records / elapsed, bytes / elapsed / 1e6, records, dus(50), dus(99));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    private static Result Median(List<Result> runs)
    {
        double Med(Func<Result, double> f)
        {
            var v = runs.Select(f).Order().ToArray();
            return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
        }
        return new Result(runs[0].Policy, runs[0].Batch, Med(r => r.P50), Med(r => r.P99), Med(r => r.P999), Med(r => r.Max),
            Med(r => r.RecordsPerSecond), Med(r => r.MegabytesPerSecond), (long)Med(r => r.Records), Med(r => r.DurableP50), Med(r => r.DurableP99));
    }

    private static string Na(double v) => double.IsNaN(v) ? "n/a" : v.ToString("F1", CultureInfo.InvariantCulture);

    /// <summary>
    /// Measures when batches become durable under the interval policy, on the appending thread itself
    /// (no monitor thread whose own scheduling delay would be counted): each batch leaves a
    /// (sequence, start) sample in a bounded ring (dropped when it is full); <see cref="Poll"/>, called
    /// after every batch and while pacing, records now − start for the samples that
    /// <see cref="JournalWriter.DurableSequence"/> now covers. Detection is late by at most one batch period.
    /// </summary>
    private sealed class DurabilityProbe(JournalWriter writer)
    {
        private const int Capacity = 1 << 14;
        private readonly long[] _sequence = new long[Capacity];
        private readonly long[] _start = new long[Capacity];
        private long _written, _read;

        public LongHistogram Lag { get; } = new(TimeStamp.Seconds(10), 3);

        public void Sample(long sequence, long startTicks)
        {
            if (_written - _read >= Capacity) return;
            _sequence[_written & (Capacity - 1)] = sequence;
            _start[_written & (Capacity - 1)] = startTicks;
            _written++;
        }

        public void Poll()
        {
            if (_read == _written) return;
            long durable = writer.DurableSequence;
            long now = Stopwatch.GetTimestamp();
            while (_read < _written && _sequence[_read & (Capacity - 1)] <= durable)
            {
                Lag.RecordValue(now - _start[_read & (Capacity - 1)]);
                _read++;
            }
        }
    }

    // A mix of the inputs the gate journals most: orders, fills, marks, deposits.
    private static byte[][] Messages()
    {
        var inputs = new[]
        {
            new RiskInput { Kind = InputKind.Order, Account = 17, OrderId = 9001, Instrument = 0, Side = Side.Buy, Qty = 1500, Price = 500_000 },
            new RiskInput { Kind = InputKind.Fill, Account = 17, OrderId = 9001, HasOrderId = true, Instrument = 0, Side = Side.Buy, Qty = 1500, Price = 500_000, HasFee = true, Fee = 1000 },
            new RiskInput { Kind = InputKind.Mark, Instrument = 0, Price = 499_900 },
            new RiskInput { Kind = InputKind.Mark, Instrument = 1, Price = 299_950 },
            new RiskInput { Kind = InputKind.Deposit, Account = 18, Asset = 0, Amount = 2_000_000_000 },
        };
        var buffer = new byte[InputCodec.MaxLength];
        return inputs.Select((input, i) => buffer.AsSpan(0, InputCodec.Encode(input, i + 1, buffer)).ToArray()).ToArray();
    }

    internal static string FileSystemOf(string path)
    {
        try
        {
            string full = Path.GetFullPath(path);
            string best = "", type = "unknown";
            foreach (var line in File.ReadAllLines("/proc/mounts"))
            {
                var f = line.Split(' ');
                if (f.Length > 2 && full.StartsWith(f[1], StringComparison.Ordinal) && f[1].Length > best.Length) { best = f[1]; type = $"{f[2]} on {f[0]}"; }
            }
            return type;
        }
        catch (IOException) { return "unknown"; }
    }
}
