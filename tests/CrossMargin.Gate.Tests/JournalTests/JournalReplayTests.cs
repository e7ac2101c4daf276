using System.Diagnostics;
using CrossMargin.Core.Engine;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Host;
using CrossMargin.Gate.Journal;
using CrossMargin.Messages;

namespace CrossMargin.Gate.Tests.JournalTests;

/// <summary>Replay under the config a journal was written with, another config, and a gate restarted over a torn tail.</summary>
public class JournalReplayTests
{
    // The default config with its two instruments swapped: ids change, so the same inputs mean other things.
    private static string ReorderedConfigJson()
    {
        string json = GateConfig.DefaultJson();
        int btc = json.IndexOf("    { \"id\": \"BTC-PERP\"", StringComparison.Ordinal);
        int eth = json.IndexOf("    { \"id\": \"ETH-PERP\"", StringComparison.Ordinal);
        int end = json.IndexOf("  ],\n  // Liquidation", StringComparison.Ordinal);
        Assert.True(btc > 0 && eth > btc && end > eth);
        string btcText = json[btc..eth].TrimEnd().TrimEnd(',') + "\n";
        string ethText = json[eth..end].TrimEnd() + ",\n";
        return json[..btc] + ethText + btcText + json[end..];
    }

    [Fact]
    public void Replay_refuses_a_journal_written_under_another_config_unless_told_to_accept_it()
    {
        var config = GateConfig.LoadDefault();
        var reordered = GateConfig.Parse(ReorderedConfigJson());
        Assert.Equal("ETH-PERP", reordered.Instruments[0].Id);
        string dir = JournalKit.NewDirectory();
        try
        {
            var messages = JournalKit.Messages(config);
            JournalKit.Write(dir, JournalKit.Options(config), messages);
            var same = InputJournal.Replay(dir, config.BuildEngine(), ConfigFingerprint.Of(config));
            Assert.Null(same.Error);
            Assert.Equal(messages.Count, same.Records);

            var engine = reordered.BuildEngine();
            ulong untouched = engine.StateHash();
            var refused = InputJournal.Replay(dir, engine, ConfigFingerprint.Of(reordered));
            Assert.Equal(JournalErrorKind.ConfigChanged, refused.Error!.Kind);
            Assert.Equal("segment-00000000.cmj", refused.Error.Segment);
            Assert.Contains("--accept-config-change", refused.Error.Detail, StringComparison.Ordinal);
            Assert.Equal(untouched, engine.StateHash());

            var accepted = InputJournal.Replay(dir, engine, ConfigFingerprint.Of(reordered), acceptConfigChange: true);
            Assert.Null(accepted.Error);
            Assert.True(accepted.Scan.ConfigChanged);
            Assert.Equal(messages.Count, accepted.Records);

            // A gate started on the other config refuses the journal too (it would append under a lie).
            var error = JournalWriter.TryOpen(dir, JournalKit.Options(reordered), out _, out _);
            Assert.Equal(JournalErrorKind.ConfigChanged, error!.Kind);
            // Told to accept, it appends in a new segment that carries the new fingerprint.
            using (var w = JournalWriter.Open(dir, JournalKit.Options(reordered) with { AcceptConfigChange = true }, out var report))
            {
                Assert.True(report.ConfigChanged);
                Assert.Equal(1, w.SegmentIndex);
            }
            Assert.True(ConfigFingerprint.Of(reordered).Matches(File.ReadAllBytes(JournalKit.Segments(dir)[1]).AsSpan(24, 32)));
        }
        finally { JournalKit.Delete(dir); }
    }

    [Fact]
    public void The_replay_command_refuses_another_config_in_one_line_and_exits_non_zero()
    {
        var config = GateConfig.LoadDefault();
        string dir = JournalKit.NewDirectory();
        string reordered = Path.Combine(Path.GetTempPath(), $"cm-config-{Guid.NewGuid():N}.json");
        try
        {
            var messages = JournalKit.Messages(config);
            JournalKit.Write(dir, JournalKit.Options(config), messages);
            File.WriteAllText(reordered, ReorderedConfigJson());
            ulong expected = JournalKit.HashOf(config, messages);

            var (code, stdout, stderr) = Cli("replay", dir);
            Assert.Equal(0, code);
            Assert.Contains($"replayed {messages.Count} inputs", stdout, StringComparison.Ordinal);
            Assert.Contains($"state hash {expected:x16}", stdout, StringComparison.Ordinal);

            (code, stdout, stderr) = Cli("replay", dir, "--config", reordered);
            Assert.NotEqual(0, code);
            Assert.Equal("", stdout);
            var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("crossmargin replay: journal refused (ConfigChanged): segment-00000000.cmj at offset 24: written under config fingerprint", line, StringComparison.Ordinal);

            (code, stdout, stderr) = Cli("replay", dir, "--config", reordered, "--accept-config-change");
            Assert.Equal(0, code);
            Assert.Contains($"replayed {messages.Count} inputs", stdout, StringComparison.Ordinal);
            Assert.DoesNotContain($"state hash {expected:x16}", stdout, StringComparison.Ordinal); // another config, another state
            Assert.Contains("another config (accepted", stderr, StringComparison.Ordinal);

            // A damaged record: one line naming segment, offset and record; exit non-zero.
            string segment = JournalKit.Segments(dir)[0];
            var bytes = File.ReadAllBytes(segment);
            bytes[64 + JournalFormat.RecordHeaderLength + 4] ^= 1; // the first record's message
            File.WriteAllBytes(segment, bytes);
            (code, stdout, stderr) = Cli("replay", dir);
            Assert.NotEqual(0, code);
            Assert.Equal("crossmargin replay: journal refused (BadRecordChecksum): segment-00000000.cmj at offset 64, record 1: record checksum mismatch", stderr.Trim());
        }
        finally
        {
            JournalKit.Delete(dir);
            File.Delete(reordered);
        }
    }

