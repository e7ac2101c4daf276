using System.Security.Cryptography;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CrossMargin.Messages.Tests;

/// <summary>The HMAC-SHA256 trailer (issue 10): signed messages verify, any change to message, tag or key fails.</summary>
public class MessageAuthenticationTests
{
    private static Gen<byte[]> Bytes(int min, int max) => Gen.Choose(min, max).SelectMany(n => Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf(n));

    public static Arbitrary<(byte[] Key, byte[] Message)> KeyAndMessage() =>
        Gen.Zip(Bytes(MessageAuthentication.MinKeyLength, 96), Bytes(0, 300)).ToArbitrary();

    [Property(Arbitrary = [typeof(MessageAuthenticationTests)], MaxTest = 300)]
    public void A_signed_message_verifies_and_yields_the_message((byte[] Key, byte[] Message) c)
    {
        var buffer = new byte[c.Message.Length + MessageAuthentication.TagLength];
        c.Message.CopyTo(buffer, 0);
        int n = MessageAuthentication.Sign(c.Key, buffer, c.Message.Length);
        Assert.Equal(buffer.Length, n);
        Assert.Equal(HMACSHA256.HashData(c.Key, c.Message), buffer[c.Message.Length..]); // the trailer is the standard HMAC
        Assert.True(MessageAuthentication.TryVerify(c.Key, buffer, out var message));
        Assert.Equal(c.Message, message.ToArray());
    }

    [Property(Arbitrary = [typeof(MessageAuthenticationTests)], MaxTest = 300)]
    public void Flipping_any_bit_of_message_or_tag_fails((byte[] Key, byte[] Message) c, PositiveInt position, byte bit)
    {
        var buffer = new byte[c.Message.Length + MessageAuthentication.TagLength];
        c.Message.CopyTo(buffer, 0);
        MessageAuthentication.Sign(c.Key, buffer, c.Message.Length);
        buffer[position.Get % buffer.Length] ^= (byte)(1 << (bit % 8));
        Assert.False(MessageAuthentication.TryVerify(c.Key, buffer, out var message));
        Assert.True(message.IsEmpty);
    }

    [Property(Arbitrary = [typeof(MessageAuthenticationTests)], MaxTest = 200)]
    public void Another_key_fails((byte[] Key, byte[] Message) c, PositiveInt position)
    {
        var buffer = new byte[c.Message.Length + MessageAuthentication.TagLength];
        c.Message.CopyTo(buffer, 0);
        MessageAuthentication.Sign(c.Key, buffer, c.Message.Length);
        byte[] other = (byte[])c.Key.Clone();
        other[position.Get % other.Length] ^= 0x01;
        Assert.False(MessageAuthentication.TryVerify(other, buffer, out _));
    }

    [Fact]
    public void Shorter_than_a_tag_fails_and_no_room_for_the_tag_is_refused()
    {
        byte[] key = new byte[32];
        Assert.False(MessageAuthentication.TryVerify(key, new byte[MessageAuthentication.TagLength - 1], out _));
        Assert.Equal(-1, MessageAuthentication.Sign(key, new byte[40], 10)); // 10 + 32 > 40
    }

    [Fact]
    public void Key_files_shorter_than_32_bytes_or_missing_are_refused_with_the_reason()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, new byte[31]);
            Assert.Null(MessageAuthentication.TryReadKeyFile(path, out string? problem));
            Assert.Contains("31 bytes", problem);
            File.WriteAllBytes(path, new byte[32]);
            Assert.Equal(32, MessageAuthentication.TryReadKeyFile(path, out problem)!.Length);
            Assert.Null(MessageAuthentication.TryReadKeyFile(path + ".missing", out problem));
            Assert.Contains("cannot read key file", problem);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Verifying_allocates_nothing()
    {
        byte[] key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var buffer = new byte[64 + MessageAuthentication.TagLength];
        MessageAuthentication.Sign(key, buffer, 64);
        for (int i = 0; i < 100; i++) MessageAuthentication.TryVerify(key, buffer, out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        bool all = true;
        for (int i = 0; i < 1000; i++) all &= MessageAuthentication.TryVerify(key, buffer, out _) & MessageAuthentication.Sign(key, buffer, 64) > 0;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(all);
        Assert.Equal(0, allocated);
    }
}
