namespace CrossMargin.Bench;

/// <summary>Command-line options shared by every mode: <c>--out DIR</c>, <c>--quick</c>.</summary>
public sealed class Options
{
    /// <summary>Where the mode writes its fragment (the run's fragments/ folder).</summary>
    public string OutDir { get; init; } = "perf/results/adhoc/fragments";

    /// <summary>Short run (run-bench.sh --quick): fewer repetitions and sizes, same workloads.</summary>
    public bool Quick { get; init; }

    /// <summary>Holder counts of the tick and limit measurements.</summary>
    public int[] HolderCounts => Quick ? [10_000] : [1_000, 10_000, 100_000];

    /// <summary>The holder count the summary keys report.</summary>
    public int HeadlineHolders => 10_000;

    /// <summary>Parses <c>--out DIR</c> and <c>--quick</c>; anything else is an error naming the argument.</summary>
    public static Options Parse(ReadOnlySpan<string> args)
    {
        string outDir = "perf/results/adhoc/fragments";
        bool quick = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick": quick = true; break;
                case "--out" when i + 1 < args.Length: outDir = args[++i]; break;
                default: throw new ArgumentException($"unknown argument '{args[i]}' (expected --out DIR, --quick)");
            }
        }
        return new Options { OutDir = outDir, Quick = quick };
    }
}
