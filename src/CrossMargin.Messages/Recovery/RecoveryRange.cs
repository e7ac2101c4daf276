namespace CrossMargin.Messages.Recovery;

/// <summary>
/// A publisher's sequence range in the recovery protocol: which request it belongs to, the first and
/// last sequence (inclusive) and the publisher (Aeron session and stream) whose numbering they are.
/// </summary>
/// <param name="RequestId">The asker's id of the request (echoed in the answer).</param>
/// <param name="FromSequence">First sequence of the range.</param>
/// <param name="ToSequence">Last sequence of the range (inclusive; at least <paramref name="FromSequence"/>).</param>
/// <param name="SessionId">Aeron session id of the publication that numbered the range.</param>
/// <param name="StreamId">Stream that publication sends on.</param>
public readonly record struct RecoveryRange(long RequestId, long FromSequence, long ToSequence, int SessionId, int StreamId)
{
    /// <summary>Sequences in the range (0 when the range is inverted).</summary>
    public long Count => ToSequence >= FromSequence ? ToSequence - FromSequence + 1 : 0;
}
