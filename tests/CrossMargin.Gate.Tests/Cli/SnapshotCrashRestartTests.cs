using System.Diagnostics;
using System.Text.RegularExpressions;
using CrossMargin.Core.Engine;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Journal;
using CrossMargin.Gate.Telemetry;
using CrossMargin.Gate.Tests.JournalTests;
using FsCheck;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace CrossMargin.Gate.Tests.Cli;

/// <summary>
/// Issue 9, item 2, end to end: <c>crossmargin run</c> with a snapshot replica (<c>journal.snapshotEvery</c>)
/// under load from a sender, asked for a snapshot with SIGUSR1, killed with SIGKILL at generated points
/// (snapshot writes among them), restarted from the newest snapshot + journal tail — once with the
/// newest snapshot damaged, so the restart falls back — and finally stopped: the stop's state hash
/// equals <c>replay</c> (from the snapshot), <c>replay --from-start</c> and the inputs applied directly.
/// </summary>
public class SnapshotCrashRestartTests(ITestOutputHelper output)
{
    private const int KillPoints = 4, DamagedRound = 2;

    private static string DirectHash(GateConfig config, long inputs, int btc, int eth)
    {
        var direct = config.BuildEngine();
        for (long i = 0; i < inputs; i++) direct.Process(CrashRestartTests.InputAt(i, btc, eth));
        return direct.StateHash().ToString("x16");
    }

    /// <summary>
    /// Journaled inputs the restart feeds through the processor again (their decisions never reached the
    /// decision log before the kill): the recovered state holds the inputs before them.
    /// </summary>
    private static long Redone(string stdout) =>
        Regex.Match(stdout, "([0-9,]+) journaled inputs fed through the processor again") is { Success: true } m ? long.Parse(m.Groups[1].Value.Replace(",", "")) : 0;

