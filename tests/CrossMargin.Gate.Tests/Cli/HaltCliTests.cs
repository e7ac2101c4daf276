using CrossMargin.Gate.Journal;

namespace CrossMargin.Gate.Tests.Cli;

/// <summary>
/// Issue 10, item 1, as an operator meets it: `run` over a journal with a halt on record says so loudly;
/// `resume --journal` lifts it on the stopped gate; a damaged halt file stops `run` with exit 2 and the record.
/// </summary>
public class HaltCliTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public void Run_restores_a_halt_loudly_resume_journal_lifts_it_and_a_damaged_file_refuses_the_start()
    {
        var ports = GateProcess.FreeUdpPorts(4);
        string dir = Directory.CreateTempSubdirectory("cm-halt-").FullName;
        string journal = Path.Combine(dir, "journal"), config = Path.Combine(dir, "gate.json"), counters = Path.Combine(dir, "gate.counters");
        try
        {
            File.WriteAllText(config, CrashRestartTests.RunConfigJson(ports)
                .Replace("\"mtu\": 1408", $"\"recovery\": {{ \"channel\": \"aeron:udp?endpoint=127.0.0.1:{ports[3]}\", \"streamId\": 1004 }}, \"mtu\": 1408"));
            Directory.CreateDirectory(journal);
            using (var halts = HaltJournal.Open(journal, out _)) Assert.True(halts.RecordHalt(7, 1002, 3, 4));

            var (code, stdout, stderr) = GateProcess.Run(Timeout, null, "run", "--config", config, "--journal", journal, "--seconds", "1", "--status-interval", "0", "--counters", counters);
            Assert.True(code == 0, stderr);
            string halted = "HALTED (restored from " + HaltJournal.PathFor(journal) + "): publisher session 7 stream 1002 halted since ";
            Assert.Contains(halted, stdout);
            Assert.Contains(halted, stderr);
            Assert.Contains("(lost order-flow sequences 3..4); its new orders and withdrawals are rejected (sequence_gap) until `crossmargin resume --journal DIR` while the gate is stopped (no aeron.admin channel)", stdout);

            (code, stdout, stderr) = GateProcess.Run(Timeout, null, "resume", "--journal", journal, "--session", "7", "--stream", "1002");
            Assert.True(code == 0, stderr);
            Assert.StartsWith("resumed (recorded in " + HaltJournal.PathFor(journal) + "): publisher session 7 stream 1002", stdout);
            Assert.Empty(HaltJournal.ReadHalted(journal));

            (code, stdout, _) = GateProcess.Run(Timeout, null, "run", "--config", config, "--journal", journal, "--seconds", "1", "--status-interval", "0", "--counters", counters);
            Assert.Equal(0, code);
            Assert.DoesNotContain("HALTED", stdout);

            var bytes = File.ReadAllBytes(HaltJournal.PathFor(journal));
            bytes[HaltJournal.HeaderLength + 30] ^= 1; // the halt's time
            File.WriteAllBytes(HaltJournal.PathFor(journal), bytes);
            (code, _, stderr) = GateProcess.Run(Timeout, null, "run", "--config", config, "--journal", journal, "--seconds", "1", "--status-interval", "0", "--counters", counters);
            Assert.Equal(2, code);
            Assert.StartsWith($"crossmargin run: journal refused (BadRecordChecksum): {HaltJournal.PathFor(journal)} at offset 16, record 1: publisher halt record checksum does not hold", stderr);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
