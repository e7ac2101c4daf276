using CrossMargin.Core.Engine;
using CrossMargin.Disruptor.Processing;
using CrossMargin.Gate.Pipeline;
using CrossMargin.Messages;

namespace CrossMargin.Gate.Journal;

/// <summary>
/// The journaler: a consumer of the inbound ring in parallel with the risk processor (its own
/// thread), committing at the end of every batch so its sequence only ever covers records that are
/// as durable as the policy promises.
/// </summary>
/// <remarks>
/// If the writer fails (disk full, I/O error), the handler parks instead of returning: its sequence
/// then never covers an input that is not journaled, so no decision of one is published; the gate
/// reports <see cref="JournalWriter.Fault"/> and the inbound ring fills up (intake stops, loudly).
/// </remarks>
public readonly struct JournalHandler(JournalWriter writer) : IEventHandler<InboundEvent>
{
    private readonly byte[] _scratch = new byte[Math.Max(InputCodec.MaxLength, InputErrorCodec.Length)];

    /// <inheritdoc />
    public void OnEvent(ref InboundEvent data, long sequence, bool endOfBatch)
    {
        // Definitions come from the config at start-up: not journaled. A malformed input keeps its
        // place in the order as its input-error message; replay counts it and applies nothing.
        // A redo input (fed again at start-up for its lost decisions) is in the journal already.
        if (data.Redo) { if (endOfBatch) Commit(); return; }
        if (data.Kind == InboundKind.Input && data.ReceivedLength > 0)
        {
            // The bytes the sender sent (design.md, "Nothing lost"): a replay decodes exactly these.
            Append(data.SessionId, data.StreamId, ((ReadOnlySpan<byte>)data.Received)[..data.ReceivedLength]);
        }
        else
        {
            // An input not from the wire (a scenario feed, a test) has no received bytes: its canonical encoding is the message.
            int n = data.Kind switch
            {
                InboundKind.Input => InputCodec.Encode(data.Input, data.Tag, _scratch),
                InboundKind.Malformed => InputErrorCodec.Encode(data.Tag, ProcessStatus.Applied, data.DecodeResult, _scratch),
                _ => 0,
            };
            if (n > 0) Append(data.SessionId, data.StreamId, _scratch.AsSpan(0, n));
        }
        if (endOfBatch) Commit();
    }

    /// <summary>
    /// Journals one message received from publisher (<paramref name="sessionId"/>, <paramref name="streamId"/>)
    /// under the next sequence (parks on a failure, see remarks).
    /// </summary>
    public void Append(int sessionId, int streamId, ReadOnlySpan<byte> received)
    {
        AppendResult result;
        try { result = writer.Append(writer.NextSequence, sessionId, streamId, received); }
        catch (IOException) { result = AppendResult.Faulted; }
        if (result == AppendResult.Ok) return;
        writer.MarkFaulted(writer.Fault ?? new InvalidOperationException($"journal append refused: {result}"));
        Park();
    }

    /// <inheritdoc />
    public void OnBatchStart(long batchSize) { }

    /// <inheritdoc />
    public void OnStart() { }

    /// <inheritdoc />
    public void OnShutdown()
    {
        if (writer.Fault is null) Commit();
    }

    private void Commit()
    {
        try { writer.Commit(); }
        catch (IOException) { Park(); }
    }

    // Never return past an input that is not journaled (see remarks). Cold: only after a failure.
    private static void Park()
    {
        while (true) Thread.Sleep(1000);
    }
}
