using System.Security.Cryptography;

namespace CrossMargin.Messages;

/// <summary>
/// Optional per-message authentication on the gate's inbound streams: an HMAC-SHA256 tag of the whole SBE
/// message, appended as a 32-byte trailer (<c>message ‖ HMAC-SHA256(key, message)</c>). The gate verifies it
/// before decoding, in constant time, and refuses a message whose tag is missing or wrong.
/// </summary>
/// <remarks>
/// One instance per thread (not thread-safe): it keeps one keyed HMAC context (<see cref="IncrementalHash"/>)
/// and resets it per message, which measured about half to a third of the one-shot
/// <see cref="HMACSHA256.HashData(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte})"/> (that re-keys a new
/// context every call; perf/CrossMargin.Aeron.Benchmarks AuthenticationBenchmarks). Tags go to stack buffers:
/// no allocation per message. The tag proves the message was made by a holder of the key and not altered; it
/// does not stop a captured message being sent again (see the README's threat model).
/// </remarks>
public sealed class MessageAuthentication : IDisposable
{
    /// <summary>Length of the trailer (an HMAC-SHA256 tag).</summary>
    public const int TagLength = HMACSHA256.HashSizeInBytes;

    /// <summary>Shortest key accepted: as long as the tag (RFC 2104: shorter keys weaken it).</summary>
    public const int MinKeyLength = 32;

    /// <summary>Largest key file read (keys longer than SHA-256's 64-byte block are hashed anyway).</summary>
    public const int MaxKeyFileLength = 4096;

    private readonly IncrementalHash _hmac;

    /// <summary>An authenticator for <paramref name="key"/> (at least <see cref="MinKeyLength"/> bytes).</summary>
    public MessageAuthentication(ReadOnlySpan<byte> key)
    {
        if (key.Length < MinKeyLength) throw new ArgumentException($"an HMAC key needs at least {MinKeyLength} bytes", nameof(key));
        _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
    }

    /// <summary>
    /// Appends the tag of <c>buffer[..messageLength]</c> after it; returns the signed length, or −1 when
    /// <paramref name="buffer"/> has no room for the trailer.
    /// </summary>
    public int Sign(Span<byte> buffer, int messageLength)
    {
        if ((uint)messageLength > (uint)buffer.Length || buffer.Length - messageLength < TagLength) return -1;
        _hmac.AppendData(buffer[..messageLength]);
        _hmac.TryGetHashAndReset(buffer.Slice(messageLength, TagLength), out _);
        return messageLength + TagLength;
    }

    /// <summary>
    /// True when <paramref name="signed"/> ends with the right tag of what precedes it (compared in constant
    /// time); <paramref name="message"/> is then the message without its trailer.
    /// </summary>
    public bool TryVerify(ReadOnlySpan<byte> signed, out ReadOnlySpan<byte> message)
    {
        message = default;
        if (signed.Length < TagLength) return false;
        ReadOnlySpan<byte> body = signed[..^TagLength];
        Span<byte> expected = stackalloc byte[TagLength];
        _hmac.AppendData(body);
        _hmac.TryGetHashAndReset(expected, out _);
        if (!CryptographicOperations.FixedTimeEquals(expected, signed[^TagLength..])) return false;
        message = body;
        return true;
    }

    /// <inheritdoc/>
    public void Dispose() => _hmac.Dispose();

    /// <summary>
    /// Reads a key file: its raw bytes, at least <see cref="MinKeyLength"/> (e.g. <c>head -c 32 /dev/urandom</c>).
    /// Null with the problem when it cannot be used.
    /// </summary>
    public static byte[]? TryReadKeyFile(string path, out string? problem)
    {
        byte[] key;
        try
        {
            // Read at most one byte past the limit: a device such as /dev/zero never ends.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read);
            var buffer = new byte[MaxKeyFileLength + 1];
            int length = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            if (length > MaxKeyFileLength)
            {
                problem = $"key file '{path}' is longer than {MaxKeyFileLength} bytes (is it the right file?)";
                return null;
            }
            key = buffer[..length];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            problem = $"cannot read key file '{path}': {ex.Message}";
            return null;
        }
        if (key.Length < MinKeyLength)
        {
            problem = $"key file '{path}' holds {key.Length} bytes; at least {MinKeyLength} random bytes are needed (head -c 32 /dev/urandom > FILE)";
            return null;
        }
        problem = null;
        return key;
    }
}
