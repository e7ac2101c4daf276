namespace CrossMargin.Disruptor.Sequencing;

/// <summary>
/// The alert flag of a <see cref="SequenceBarrier{TWait}"/>: raised by a halt so that a
/// waiting consumer stops waiting. Wait strategies poll <see cref="IsRaised"/> in their loops.
/// </summary>
/// <remarks>Any thread may raise or read; the consumer that owns the barrier clears it when it
/// (re)starts. Reads are acquire and writes are release (<see cref="Volatile"/>): a halt needs
/// to be seen eventually, not ordered against other memory.</remarks>
public sealed class BarrierAlert
{
    private bool _raised;

    /// <summary>Whether the alert is raised (<c>Volatile.Read</c>).</summary>
    public bool IsRaised => Volatile.Read(ref _raised);

    internal void Raise() => Volatile.Write(ref _raised, true);

    internal void Clear() => Volatile.Write(ref _raised, false);
}
