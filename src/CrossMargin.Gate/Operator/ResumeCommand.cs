using System.Diagnostics;
using CrossMargin.Aeron;
using CrossMargin.Concurrency;
using CrossMargin.Gate.Cli;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Host;
using CrossMargin.Messages;
using CrossMargin.Messages.Recovery;

namespace CrossMargin.Gate.Operator;

/// <summary>
/// <c>crossmargin resume</c>: the operator's act after an unrecoverable order-flow gap (issue 9). Sends
/// a PublisherResume on the gate's admin channel, which lifts the new-risk halt of one publisher
/// (Aeron session and stream, as the gate's RECOVERY FAILED line names it) or of every halted one.
/// </summary>
public static class ResumeCommand
{
    /// <summary>Sends the resume; exit 0 once the admin publication took it.</summary>
    public static int Execute(GateConfig config, int sessionId, int streamId, TextWriter output, TimeSpan timeout)
    {
        if (config.Admin is not { } admin)
            throw new CliException("the gate has no admin channel (config.aeron.admin): a halted publisher can only be resumed by restarting the gate", 1);
        using var driver = new EmbeddedDriver();
        var publication = driver.AddPublication(GateHost.WithTransportParams(admin.Channel, config), admin.StreamId);
        var idle = new BackoffIdleStrategy();
        var clock = Stopwatch.StartNew();
        while (!publication.IsConnected)
        {
            if (clock.Elapsed > timeout) throw new CliException($"no gate subscribed to the admin channel {admin.Channel} stream {admin.StreamId} within {timeout.TotalSeconds:F0} s", 1);
            idle.Idle(driver.DoWork());
        }
        var buffer = new byte[PublisherResumeCodec.Length + MessageAuthentication.TagLength];
        int n = PublisherResumeCodec.Encode(sessionId, streamId, buffer);
        using var authentication = config.HmacKey is { } key ? new MessageAuthentication(key) : null;
        if (authentication is not null) n = authentication.Sign(buffer, n); // the gate verifies admin messages too
        while (publication.Offer(buffer.AsSpan(0, n)) < 0)
        {
            if (clock.Elapsed > timeout) throw new CliException($"the admin channel did not take the resume within {timeout.TotalSeconds:F0} s", 1);
            idle.Idle(driver.DoWork());
        }
        // Linger so the frame leaves before the driver closes.
        var linger = Stopwatch.StartNew();
        while (linger.Elapsed < TimeSpan.FromMilliseconds(200)) idle.Idle(driver.DoWork());
        output.WriteLine(sessionId == 0 && streamId == 0
            ? "resume sent: every halted publisher takes new risk again (check recovery.publishers_halted with crossmargin stat)"
            : $"resume sent: publisher session {sessionId} stream {streamId} takes new risk again (check recovery.publishers_halted with crossmargin stat)");
        return 0;
    }
}
