using CrossMargin.Gate.Config;
using CrossMargin.Gate.Host;
using CrossMargin.Gate.Tests.Cli;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CrossMargin.Gate.Tests;

/// <summary>Issue 10, "config means run": what <c>config</c> accepts, <c>run</c> starts; what it refuses is named.</summary>
public class GateConfigRunTests
{
    private static string Default => GateConfig.DefaultJson();

    private static string WithPorts(string json, int md, int of, int dec) => json
        .Replace("127.0.0.1:40456", $"127.0.0.1:{md}").Replace("127.0.0.1:40457", $"127.0.0.1:{of}").Replace("127.0.0.1:40458", $"127.0.0.1:{dec}");

    private static string Small(string json) => json.Replace("\"accounts\": 20000", "\"accounts\": 64")
        .Replace("\"inbound\": 65536", "\"inbound\": 1024").Replace("\"outbound\": 262144", "\"outbound\": 1024").Replace("\"termLength\": 16777216", "\"termLength\": 65536");

    [Theory]
    [InlineData("127.0.0.1:40456", "127.0.0.1:70000", "config.aeron.marketData.channel: endpoint '127.0.0.1:70000' needs a port in 1..65535")]
    [InlineData("127.0.0.1:40456", "127.0.0.1:-1", "config.aeron.marketData.channel: endpoint '127.0.0.1:-1' needs a port in 1..65535")]
    [InlineData("endpoint=127.0.0.1:40456", "interface=127.0.0.1", "config.aeron.marketData.channel: 'endpoint=host:port' is missing")]
    [InlineData("127.0.0.1:40456", "no-such-host.invalid:40456", "config.aeron.marketData.channel: ")]
    [InlineData("\"termLength\": 16777216", "\"termLength\": 4", "config.aeron.termLength: 4 is not a power of two in 65536..1073741824")]
    [InlineData("\"mtu\": 1408", "\"mtu\": 1000", "config.aeron.mtu: 1000 must be")]
    [InlineData("127.0.0.1:40457", "127.0.0.1:40456", "config.aeron.orderFlow.channel: port 40456 is already used by config.aeron.marketData")]
    [InlineData("\"riskCpu\": -1", "\"riskCpu\": 4095", "config.threads.riskCpu: CPU 4095 does not exist")]
    [InlineData("\"pollerCpu\": -1, \"riskCpu\": -1", "\"pollerCpu\": 0, \"riskCpu\": 0", "config.threads.riskCpu: CPU 0 is also the poller's")]
    [InlineData("\"inbound\": 65536", "\"inbound\": 32", "config.rings.inbound: 32 is below 64")]
    [InlineData("\"threads\":", "\"journal\": { \"path\": \"/no/such/dir/inputs.journal\" },\n  \"threads\":", "config.journal.path: directory '/no/such/dir' does not exist")]
    [InlineData("\"threads\":", "\"journal\": { \"path\": \"/proc/version\" },\n  \"threads\":", "config.journal.path: '/proc/version' is a file; a journal is a directory")]
    public void What_run_cannot_start_with_is_refused_naming_the_key(string from, string to, string expected)
    {
        Assert.Contains(from, Default);
        var ex = Assert.Throws<GateConfigException>(() => GateConfig.Parse(Default.Replace(from, to)));
        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
    }

    /// <summary>One configuration drawn around the edges of what <c>run</c> needs.</summary>
    public sealed record Variant(int Md, int Of, int Dec, string Host, int TermLength, int Mtu, int Inbound, int PollerCpu, int RiskCpu, bool Journal, bool JournalDirMissing)
    {
        public string Json(int[] free)
        {
            int Port(int choice) => choice is >= 0 and < 3 ? free[choice] : choice; // 0..2: a free port; otherwise the literal value
            string json = WithPorts(Small(Default), Port(Md), Port(Of), Port(Dec))
                .Replace("\"termLength\": 65536", $"\"termLength\": {TermLength}")
                .Replace("\"mtu\": 1408", $"\"mtu\": {Mtu}")
                .Replace("\"inbound\": 1024", $"\"inbound\": {Inbound}")
                .Replace("\"pollerCpu\": -1, \"riskCpu\": -1", $"\"pollerCpu\": {PollerCpu}, \"riskCpu\": {RiskCpu}")
                .Replace("127.0.0.1:", Host + ":");
            if (Journal)
            {
                string path = Path.Combine(Path.GetTempPath(), JournalDirMissing ? "cm-missing-dir-" + Guid.NewGuid().ToString("N") : "", $"cm-prop-{Guid.NewGuid():N}.journal");
                json = json.Replace("\"threads\":", $"\"journal\": {{ \"path\": \"{path}\" }},\n  \"threads\":");
            }
            return json;
        }
    }

    private static Arbitrary<Variant> Variants()
    {
        // Mostly valid values, with the edges run must not start on mixed in: about a fifth of the
        // drawn configurations are valid in every dimension, the rest fail in one or more.
        static Gen<T> Mostly<T>(T valid, int weight, params T[] others) => Gen.Elements([.. Enumerable.Repeat(valid, weight), .. others]);
        Gen<int> Port(int own) => Mostly(own, 20, (own + 1) % 3, -1, 70000);
        var gen =
            from md in Port(0)
            from of in Port(1)
            from dec in Port(2)
            from host in Mostly("127.0.0.1", 8, "localhost", "no-such-host.invalid", "::1")
            from term in Mostly(65536, 6, 131072, 1 << 20, 4, 65535, 3 * 65536)
            from mtu in Mostly(1408, 6, 4096, 65504, 1000, 32)
            from inbound in Mostly(1024, 6, 64, 128, 32)
            from poller in Mostly(-1, 6, 0, 1, 4095)
            from risk in Mostly(-1, 6, 0, 1, 4095)
            from journal in Gen.Elements(false, true)
            from missing in Mostly(false, 9, true)
            select new Variant(md, of, dec, host, term, mtu, inbound, poller, risk, journal, missing);
        return Arb.From(gen);
    }

    [Property(MaxTest = 40)]
    public Property Config_accepts_implies_run_starts() => Prop.ForAll(Variants(), v =>
    {
        var free = GateProcess.FreeUdpPorts(3);
        string json = v.Json(free);
        GateConfig config;
        try { config = GateConfig.Parse(json); }
        catch (GateConfigException ex)
        {
            // Refused: the message names a key of the file.
            Assert.StartsWith("config.", ex.Message, StringComparison.Ordinal);
            return true;
        }
        using var gate = GateHost.Start(config); // throws if run could not start
        Assert.Null(gate.Fault);
        Assert.True(gate.Stop(TimeSpan.FromSeconds(10)));
        if (config.JournalPath is { } j && Directory.Exists(j)) Directory.Delete(j, recursive: true);
        return true;
    });

    [Fact]
    public void The_generator_reaches_both_accepted_and_refused_configurations()
    {
        // Guards the property against only ever testing one side.
        int accepted = 0, refused = 0;
        foreach (var v in Variants().Generator.Sample(100))
        {
            try { GateConfig.Parse(v.Json(GateProcess.FreeUdpPorts(3))); accepted++; }
            catch (GateConfigException) { refused++; }
        }
        Assert.True(accepted > 0 && refused > 0, $"accepted {accepted}, refused {refused}");
    }
}
