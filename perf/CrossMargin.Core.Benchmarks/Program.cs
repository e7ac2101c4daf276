using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using CrossMargin.Core.Benchmarks;

// Modes:
//   harness [--quick]        Stopwatch/HdrHistogram harness, compact tables (< 3 min; --quick: smoke run)
//   scale [--quick]          issue 8 scale figures: one JSON object per line (tick, order_check, memory)
//   bdn [filter|bdn args]    BenchmarkDotNet; a bare word becomes --filter *word*, default all
string mode = args.Length > 0 ? args[0] : "harness";
string[] rest = args.Skip(1).ToArray();
switch (mode)
{
    case "harness":
        return Harness.Run(rest);
    case "scale":
        return Scale.Run(rest);
    case "bdn":
    {
        string[] bdnArgs = rest.Length == 0 ? ["--filter", "*"]
            : rest[0].StartsWith('-') ? rest
            : ["--filter", $"*{rest[0]}*", .. rest.Skip(1)];
        // Artifacts next to the binaries (never in the shared repository root).
        var config = ManualConfig.Create(DefaultConfig.Instance)
            .WithArtifactsPath(Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts"));
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Harness).Assembly).Run(bdnArgs, config);
        return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
    }
    default:
        Console.Error.WriteLine("usage: CrossMargin.Core.Benchmarks harness [--quick] | scale [--quick] | bdn [filter | BenchmarkDotNet args]");
        return 2;
}
