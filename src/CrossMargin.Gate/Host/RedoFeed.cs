namespace CrossMargin.Gate.Host;

/// <summary>
/// Journaled inputs whose decisions a crash lost (they were journaled, but their decisions never
/// reached the on-disk decision log): read at start-up, fed through the risk processor again before
/// any live input so that their decisions are produced, logged and sent (issue 9, item 4).
/// </summary>
/// <remarks>
/// Built on the start-up thread (cold; holds the records in memory: at most what was in flight at the
/// crash — the rings and one duty cycle), read by the network thread only after it starts.
/// </remarks>
public sealed class RedoFeed
{
    private readonly List<(int Session, int Stream, byte[] Message)> _records = [];
    private int _next;

    /// <summary>Inputs held.</summary>
    public int Count => _records.Count;

    /// <summary>Inputs not fed yet.</summary>
    public int Remaining => _records.Count - _next;

    /// <summary>Adds the next journal record (start-up thread).</summary>
    public void Add(int sessionId, int streamId, ReadOnlySpan<byte> message) => _records.Add((sessionId, streamId, message.ToArray()));

    /// <summary>The next input to feed: its publisher and message as journaled.</summary>
    public bool TryNext(out int sessionId, out int streamId, out ReadOnlySpan<byte> message)
    {
        if (_next == _records.Count) { sessionId = streamId = 0; message = default; return false; }
        var (session, stream, bytes) = _records[_next++];
        sessionId = session;
        streamId = stream;
        message = bytes;
        return true;
    }
}
