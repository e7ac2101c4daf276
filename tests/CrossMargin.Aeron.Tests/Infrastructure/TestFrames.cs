using CrossMargin.Aeron.Protocol;

namespace CrossMargin.Aeron.Tests.Infrastructure;

/// <summary>Hand-built control frames for receiver tests (one builder, so the field order is written once).</summary>
internal static class TestFrames
{
    /// <summary>A SETUP frame with initial and active term id 7 and TTL 0.</summary>
    public static byte[] Setup(int sessionId, int streamId, int termLength = 64 * 1024, int mtu = 1408, int termOffset = 0)
    {
        byte[] frame = new byte[SetupFlyweight.Length];
        new SetupFlyweight(frame).Write(0, termOffset, sessionId, streamId, 7, 7, termLength, mtu, 0);
        return frame;
    }
}
