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
            throw new CliException("the gate has no admin channel (config.aeron.admin): stop it and run `crossmargin resume --journal DIR` on its journal (without a journal, restarting the gate lifts the halt)", 1);
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

    /// <summary>
    /// Lifts halts in the <c>publisher-halts</c> file of the stopped gate whose journal is <paramref name="journalDirectory"/>
    /// (one publisher, or every halted one with 0, 0): appends a resume record per publisher, synced. Exit 0 when
    /// something was resumed; 1 when the journal is in use or the publisher is not halted; 2 when the file is damaged.
    /// </summary>
    public static int ExecuteOffline(string journalDirectory, int sessionId, int streamId, TextWriter output)
    {
        if (!Directory.Exists(journalDirectory)) throw new CliException($"no journal directory {journalDirectory}", 1);
        FileStream lockFile;
        // The journal's writer lock: a running gate owns its halts (resume it over the admin channel instead).
        try { lockFile = new FileStream(Path.Combine(journalDirectory, "LOCK"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1); }
        catch (IOException) { throw new CliException($"journal {journalDirectory} is in use by a running gate: resume over its admin channel (crossmargin resume --config F)", 1); }
        using (lockFile)
        {
            try
            {
                if (Journal.HaltJournal.ReadHalted(journalDirectory) is not { Count: > 0 } halted)
                    throw new CliException($"no publisher is halted in journal {journalDirectory}", 1);
                var chosen = halted.Where(h => (sessionId == 0 && streamId == 0) || (h.SessionId == sessionId && h.StreamId == streamId)).ToList();
                if (chosen.Count == 0)
                    throw new CliException($"publisher session {sessionId} stream {streamId} is not halted (halted: {string.Join("; ", halted)})", 1);
                using var halts = Journal.HaltJournal.Open(journalDirectory, out _);
                foreach (var h in chosen)
                {
                    if (!halts.RecordResume(h.SessionId, h.StreamId)) throw new CliException($"{halts.Path}: the resume record could not be written", 1);
                    output.WriteLine($"resumed (recorded in {halts.Path}): {h}; the gate takes its new risk again at the next start");
                }
                return 0;
            }
            catch (Journal.JournalException ex) { throw new CliException(ex.Message, 2); }
        }
    }
}
