using System.Numerics;
using CrossMargin.Disruptor.WaitStrategies;

namespace CrossMargin.Disruptor.Sequencing;

/// <summary>
/// Coordinates producers claiming slots of a ring with the consumers gating them.
/// Concrete types name their producer contract: <see cref="SingleProducerSequencer"/> and
/// <see cref="MultiProducerSequencer"/>.
/// </summary>
/// <remarks>
/// <para>Producer protocol: claim with <see cref="Next()"/> / <see cref="Next(int)"/> (waits
/// while the ring is full) or <see cref="TryNext(out long)"/> (reports a full ring as
/// <c>false</c>), write the claimed slots through <see cref="RingBuffer{T}"/>'s indexer, then
/// <see cref="Publish(long)"/> / <see cref="Publish(long, long)"/>. Every claimed sequence must be
/// published.</para>
/// <para>Hold the sealed concrete type on the hot path so calls are not virtual.</para>
/// <para>Gating sequences are added before the producer starts (copy-on-write, safe but not
/// meant to race with a running producer that is wrapping).</para>
/// </remarks>
public abstract class Sequencer
{
    private protected readonly int _bufferSize;
    private protected readonly Sequence _cursor = new();
    private protected readonly IWaitStrategy _waitStrategy;
    private protected readonly bool _signalOnPublish;
    private Sequence[] _gatingSequences = [];

    private protected Sequencer(int bufferSize, IWaitStrategy waitStrategy)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 1);
        if (!BitOperations.IsPow2(bufferSize))
        {
            throw new ArgumentException($"Buffer size must be a power of two, was {bufferSize}.", nameof(bufferSize));
        }

        ArgumentNullException.ThrowIfNull(waitStrategy);
        _bufferSize = bufferSize;
        _waitStrategy = waitStrategy;
        _signalOnPublish = waitStrategy.IsBlocking;
    }

    /// <summary>Number of slots in the ring this sequencer coordinates (a power of two).</summary>
    public int BufferSize => _bufferSize;

    /// <summary>The cursor: highest published sequence (single producer) or highest claimed
    /// sequence (multi producer). Consumers wait on it through a barrier.</summary>
    public Sequence Cursor => _cursor;

    /// <summary>The wait strategy consumers of this sequencer use (boxed once at construction).</summary>
    public IWaitStrategy WaitStrategy => _waitStrategy;

    /// <summary>Current gating sequences (a snapshot, acquire read of the array reference).</summary>
    public Sequence[] GatingSequences => Volatile.Read(ref _gatingSequences);

    /// <summary>Adds consumer sequences the producers must not overrun. Each added sequence is
    /// set to the current cursor, so a consumer added late starts at the present.</summary>
    /// <remarks>Any thread; copy-on-write with <see cref="Interlocked.CompareExchange{T}(ref T, T, T)"/>.
    /// Call before producing, or while the consumer cannot yet be overrun.</remarks>
    public void AddGatingSequences(params Sequence[] sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        Sequence[] current, updated;
        do
        {
            current = Volatile.Read(ref _gatingSequences);
            updated = new Sequence[current.Length + sequences.Length];
            Array.Copy(current, updated, current.Length);
            long cursor = _cursor.Value;
            for (int i = 0; i < sequences.Length; i++)
            {
                sequences[i].SetRelease(cursor);
                updated[current.Length + i] = sequences[i];
            }
        }
        while (Interlocked.CompareExchange(ref _gatingSequences, updated, current) != current);
    }

    /// <summary>Removes a gating sequence (e.g. a consumer that is gone for good).</summary>
    /// <returns><c>true</c> if it was present.</returns>
    public bool RemoveGatingSequence(Sequence sequence)
    {
        Sequence[] current, updated;
        do
        {
            current = Volatile.Read(ref _gatingSequences);
            int index = Array.IndexOf(current, sequence);
            if (index < 0)
            {
                return false;
            }

            updated = new Sequence[current.Length - 1];
            Array.Copy(current, 0, updated, 0, index);
            Array.Copy(current, index + 1, updated, index, current.Length - index - 1);
        }
        while (Interlocked.CompareExchange(ref _gatingSequences, updated, current) != current);
        return true;
    }

    /// <summary>Minimum of the gating sequences and the cursor (acquire reads).</summary>
    public long GetMinimumGatingSequence() => Sequence.GetMinimum(GatingSequences, _cursor.Value);

    /// <summary>Creates a barrier for a consumer that waits with <typeparamref name="TWait"/>
    /// (which must be the type of <see cref="WaitStrategy"/>) on the cursor, or on
    /// <paramref name="dependents"/> when it runs after other consumers.</summary>
    /// <exception cref="ArgumentException">The sequencer was built with another wait strategy type.</exception>
    public SequenceBarrier<TWait> NewBarrier<TWait>(params Sequence[] dependents)
        where TWait : struct, IWaitStrategy
    {
        if (_waitStrategy is not TWait wait)
        {
            throw new ArgumentException(
                $"Sequencer waits with {_waitStrategy.GetType().Name}, not {typeof(TWait).Name}.", nameof(TWait));
        }

        return new SequenceBarrier<TWait>(this, wait, dependents ?? []);
    }

    /// <summary>Claims the next sequence, waiting while the ring is full.</summary>
    /// <returns>The claimed sequence.</returns>
    public long Next() => Next(1);

    /// <summary>Claims <paramref name="n"/> consecutive sequences, waiting while the ring is full.</summary>
    /// <param name="n">1 to <see cref="BufferSize"/>.</param>
    /// <returns>The highest claimed sequence; the batch is <c>hi - n + 1 .. hi</c>.</returns>
    public abstract long Next(int n);

    /// <summary>Claims the next sequence unless the ring is full.</summary>
    /// <param name="sequence">The claimed sequence, or -1 when the ring is full.</param>
    /// <returns><c>false</c> when the consumers lag by a whole ring (nothing claimed).</returns>
    public bool TryNext(out long sequence) => TryNext(1, out sequence);

    /// <summary>Claims <paramref name="n"/> consecutive sequences unless there is not enough room.</summary>
    /// <param name="n">1 to <see cref="BufferSize"/>.</param>
    /// <param name="hi">The highest claimed sequence, or -1 when there was not enough room.</param>
    /// <returns><c>false</c> when the ring lacks room for <paramref name="n"/> (nothing claimed).</returns>
    public abstract bool TryNext(int n, out long hi);

    /// <summary>Makes <paramref name="sequence"/> visible to consumers (release semantics).</summary>
    public abstract void Publish(long sequence);

    /// <summary>Makes <paramref name="lo"/>..<paramref name="hi"/> visible to consumers (release semantics).</summary>
    public abstract void Publish(long lo, long hi);

    /// <summary>Whether <paramref name="sequence"/> has been published and not yet overwritten.</summary>
    public abstract bool IsAvailable(long sequence);

    /// <summary>Highest sequence in <paramref name="lo"/>..<paramref name="available"/> such that
    /// every sequence up to it is published; <c>lo - 1</c> when <paramref name="lo"/> is not.</summary>
    public abstract long GetHighestPublishedSequence(long lo, long available);

    /// <summary>Free slots from the claiming producer's point of view (acquire reads, racy snapshot).</summary>
    public abstract long RemainingCapacity();

    /// <summary>Whether the producer side is single threaded (no availability buffer).</summary>
    public abstract bool IsSingleProducer { get; }

    private protected static void ThrowBadBatchSize(int n, int bufferSize)
        => throw new ArgumentOutOfRangeException(nameof(n), n, $"Batch size must be 1..{bufferSize}.");
}