    [Fact]
    public void The_run_command_refuses_a_damaged_journal_or_another_config_in_one_line_and_exits_non_zero()
    {
        var config = GateConfig.LoadDefault();
        string dir = JournalKit.NewDirectory();
        string reordered = Path.Combine(Path.GetTempPath(), $"cm-config-{Guid.NewGuid():N}.json");
        try
        {
            JournalKit.Write(dir, JournalKit.Options(config, segmentBytes: 1024), JournalKit.Messages(config));
            File.WriteAllText(reordered, ReorderedConfigJson());
            // The journal is checked before any socket is opened, so the default ports are never bound here.
            var (code, stdout, stderr) = Cli("run", "--journal", dir, "--config", reordered, "--seconds", "1");
            Assert.Equal(2, code);
            Assert.DoesNotContain("listening", stdout, StringComparison.Ordinal); // refused before any socket
            Assert.StartsWith("crossmargin run: journal refused (ConfigChanged): segment-00000000.cmj at offset 24", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);

            string middle = JournalKit.Segments(dir)[3];
            var bytes = File.ReadAllBytes(middle);
            bytes[200] ^= 0x80;
            File.WriteAllBytes(middle, bytes);
            (code, stdout, stderr) = Cli("run", "--journal", dir, "--seconds", "1");
            Assert.Equal(2, code);
            Assert.DoesNotContain("listening", stdout, StringComparison.Ordinal); // refused before any socket
            var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Matches(@"^crossmargin run: journal refused \(BadRecord(Checksum|Header)\): segment-00000003\.cmj at offset \d+, record \d+: record (header )?checksum mismatch$", line);
            Assert.Equal(bytes, File.ReadAllBytes(middle)); // refused, not cut
        }
        finally
        {
            JournalKit.Delete(dir);
            File.Delete(reordered);
        }
    }

    [Fact]
    public void A_gate_restarted_over_a_torn_tail_cuts_it_replays_and_goes_on_to_the_uninterrupted_state()
    {
        string dir = JournalKit.NewDirectory();
        try
        {
            var config = GateHostTests.LoopbackConfig().WithJournal(dir) with { JournalDurability = DurabilityPolicy.Batch };
            var inputs = GateHostTests.Workload(config.BuildEngine());
            GateHostTests.Expected(config, inputs, out ulong expectedHash);
            int half = inputs.Count / 2;
            RunGate(config, inputs, 0, half);
            // A crash in the middle of appending record `half`: its last 5 bytes never reached the file.
            string last = JournalKit.Segments(dir)[^1];
            var bytes = File.ReadAllBytes(last);
            File.WriteAllBytes(last, bytes[..^5]);
            // Restart: the torn record is cut and reported; the exchange re-sends from the gate's position.
            using (var gate = GateHost.Start(config))
            {
                var torn = gate.JournalOpened!.TornTail!;
                Assert.Equal(Path.GetFileName(last), torn.Segment);
                Assert.Equal(bytes.Length - 5, torn.Offset + torn.Bytes);
                Assert.Equal(half - 1, gate.Counters.Replayed.Value);
                Assert.Equal(0, gate.RedoInputs); // the clean stop before marked every decision: nothing to feed again
                Assert.True(gate.Stop(TestSupport.Timeout));
            }
            RunGate(config, inputs, half - 1, inputs.Count);
            // The journal now holds every input once, and a fresh replay reaches the uninterrupted state.
            var engine = config.BuildEngine();
            var replay = InputJournal.Replay(dir, engine, ConfigFingerprint.Of(config));
            Assert.Null(replay.Error);
            Assert.Null(replay.Scan.TornTail);
            Assert.Equal(inputs.Count, replay.Records);
            Assert.Equal(expectedHash, engine.StateHash());
        }
        finally { JournalKit.Delete(dir); }
    }

    // Starts the gate on the journal, sends inputs[from..to) with sender sequences from+1…, stops.
    private static void RunGate(GateConfig config, List<RiskInput> inputs, int from, int to)
    {
        using var gate = GateHost.Start(config);
        using var peer = new GateHostTests.Peer(config);
        long replayed = gate.Counters.Replayed;
        Assert.Equal(from, replayed);
        peer.Pump(() => peer.OrderFlow.IsConnected && peer.Decisions.IsConnected, TestSupport.Timeout);
        var buffer = new byte[InputCodec.MaxLength];
        for (int i = from; i < to; i++)
        {
            peer.Send(buffer.AsSpan(0, InputCodec.Encode(inputs[i], i + 1, buffer)));
            peer.Pump(() => true, TimeSpan.FromSeconds(1));
        }
        peer.Pump(() => gate.ProcessorCounters.Inputs == to - from, TimeSpan.FromSeconds(30));
        Assert.True(gate.Stop(TestSupport.Timeout));
    }

    private static (int Code, string Stdout, string Stderr) Cli(params string[] args)
    {
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000), "crossmargin did not exit");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
