using CrossMargin.Journal.Benchmarks;

// Modes:
//   journal [repetitions] [seconds-per-run] [batch sizes, comma-separated] [directory] [records/s offered, 0 = flat out]
//       append+commit cost (p50/p99/p99.9/max) and throughput (records/s, MB/s) of the input journal
//       under each durability policy: none, batch, interval:1, interval:10. Medians over repetitions.
//   snapshot [accounts=1000000] [history inputs=2000000] [tail inputs=1000000] [repetitions=3] [directory]
//       snapshot size, write and load time, restart from snapshot + tail vs full replay, and the risk
//       thread's per-input latency alone and while the snapshot replica runs (SnapshotHarness).
string mode = args.Length > 0 ? args[0] : "journal";
if (mode == "snapshot")
{
    int accounts = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
    int history = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 2_000_000;
    int tail = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
    int repetitions = args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 3;
    return SnapshotHarness.Run(accounts, history, tail, repetitions, args.Length > 5 ? args[5] : Path.GetTempPath());
}
if (mode != "journal")
{
    Console.Error.WriteLine("usage: CrossMargin.Journal.Benchmarks journal [repetitions=3] [seconds=3] [batches=1,16,256] [directory=$TMPDIR] [rate=0 (flat out) | records/s]");
    Console.Error.WriteLine("       CrossMargin.Journal.Benchmarks snapshot [accounts=1000000] [history=2000000] [tail=1000000] [repetitions=3] [directory=$TMPDIR]");
    return 2;
}
int reps = args.Length > 1 && int.TryParse(args[1], out int r) && r > 0 ? r : 3;
double seconds = args.Length > 2 && double.TryParse(args[2], System.Globalization.CultureInfo.InvariantCulture, out double s) && s > 0 ? s : 3;
int[] batches = args.Length > 3 ? args[3].Split(',').Select(int.Parse).ToArray() : [1, 16, 256];
string root = args.Length > 4 ? args[4] : Path.GetTempPath();
long rate = args.Length > 5 ? long.Parse(args[5], System.Globalization.CultureInfo.InvariantCulture) : 0;
return JournalHarness.Run(reps, seconds, batches, root, rate);
