using CrossMargin.Core.Engine;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Journal;
using CrossMargin.Messages;

namespace CrossMargin.Gate.Tests.JournalTests;

/// <summary>Temporary journal directories and journals built from real inputs.</summary>
internal static class JournalKit
{
    public static string NewDirectory() => Path.Combine(Path.GetTempPath(), $"cm-journal-{Guid.NewGuid():N}");

    public static void Delete(string directory)
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    public static JournalOptions Options(GateConfig config, long segmentBytes = JournalFormat.DefaultSegmentBytes, DurabilityPolicy? durability = null) =>
        new(ConfigFingerprint.Of(config), durability ?? DurabilityPolicy.None, segmentBytes);

    /// <summary>The SBE messages of the gate tests' workload, as a sender would send them (sequence i + 1).</summary>
    public static List<byte[]> Messages(GateConfig config)
    {
        var inputs = GateHostTests.Workload(config.BuildEngine());
        var buffer = new byte[InputCodec.MaxLength];
        var messages = new List<byte[]>(inputs.Count);
        for (int i = 0; i < inputs.Count; i++) messages.Add(buffer.AsSpan(0, InputCodec.Encode(inputs[i], i + 1, buffer)).ToArray());
        return messages;
    }

    /// <summary>Writes <paramref name="messages"/> to a new journal in <paramref name="directory"/>.</summary>
    public static void Write(string directory, JournalOptions options, IReadOnlyList<byte[]> messages, int commitEvery = 7)
    {
        using var w = JournalWriter.Open(directory, options, out var report);
        Assert.Equal(JournalFormat.FirstSequence, report.NextSequence);
        for (int i = 0; i < messages.Count; i++)
        {
            Assert.Equal(AppendResult.Ok, w.Append(w.NextSequence, messages[i]));
            if (i % commitEvery == commitEvery - 1) w.Commit();
        }
    }

    /// <summary>Every intact record, in order.</summary>
    public static (JournalScan Scan, List<(long Sequence, byte[] Message)> Records) ReadAll(string directory, ConfigFingerprint? expected = null)
    {
        var collect = new Collect { Records = [] };
        var scan = JournalReader.Scan(directory, expected, false, ref collect);
        return (scan, collect.Records);
    }

    /// <summary>Segment files in index order.</summary>
    public static string[] Segments(string directory)
    {
        var files = Directory.GetFiles(directory, "segment-*.cmj");
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    /// <summary>The state a fresh engine reaches from <paramref name="messages"/>.</summary>
    public static ulong HashOf(GateConfig config, IEnumerable<byte[]> messages)
    {
        var engine = config.BuildEngine();
        foreach (var m in messages)
        {
            Assert.Equal(DecodeResult.Ok, InputCodec.TryDecode(m, out RiskInput input, out _));
            engine.Process(input);
        }
        return engine.StateHash();
    }

    private struct Collect : IJournalVisitor
    {
        public List<(long, byte[])> Records;

        public readonly string? OnRecord(long sequence, int sessionId, int streamId, ReadOnlySpan<byte> message)
        {
            Records.Add((sequence, message.ToArray()));
            return null;
        }
    }
}
