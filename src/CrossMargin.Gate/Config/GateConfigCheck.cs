using System.Net;
using System.Net.Sockets;
using CrossMargin.Aeron.Uri;

namespace CrossMargin.Gate.Config;

/// <summary>
/// Everything <c>crossmargin run</c> needs from a configuration beyond its shape, checked before a
/// gate starts (issue 10: "config means run"): channels that parse and resolve to IPv4 endpoints
/// with ports in 1..65535, three distinct ports, legal MTU and term lengths, rings the network
/// thread can poll into, an existing journal directory, and CPUs this machine has.
/// </summary>
/// <remarks>Each problem names the key (<c>config.aeron.orderFlow.channel</c>) and says what is wrong.</remarks>
public static class GateConfigCheck
{
    /// <summary>Smallest inbound ring: the network thread polls only when a whole fragment batch (64) fits.</summary>
    public const int MinInboundRing = 64;

    /// <summary>Every problem that would stop <paramref name="config"/> from running on this machine; empty when it runs.</summary>
    public static List<string> ForRun(GateConfig config)
    {
        var problems = new List<string>();
        var endpoints = new List<(string Key, IPEndPoint Endpoint)>();
        Channel("marketData", config.MarketData, problems, endpoints);
        Channel("orderFlow", config.OrderFlow, problems, endpoints);
        Channel("decisions", config.Decisions, problems, endpoints);
        if (config.Admin is { } admin) Channel("admin", admin, problems, endpoints);
        if (config.Recovery is { } recovery) Channel("recovery", recovery, problems, endpoints);
        if (config.DecisionReplay is { } replay) Channel("decisionReplay", replay, problems, endpoints);
        for (int i = 0; i < endpoints.Count; i++)
            for (int j = 0; j < i; j++)
                if (endpoints[i].Endpoint.Port == endpoints[j].Endpoint.Port)
                    problems.Add($"config.aeron.{endpoints[i].Key}.channel: port {endpoints[i].Endpoint.Port} is already used by config.aeron.{endpoints[j].Key}; every channel of the gate needs its own port");
        if (config.MarketData.StreamId == config.OrderFlow.StreamId && endpoints.Count >= 2 && endpoints[0].Key == "marketData" && endpoints[1].Key == "orderFlow" && endpoints[0].Endpoint.Equals(endpoints[1].Endpoint))
            problems.Add("config.aeron.orderFlow.streamId: same endpoint and stream id as market data");
        if (config.InboundRing < MinInboundRing)
            problems.Add($"config.rings.inbound: {config.InboundRing} is below {MinInboundRing} (the network thread polls a batch of 64 fragments only when they fit)");
        if (config.OutboundRing < 2)
            problems.Add("config.rings.outbound: at least 2 slots");
        if (config.DecisionLogBytes < 1024 || (config.DecisionLogBytes & (config.DecisionLogBytes - 1)) != 0)
            problems.Add($"config.rings.decisionLog: {config.DecisionLogBytes} must be a power of two of at least 1024 bytes");
        if (!CrossMargin.Aeron.Terms.LogBufferDescriptor.IsValidTermLength(config.TermLength))
            problems.Add($"config.aeron.termLength: {config.TermLength} is not a power of two in 65536..1073741824");
        if (config.Mtu <= 32 || config.Mtu > 65504 || config.Mtu % 32 != 0)
            problems.Add($"config.aeron.mtu: {config.Mtu} must be above 32, at most 65504 and a multiple of 32");
        if (config.JournalPath is { } journal)
        {
            // The journal is a directory of segments (created when missing); its parent must exist.
            if (File.Exists(journal)) problems.Add($"config.journal.path: '{journal}' is a file; a journal is a directory of segments (a journal of the old single-file format must be moved away)");
            else if (!Directory.Exists(journal))
            {
                string dir = Path.GetDirectoryName(Path.GetFullPath(journal)) ?? ".";
                if (!Directory.Exists(dir)) problems.Add($"config.journal.path: directory '{dir}' does not exist");
            }
        }
        int cpus = Environment.ProcessorCount;
        if (config.PollerCpu >= cpus) problems.Add($"config.threads.pollerCpu: CPU {config.PollerCpu} does not exist (this machine has CPUs 0..{cpus - 1})");
        if (config.RiskCpu >= cpus) problems.Add($"config.threads.riskCpu: CPU {config.RiskCpu} does not exist (this machine has CPUs 0..{cpus - 1})");
        if (config.PollerCpu >= 0 && config.PollerCpu == config.RiskCpu)
            problems.Add($"config.threads.riskCpu: CPU {config.RiskCpu} is also the poller's; two spinning threads on one CPU starve each other");
        return problems;
    }

    private static void Channel(string key, ChannelConfig channel, List<string> problems, List<(string, IPEndPoint)> endpoints)
    {
        string where = $"config.aeron.{key}.channel";
        UdpChannel udp;
        try
        {
            var uri = ChannelUri.Parse(channel.Channel);
            if (uri.Get(ChannelUri.EndpointKey) is not { } endpoint) { problems.Add($"{where}: 'endpoint=host:port' is missing in '{channel.Channel}'"); return; }
            int colon = endpoint.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(endpoint.AsSpan(colon + 1), out int port) || port < 1 || port > 65535)
            { problems.Add($"{where}: endpoint '{endpoint}' needs a port in 1..65535"); return; }
            udp = UdpChannel.Parse(channel.Channel); // the configured mtu and termLength are checked under their own keys
        }
        catch (FormatException ex) { problems.Add($"{where}: {ex.Message}"); return; }
        catch (SocketException ex) { problems.Add($"{where}: cannot resolve host in '{channel.Channel}': {ex.Message}"); return; }
        catch (Exception ex) when (ex is ArgumentException or OverflowException) { problems.Add($"{where}: {ex.Message}"); return; }
        if (udp.Endpoint.AddressFamily != AddressFamily.InterNetwork) { problems.Add($"{where}: endpoint must be an IPv4 address (got {udp.Endpoint.Address})"); return; }
        if (udp.Interface is { AddressFamily: not AddressFamily.InterNetwork }) { problems.Add($"{where}: interface must be an IPv4 address"); return; }
        endpoints.Add((key, udp.Endpoint));
    }
}
