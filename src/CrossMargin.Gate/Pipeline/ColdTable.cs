namespace CrossMargin.Gate.Pipeline;

/// <summary>
/// Append-only table of rare, reference-typed payloads (definitions, unresolved instrument ids,
/// definition refusals) kept off the rings, so ring slots stay unmanaged and a publish costs no GC
/// write barrier. A slot names its payload by index.
/// </summary>
/// <remarks>
/// One writer thread appends (the producer of the ring whose slots carry the indexes); readers on
/// other threads read an index only after acquiring the slot that carries it, and the writer
/// appends before it publishes that slot, so the element and the array holding it are visible.
/// Growth copies into a new array published with a release store: a reader holding the older
/// array still finds every element it may ask for there. Cold path: appending may allocate.
/// </remarks>
public sealed class ColdTable<T> where T : class
{
    private T[] _items = new T[8];
    private int _count;
    private readonly Dictionary<T, int>? _index;

    /// <summary>Creates a table; with <paramref name="intern"/>, equal payloads share one index (bounded by the distinct payloads seen).</summary>
    public ColdTable(bool intern = false) => _index = intern ? new Dictionary<T, int>() : null;

    /// <summary>Payloads appended (writer thread).</summary>
    public int Count => _count;

    /// <summary>Appends <paramref name="item"/> (or finds its interned copy) and returns its index. Writer thread only.</summary>
    public int Add(T item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (_index is not null && _index.TryGetValue(item, out int existing)) return existing;
        T[] items = _items;
        if (_count == items.Length)
        {
            var grown = new T[items.Length * 2];
            Array.Copy(items, grown, items.Length);
            grown[_count] = item;
            Volatile.Write(ref _items, grown);
        }
        else
        {
            items[_count] = item;
        }
        _index?.Add(item, _count);
        return _count++;
    }

    /// <summary>The payload at <paramref name="index"/>; <c>null</c> for a negative index (slot names none). Any thread, after acquiring the slot.</summary>
    public T? this[int index] => index < 0 ? null : Volatile.Read(ref _items)[index];
}

/// <summary>
/// What ring slots refer to by index or offset, kept off the rings: the cold tables and the
/// answer ring of one <see cref="RiskRings{TWait}"/>. A consumer that renders slots (beyond sending
/// their bytes) reads through this.
/// </summary>
public sealed class SideTables
{
    internal SideTables(int answerRingBytes) => Answers = new AnswerRing(answerRingBytes);

    /// <summary>Definitions published through the inbound ring (producer appends; slots carry the index).</summary>
    public ColdTable<PipelineDefinition> Definitions { get; } = new();

    /// <summary>Instrument ids the producer could not resolve, interned (producer appends; slots carry the index).</summary>
    public ColdTable<string> UnknownInstrumentIds { get; } = new(intern: true);

    /// <summary>Reasons of refused definitions (the processor appends; outbound slots carry the index).</summary>
    public ColdTable<string> DefinitionErrors { get; } = new();

    /// <summary>The encoded query answers outbound slots point into.</summary>
    public AnswerRing Answers { get; }
}
