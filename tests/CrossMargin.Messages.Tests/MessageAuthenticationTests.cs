using CrossMargin.Tests.Shared;
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
        int n = new MessageAuthentication(c.Key).Sign(buffer, c.Message.Length);
        Assert.Equal(buffer.Length, n);
        Assert.Equal(HMACSHA256.HashData(c.Key, c.Message), buffer[c.Message.Length..]); // the trailer is the standard HMAC
        Assert.True(new MessageAuthentication(c.Key).TryVerify(buffer, out var message));
        Assert.Equal(c.Message, message.ToArray());
    }

    [Property(Arbitrary = [typeof(MessageAuthenticationTests)], MaxTest = 300)]
    public void Flipping_any_bit_of_message_or_tag_fails((byte[] Key, byte[] Message) c, PositiveInt position, byte bit)
    {
        var buffer = new byte[c.Message.Length + MessageAuthentication.TagLength];
        c.Message.CopyTo(buffer, 0);
        new MessageAuthentication(c.Key).Sign(buffer, c.Message.Length);
        buffer[position.Get % buffer.Length] ^= (byte)(1 << (bit % 8));
        Assert.False(new MessageAuthentication(c.Key).TryVerify(buffer, out var message));
        Assert.True(message.IsEmpty);
    }

    [Property(Arbitrary = [typeof(MessageAuthenticationTests)], MaxTest = 100)]
    public void One_instance_signs_and_verifies_a_sequence_of_messages_as_fresh_ones_do((byte[] Key, byte[] Message) c, PositiveInt count)
    {
        using var reused = new MessageAuthentication(c.Key);
        for (int k = 0; k < 1 + count.Get % 5; k++)
        {
            byte[] message = c.Message.Select(b => (byte)(b + k)).ToArray();
            var a = new byte[message.Length + MessageAuthentication.TagLength];
            var b = new byte[a.Length];
            message.CopyTo(a, 0);
            message.CopyTo(b, 0);
            reused.Sign(a, message.Length);
            new MessageAuthentication(c.Key).Sign(b, message.Length);
            Assert.Equal(b, a); // the context is reset after every message: nothing carries over
            Assert.True(reused.TryVerify(a, out _));
        }
    }

    [Property(Arbitrary = [typeof(MessageAuthenticationTests)], MaxTest = 200)]
    public void Another_key_fails((byte[] Key, byte[] Message) c, PositiveInt position)
    {
        var buffer = new byte[c.Message.Length + MessageAuthentication.TagLength];
        c.Message.CopyTo(buffer, 0);
        new MessageAuthentication(c.Key).Sign(buffer, c.Message.Length);
        byte[] other = (byte[])c.Key.Clone();
        other[position.Get % other.Length] ^= 0x01;
        Assert.False(new MessageAuthentication(other).TryVerify(buffer, out _));
    }

    [Fact]
    public void Shorter_than_a_tag_fails_and_no_room_for_the_tag_is_refused()
    {
        byte[] key = new byte[32];
        Assert.Throws<ArgumentException>(() => new MessageAuthentication(new byte[31]));
        Assert.False(new MessageAuthentication(key).TryVerify(new byte[MessageAuthentication.TagLength - 1], out _));
        Assert.Equal(-1, new MessageAuthentication(key).Sign(new byte[40], 10)); // 10 + 32 > 40
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
            Assert.Null(MessageAuthentication.TryReadKeyFile("/dev/zero", out problem)); // never read a device (it would not end)
            Assert.Null(MessageAuthentication.TryReadKeyFile(Path.GetTempPath(), out problem));
            File.WriteAllBytes(path, new byte[MessageAuthentication.MaxKeyFileLength + 1]);
            Assert.Null(MessageAuthentication.TryReadKeyFile(path, out problem));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Verifying_allocates_nothing()
    {
        byte[] key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var buffer = new byte[64 + MessageAuthentication.TagLength];
        using var authentication = new MessageAuthentication(key);
        authentication.Sign(buffer, 64);
        for (int i = 0; i < 100; i++) authentication.TryVerify(buffer, out _);
        bool all = true;
        long allocated = Allocations.LeastOf(3, () =>
        {
            for (int i = 0; i < 1000; i++) all &= authentication.TryVerify(buffer, out _) & authentication.Sign(buffer, 64) > 0;
        });
        Assert.True(all);
        Assert.Equal(0, allocated);
    }
}
