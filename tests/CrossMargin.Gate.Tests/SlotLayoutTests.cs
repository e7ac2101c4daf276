using System.Runtime.CompilerServices;
using CrossMargin.Gate.Pipeline;
using CrossMargin.Messages;

namespace CrossMargin.Gate.Tests;

/// <summary>Ring slots hold no references: a publish is a plain memory write with no GC write barrier.</summary>
public sealed class SlotLayoutTests
{
    // Compile-time proof: this only compiles for unmanaged types.
    private static int SizeOfUnmanaged<T>() where T : unmanaged => Unsafe.SizeOf<T>();

    [Fact]
    public void Inbound_and_outbound_slots_are_unmanaged()
    {
        Assert.False(RuntimeHelpers.IsReferenceOrContainsReferences<InboundEvent>());
        Assert.False(RuntimeHelpers.IsReferenceOrContainsReferences<OutboundEvent>());
        Assert.True(SizeOfUnmanaged<InboundEvent>() > 0);
        Assert.True(SizeOfUnmanaged<OutboundEvent>() > 0);
    }

    [Fact]
    public void An_outbound_slot_has_room_for_every_fixed_size_decision()
    {
        Assert.True(DecisionBytes.Length >= OutputCodec.MaxLength);
        Assert.True(DecisionBytes.Length >= InputErrorCodec.Length);
        Assert.Equal(DecisionBytes.Length, Unsafe.SizeOf<DecisionBytes>());
    }
}
