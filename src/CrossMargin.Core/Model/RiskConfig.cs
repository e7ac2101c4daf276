namespace CrossMargin.Core.Model;

/// <summary>Engine-wide liquidation parameters (the scenario's <c>config</c> line); all default to 0.</summary>
public sealed class RiskConfig
{
    /// <summary>Liquidation fee rate on a liquidation fill's notional, ppm (risk-model §6.3).</summary>
    public long LiquidationFeeRatePpm { get; internal set; }
    /// <summary>Partial-liquidation target buffer over MMreq, ppm (risk-model §6.2).</summary>
    public long LiquidationBufferPpm { get; internal set; }
}

/// <summary>
/// Start-up capacities: every array of the state is sized from these once, so no input
/// allocates. Exceeding one is answered, never grown into.
/// </summary>
public sealed record Capacities
{
    /// <summary>Accounts (the insurance fund takes one more slot internally).</summary>
    public int Accounts { get; init; } = 1024;
    /// <summary>Instruments that may be defined.</summary>
    public int Instruments { get; init; } = 16;
    /// <summary>Assets that may be defined, settlement asset included.</summary>
    public int Assets { get; init; } = 8;
    /// <summary>Position slots per instrument (accounts holding it or with orders on it); defaults to Accounts + 1.</summary>
    public int HoldersPerInstrument { get; init; }
    /// <summary>Open orders per account.</summary>
    public int OrdersPerAccount { get; init; } = 64;
    /// <summary>
    /// Initial capacity of the per-input event buffer (default 4096). It is sized per input, not per
    /// account: an input that emits more (a crash that liquidates many accounts at once) doubles it
    /// once, and it keeps that size, so steady state allocates nothing; set it to the largest burst
    /// expected to make even the first such input allocation-free.
    /// </summary>
    public int EventsPerInput { get; init; }

    internal int EffectiveHolders => HoldersPerInstrument > 0 ? HoldersPerInstrument : Accounts + 1;
    internal int EffectiveEvents => EventsPerInput > 0 ? EventsPerInput : 4096;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad capacity.</summary>
    public void Validate()
    {
        if (Accounts < 1) throw new ArgumentException("capacities.accounts must be at least 1");
        if (Instruments < 1 || Instruments > 256) throw new ArgumentException("capacities.instruments must be 1..256");
        if (Assets < 1 || Assets > 64) throw new ArgumentException("capacities.assets must be 1..64");
        if (OrdersPerAccount < 1) throw new ArgumentException("capacities.ordersPerAccount must be at least 1");
        if (HoldersPerInstrument < 0) throw new ArgumentException("capacities.holdersPerInstrument must not be negative");
        // Every state array is indexed by an int: reject sizes whose products would not fit one.
        long accounts = Accounts + 1L;
        if (accounts * OrdersPerAccount > Array.MaxLength) throw new ArgumentException($"capacities: accounts × ordersPerAccount = {accounts * OrdersPerAccount:N0} exceeds {Array.MaxLength:N0} order slots");
        if (accounts * (Instruments + 1L) > Array.MaxLength) throw new ArgumentException("capacities: accounts × (instruments + 1) exceeds the largest array");
        if (accounts * Assets > Array.MaxLength) throw new ArgumentException("capacities: accounts × assets exceeds the largest array");
    }
}
