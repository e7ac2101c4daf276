using System.Globalization;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using CrossMargin.Bench;
using CrossMargin.Bench.Bdn;
using CrossMargin.Bench.Limits;
using CrossMargin.Bench.Network;
using CrossMargin.Bench.Report;
using CrossMargin.Bench.Rings;
using CrossMargin.Bench.Risk;
using CrossMargin.Gate.Journal;

// One measurement per process (run-bench.sh runs them in turn), each writing a fragment:
//   limits | ring | udp | engine | inproc | e2e   [--quick] [--out DIR]
//   bdn DIR [BenchmarkDotNet args]                   the BenchmarkDotNet suites, reports into DIR
//   kernel-import CSV OUT_DIR                      fragment 'kernel' from perf/CrossMargin.Core.Benchmarks' KernelBenchmarks CSV
//   soak [--seconds N] [--rate N] [--decision-durability P]  the gate under load for N s (default 600 at 100k/s): memory flat, 0 GCs, nothing lost
//   report RUN_DIR MODE LOAD_BEFORE LOAD_AFTER COMMIT merges RUN_DIR/fragments into summary.json/.md + plots
const string Usage = "usage: CrossMargin.Bench (limits|ring|udp|engine|inproc|e2e) [--quick] [--out DIR] | bdn DIR [args] | soak [--seconds N] [--rate N] [--decision-durability none|batch|interval:MS] | kernel-import CSV OUT_DIR | report RUN_DIR MODE LOAD_BEFORE LOAD_AFTER COMMIT";
if (args.Length == 0)
{
    Console.Error.WriteLine(Usage);
    return 2;
}
try
{
    switch (args[0])
    {
        case "bdn":
        {
            if (args.Length < 2) throw new ArgumentException("bdn needs the reports folder");
            var config = new SuiteConfig().WithArtifactsPath(args[1]);
            string[] rest = args.Length > 2 ? args[2..] : ["--filter", "*"];
            var summaries = BenchmarkSwitcher.FromTypes([typeof(MarginSumsBenchmarks), typeof(OrderCheckBenchmarks)]).Run(rest, config);
            return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
        }
        case "kernel-import":
        {
            if (args.Length != 3) throw new ArgumentException("kernel-import needs CSV OUT_DIR");
            BdnCsv.KernelFragment(args[1], 10_000).Save(args[2]);
            return 0;
        }
        case "soak":
        {
            double seconds = 600, rate = 100_000;
            DurabilityPolicy? decisions = null;
            for (int i = 1; i < args.Length; i++)
            {
                if (args[i] == "--decision-durability" && i + 1 < args.Length && DurabilityPolicy.TryParse(args[++i], out var d, out _)) { decisions = d; continue; }
                if (args[i] == "--seconds" && i + 1 < args.Length && double.TryParse(args[++i], CultureInfo.InvariantCulture, out seconds) && seconds > 0) continue;
                if (args[i] == "--rate" && i + 1 < args.Length && double.TryParse(args[++i], CultureInfo.InvariantCulture, out rate) && rate > 0) continue;
                throw new ArgumentException($"soak: bad argument '{args[i]}' (expected --seconds N, --rate N, both positive, and optionally --decision-durability none|batch|interval:MS)");
            }
            string journal = Path.Combine(Path.GetTempPath(), $"crossmargin-soak-{Environment.ProcessId}");
            var r = Soak.Run(new SoakSettings(seconds, rate, [41466, 41467, 41468], journal, DecisionDurability: decisions), Console.WriteLine);
            Console.WriteLine($"soak: {seconds:N0} s at {rate:N0}/s offered (achieved {r.AchievedRate:N0}/s): sent {r.Sent:N0}, received {r.Received:N0}, " +
                              $"in ring {r.Published:N0}, journaled {r.Journaled:N0}, processed {r.Processed:N0}; GCs {r.GcCollectionsMeasured}, allocated {r.AllocatedBytesMeasured:N0} B, " +
                              $"heap growth {r.HeapGrowthBytes:N0} B, working-set growth {r.WorkingSetGrowthBytes / 1048576.0:F1} MiB; replay hash equal: {r.ReplayHashEqual}; inbound ring full {r.InboundRingFull:N0}");
            foreach (var failure in r.Failures) Console.WriteLine($"soak FAILED: {failure}");
            return r.Failures.Count == 0 ? 0 : 1;
        }
        case "report":
        {
            if (args.Length != 6) throw new ArgumentException("report needs RUN_DIR MODE LOAD_BEFORE LOAD_AFTER COMMIT");
            string dir = args[1];
            var info = new RunInfo(Path.GetFileName(Path.TrimEndingDirectorySeparator(dir)), args[2], args[5], Machine.CpuModel(), Machine.CpuFlags(),
                Environment.ProcessorCount, RuntimeInformation.FrameworkDescription, RuntimeInformation.OSDescription,
                ParseLoad(args[3]), ParseLoad(args[4]));
            var fragments = SummaryWriter.LoadFragments(Path.Combine(dir, "fragments"));
            var plots = new List<string>();
            try { plots = Plots.Write(fragments, dir); }
            catch (Exception ex) when (ex is TypeInitializationException or DllNotFoundException or IOException)
            {
                Console.Error.WriteLine($"report: plots not drawn: {ex.Message}");
            }
            File.WriteAllText(Path.Combine(dir, "summary.json"), SummaryWriter.BuildJson(fragments, info).ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            File.WriteAllText(Path.Combine(dir, "summary.md"), SummaryWriter.BuildMarkdown(fragments, info, plots));
            return 0;
        }
    }

    var o = Options.Parse(args.AsSpan(1));
    Fragment f = args[0] switch
    {
        "limits" => MachineLimits.Run(o),
        "ring" => RingPeers.Run(o),
        "udp" => UdpPingPong.Run(o),
        "engine" => EngineBench.Run(o),
        "inproc" => InProcessOpenLoop.Run(o),
        "e2e" => EndToEndOpenLoop.Run(o),
        _ => throw new ArgumentException($"unknown mode '{args[0]}'"),
    };
    f.Save(o.OutDir);
    return 0;
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"CrossMargin.Bench: {ex.Message}");
    Console.Error.WriteLine(Usage);
    return 2;
}

static double ParseLoad(string s) =>
    double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : double.NaN;
