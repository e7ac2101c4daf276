using CrossMargin.Aeron.Protocol;

namespace CrossMargin.Aeron.Client;

/// <summary>Receives one whole message (fragments already reassembled). The span is only valid during the call.</summary>
public delegate void FragmentHandler(ReadOnlySpan<byte> buffer, in FragmentHeader header);

/// <summary>
/// Struct-friendly handler: pass a struct implementing this to <see cref="Subscription.Poll{THandler}"/> and
/// the JIT specialises and inlines the call.
/// </summary>
public interface IFragmentHandler
{
    /// <summary>Receives one whole message; the span is only valid during the call.</summary>
    void OnFragment(ReadOnlySpan<byte> buffer, in FragmentHeader header);
}

/// <summary>Adapts a <see cref="FragmentHandler"/> delegate to <see cref="IFragmentHandler"/>.</summary>
public struct DelegateFragmentHandler(FragmentHandler handler) : IFragmentHandler
{
    /// <inheritdoc/>
    public readonly void OnFragment(ReadOnlySpan<byte> buffer, in FragmentHeader header) => handler(buffer, header);
}

/// <summary>Identity of an image (one publisher's stream as seen by a subscription).</summary>
public sealed record ImageInfo(int SessionId, int StreamId, int InitialTermId, int TermLength, int Mtu, long JoinPosition, string SourceIdentity);
