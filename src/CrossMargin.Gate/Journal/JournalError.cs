using System.Globalization;

namespace CrossMargin.Gate.Journal;

/// <summary>Why a journal was refused.</summary>
public enum JournalErrorKind
{
    /// <summary>The path is a file: the single-file format of earlier versions, which is not read any more.</summary>
    LegacySingleFile,
    /// <summary>The operating system refused a read or write.</summary>
    Io,
    /// <summary>Another process holds the journal's lock.</summary>
    Locked,
    /// <summary>A file in the directory looks like a segment but is not named like one.</summary>
    BadSegmentName,
    /// <summary>Segment indices are not contiguous (a segment is missing).</summary>
    MissingSegment,
    /// <summary>A segment header is damaged (magic, checksum, length or index).</summary>
    BadSegmentHeader,
    /// <summary>A segment was written by another format version.</summary>
    UnsupportedVersion,
    /// <summary>A segment was written under a configuration with another fingerprint.</summary>
    ConfigChanged,
    /// <summary>A record header is damaged (its checksum or its values do not hold).</summary>
    BadRecordHeader,
    /// <summary>A record's bytes do not match its checksum.</summary>
    BadRecordChecksum,
    /// <summary>A record or segment ends early anywhere but at the end of the last segment.</summary>
    Truncated,
    /// <summary>Sequences do not follow one another by exactly one.</summary>
    SequenceBreak,
    /// <summary>A record is intact but its message was refused by the reader (e.g. it does not decode).</summary>
    RecordRejected,
    /// <summary>The journal does not start at the first sequence (earlier segments are missing).</summary>
    StartsLate,
    /// <summary>The journal's publisher-halts file holds halts the configuration cannot enforce (order-flow recovery is off).</summary>
    HaltsUnenforceable,
}

/// <summary>
/// A journal refused, as a value: what, where (segment file and byte offset in it) and which record
/// (its sequence, 1-based). <see cref="ToString"/> is the one-line message for the operator.
/// </summary>
/// <param name="Kind">What is wrong.</param>
/// <param name="Segment">Segment file name, or the directory when the fault is not in one segment.</param>
/// <param name="Offset">Byte offset in the segment (−1 when not applicable).</param>
/// <param name="Record">Sequence of the record concerned (0 when not applicable).</param>
/// <param name="Detail">The specific finding.</param>
public sealed record JournalError(JournalErrorKind Kind, string Segment, long Offset, long Record, string Detail)
{
    /// <inheritdoc />
    public override string ToString()
    {
        var where = Offset >= 0 ? string.Create(CultureInfo.InvariantCulture, $"{Segment} at offset {Offset}") : Segment;
        var record = Record > 0 ? string.Create(CultureInfo.InvariantCulture, $", record {Record}") : "";
        return $"journal refused ({Kind}): {where}{record}: {Detail}";
    }
}

/// <summary>The exception form of a <see cref="JournalError"/>, for start-up paths that cannot go on.</summary>
public sealed class JournalException(JournalError error) : IOException(error.ToString())
{
    /// <summary>The refusal.</summary>
    public JournalError Error { get; } = error;
}

/// <summary>A torn tail found at the end of the last segment (a crash mid-append).</summary>
/// <param name="Segment">Segment file name.</param>
/// <param name="Offset">Offset of the first byte after the last whole record.</param>
/// <param name="Bytes">Bytes from there to the end of the file.</param>
public sealed record TornTail(string Segment, long Offset, long Bytes)
{
    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"torn tail of {Bytes} bytes at {Segment} offset {Offset}");
}
