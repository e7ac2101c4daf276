using System.Globalization;

namespace CrossMargin.Gate.Journal;

/// <summary>When journaled bytes are forced to the disk.</summary>
public enum DurabilityMode
{
    /// <summary>
    /// Handed to the operating system at the end of every batch (survives a crash of the gate,
    /// not of the machine); never fdatasync'd by the gate.
    /// </summary>
    None,
    /// <summary>fdatasync at the end of every batch, before the batch's inputs count as journaled (survives a power cut).</summary>
    Batch,
    /// <summary>
    /// Handed to the OS at the end of every batch; a background thread fdatasyncs every
    /// <see cref="DurabilityPolicy.IntervalMs"/> when something was written (a power cut loses at most that window).
    /// </summary>
    Interval,
}

/// <summary>A durability policy as configured: <c>none</c>, <c>batch</c> or <c>interval:MS</c>.</summary>
/// <param name="Mode">The mode.</param>
/// <param name="IntervalMs">The interval of <see cref="DurabilityMode.Interval"/> in milliseconds (0 otherwise).</param>
public readonly record struct DurabilityPolicy(DurabilityMode Mode, int IntervalMs)
{
    /// <summary><c>none</c>.</summary>
    public static DurabilityPolicy None => new(DurabilityMode.None, 0);

    /// <summary><c>batch</c>.</summary>
    public static DurabilityPolicy Batch => new(DurabilityMode.Batch, 0);

    /// <summary><c>interval:MS</c>.</summary>
    public static DurabilityPolicy Interval(int milliseconds) =>
        milliseconds is >= 1 and <= 60_000 ? new(DurabilityMode.Interval, milliseconds) : throw new ArgumentOutOfRangeException(nameof(milliseconds));

    /// <summary>Parses <c>none</c>, <c>batch</c> or <c>interval:MS</c> (1 ≤ MS ≤ 60000); null with a reason when invalid.</summary>
    public static bool TryParse(string? text, out DurabilityPolicy policy, out string? error)
    {
        policy = None;
        error = null;
        switch (text)
        {
            case "none": return true;
            case "batch": policy = Batch; return true;
        }
        if (text is not null && text.StartsWith("interval:", StringComparison.Ordinal)
            && int.TryParse(text.AsSpan(9), NumberStyles.None, CultureInfo.InvariantCulture, out int ms) && ms is >= 1 and <= 60_000)
        {
            policy = new(DurabilityMode.Interval, ms);
            return true;
        }
        error = $"'{text}' is not one of none, batch, interval:MS (MS an integer in 1..60000)";
        return false;
    }

    /// <summary>The configuration form.</summary>
    public override string ToString() => Mode switch
    {
        DurabilityMode.Batch => "batch",
        DurabilityMode.Interval => string.Create(CultureInfo.InvariantCulture, $"interval:{IntervalMs}"),
        _ => "none",
    };
}