    [Fact]
    public void Killed_while_snapshotting_the_gate_restarts_from_snapshot_and_tail_to_the_state_of_a_full_replay()
    {
        var ports = GateProcess.FreeUdpPorts(3);
        string dir = Directory.CreateTempSubdirectory("cm-snapcrash-").FullName;
        string journal = Path.Combine(dir, "journal"), counters = Path.Combine(dir, "gate.counters"), configPath = Path.Combine(dir, "gate.json");
        var timeout = CrashRestartTests.Timeout;
        try
        {
            string json = CrashRestartTests.RunConfigJson(ports, "\"journal\": { \"path\": \"unused\", \"snapshotEvery\": 400, \"snapshotKeep\": 2 },\n  ");
            File.WriteAllText(configPath, json);
            var config = GateConfig.Parse(json);
            var reference = config.BuildEngine();
            int btc = reference.FindInstrument("BTC-PERP"), eth = reference.FindInstrument("ETH-PERP");
            var fingerprint = ConfigFingerprint.Of(config);

            var delays = Gen.Choose(300, 900).Sample(KillPoints).ToArray();
            long journaled = 0;
            int fromSnapshot = 0, fellBack = 0, skippedPastRedo = 0;
            var decisions = new List<long>();
            for (int round = 0; round < KillPoints; round++)
            {
                string? damaged = null;
                long damagedSequence = 0;
                if (round == DamagedRound && SnapshotFile.List(journal) is { Count: > 0 } list)
                {
                    // One bit of the newest snapshot flipped at a generated place: the restart must refuse it and fall back.
                    damaged = Path.GetFileName(list[0].Path);
                    damagedSequence = list[0].InputSequence;
                    var bytes = File.ReadAllBytes(list[0].Path);
                    bytes[Gen.Choose(0, bytes.Length - 1).Sample(1)[0]] ^= (byte)(1 << Gen.Choose(0, 7).Sample(1)[0]);
                    File.WriteAllBytes(list[0].Path, bytes);
                }
                var onDisk = SnapshotFile.List(journal).Select(f => f.InputSequence).ToArray();
                using var gate = GateProcess.Start("run", "--config", configPath, "--journal", journal, "--status-interval", "0", "--counters", counters);
                gate.WaitUntilRunning(timeout);
                Assert.Contains($"replayed {journaled:N0} journaled inputs", gate.Stdout);
                if (gate.Stdout.Contains("restart: snapshot ", StringComparison.Ordinal)) fromSnapshot++;
                // The replica snapshots only what the decided mark covers, so no snapshot the kill left lies past the
                // inputs the restart feeds through the processor again (the journal may run ahead of the processor).
                Assert.All(onDisk, at => Assert.True(at <= journaled - Redone(gate.Stdout), $"snapshot at input {at} past the redo start ({journaled - Redone(gate.Stdout)} applied)"));
                Assert.Equal(DirectHash(config, journaled - Redone(gate.Stdout), btc, eth), Regex.Match(gate.Stdout, "restart: .*recovered state ([0-9a-f]{16})").Groups[1].Value);
                if (damaged is not null)
                {
                    // Never used. Tried and refused — unless it lies past the inputs whose decisions the kill lost
                    // (those are fed through the processor again), in which case the restart does not try it at all.
                    Assert.DoesNotContain($"restart: snapshot {damaged} ", gate.Stdout);
                    if (damagedSequence <= journaled - Redone(gate.Stdout))
                    {
                        Assert.Contains($"refused: {damaged}: ", gate.Stdout);
                        fellBack++;
                    }
                    else skippedPastRedo++;
                }
                using (var sender = new PacedSender(config, btc, eth, decisions))
                {
                    sender.Connect(resumeAfter: journaled);
                    var sw = Stopwatch.StartNew();
                    if (round == 0)
                    {
                        // The operator's request: a snapshot of whatever is applied, without waiting for 400 inputs.
                        sender.Run(journaled + 150, () => false);
                        gate.Signal(10);
                        while (!gate.Stdout.Contains("snapshot ", StringComparison.Ordinal) || !Regex.IsMatch(gate.Stdout, @"snapshot \S+\.cms: input"))
                        {
                            Assert.True(sw.Elapsed < timeout, "no snapshot after SIGUSR1: " + gate.Stdout);
                            sender.Consume();
                            Thread.Sleep(5);
                        }
                        Assert.Contains("SIGUSR1: snapshot requested", gate.Stdout);
                        sw.Restart();
                    }
                    sender.Run(long.MaxValue, () => sw.ElapsedMilliseconds >= delays[round]);
                    gate.Signal(9);
                    Assert.True(gate.WaitForExit(timeout));
                }
                var (scan, records) = JournalKit.ReadAll(journal, fingerprint);
                Assert.Null(scan.Error);
                Assert.True(records.Count >= journaled);
                journaled = records.Count;
                output.WriteLine($"kill {round + 1}: after {delays[round]} ms, {journaled:N0} inputs journaled, snapshots {string.Join(", ", SnapshotFile.List(journal).Select(s => s.InputSequence))}");
            }
            Assert.True(SnapshotFile.List(journal).Count <= 2, "snapshotKeep 2");

            long total = journaled + 1000;
            string finalStdout;
            using (var gate = GateProcess.Start("run", "--config", configPath, "--journal", journal, "--status-interval", "0", "--counters", counters))
            {
                gate.WaitUntilRunning(timeout);
                Assert.Contains($"replayed {journaled:N0} journaled inputs", gate.Stdout);
                Assert.Contains("restart: snapshot ", gate.Stdout);
                Assert.Equal(DirectHash(config, journaled - Redone(gate.Stdout), btc, eth), Regex.Match(gate.Stdout, "restart: .*recovered state ([0-9a-f]{16})").Groups[1].Value);
                fromSnapshot++;
                using (var sender = new PacedSender(config, btc, eth, decisions))
                {
                    sender.Connect(resumeAfter: journaled);
                    sender.Run(total, () => false);
                    var sw = Stopwatch.StartNew();
                    while (true)
                    {
                        Assert.True(CountersReader.TryRead(counters, out var snap, out var error), error);
                        if (snap!.Get("inputs.processed") + snap.Get("inputs.replayed") == total) break;
                        Assert.True(sw.Elapsed < timeout, $"processed {snap.Get("inputs.processed")} + replayed {snap.Get("inputs.replayed")} of {total}");
                        sender.Run(total, () => true);
                        Thread.Sleep(20);
                    }
                    gate.Signal(15);
                    Assert.True(gate.WaitForExit(timeout), "no stop after SIGTERM");
                }
                Assert.True(gate.ExitCode == 0, $"exit {gate.ExitCode}: {gate.Stderr}");
                finalStdout = gate.Stdout;
            }
            Assert.Empty(Directory.GetFiles(journal, "*.tmp")); // a kill mid-write left one at most; the next write removed it
            Assert.True(SnapshotFile.List(journal).Count <= 2, "snapshotKeep 2");
            string stopHash = Regex.Match(finalStdout, "summary: .*state hash ([0-9a-f]{16})").Groups[1].Value; // not a snapshot line's

            var (code, fromSnap, err) = GateProcess.Run(timeout, null, "replay", journal, "--config", configPath);
            Assert.True(code == 0, err);
            Assert.Contains("snapshot snapshot-", err);
            Assert.Contains($"replayed {total:N0} inputs", fromSnap);
            var (code2, fromStart, err2) = GateProcess.Run(timeout, null, "replay", journal, "--config", configPath, "--from-start");
            Assert.True(code2 == 0, err2);
            Assert.DoesNotContain("snapshot snapshot-", err2);
            var direct = config.BuildEngine();
            for (long i = 0; i < total; i++) direct.Process(CrashRestartTests.InputAt(i, btc, eth));
            string hash = direct.StateHash().ToString("x16");
            string snapHash = Regex.Match(fromSnap, "state hash ([0-9a-f]{16})").Groups[1].Value, startHash = Regex.Match(fromStart, "state hash ([0-9a-f]{16})").Groups[1].Value;
            Assert.True(hash == snapHash && hash == startHash && hash == stopHash,
                $"direct {hash}, gate stop {stopHash}, replay {snapHash} ({err.Trim()}), replay --from-start {startHash}; snapshots {string.Join(", ", SnapshotFile.List(journal).Select(s => s.InputSequence))}\n{finalStdout}");
            Assert.True(fromSnapshot >= 3, $"only {fromSnapshot} restarts started from a snapshot");
            output.WriteLine($"kills {KillPoints}, restarts from a snapshot {fromSnapshot}, fell back past a damaged snapshot {fellBack}, damaged snapshot past the redo start (not tried) {skippedPastRedo}; {total:N0} inputs; state hash {hash}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
