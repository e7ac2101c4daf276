namespace CrossMargin.Core.Trigger;

/// <summary>How a mark tick finds the parts whose health may have changed.</summary>
public enum TriggerMode : byte
{
    /// <summary>
    /// Safe bands (the default): every part keeps, per instrument it holds (and a cross part per
    /// collateral asset it holds), a price band inside which its health cannot change; a mark or index
    /// tick re-evaluates only the parts whose band it left. O(1) for a tick that crosses no band.
    /// </summary>
    Index = 0,
    /// <summary>Revalue every holder of the instrument (the SIMD kernel) or of the collateral asset and re-evaluate every changed part: O(holders).</summary>
    Scan = 1,
}

/// <summary>Parsing of the <c>scan|index</c> names used by the CLI and the gate config.</summary>
public static class TriggerModes
{
    /// <summary>Parses <c>index</c> or <c>scan</c> (ordinal, lower case).</summary>
    public static bool TryParse(string? text, out TriggerMode mode)
    {
        switch (text)
        {
            case "index": mode = TriggerMode.Index; return true;
            case "scan": mode = TriggerMode.Scan; return true;
            default: mode = TriggerMode.Index; return false;
        }
    }

    /// <summary>The config/CLI name of a mode.</summary>
    public static string Name(TriggerMode mode) => mode == TriggerMode.Scan ? "scan" : "index";
}
