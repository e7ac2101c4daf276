using CrossMargin.Core.Snapshot;
using CrossMargin.Core.Trigger;

namespace CrossMargin.Core.Engine;

// Snapshots (issue 9, item 2): the complete state between two inputs, table by table (each table
// writes and reads its own arrays, so a change of a table's layout is one place). Definitions are
// not stored: the engine a snapshot is loaded into is built from the same configuration (the
// caller checks the config fingerprint; the Dimensions section checks capacities and counts).
public sealed partial class RiskEngine
{
    /// <summary>Version of the engine sections' layout; a reader refuses any other.</summary>
    public const int SnapshotLayoutVersion = 1;

    /// <summary>
    /// Writes the complete state to <paramref name="output"/> (buffered by the caller) and returns its
    /// state hash, which the last section also carries. Between inputs only: the settlement's and the
    /// re-banding's candidate sets are empty then, so they are not part of the state. Reads the
    /// engine only; call it on the thread that owns the engine.
    /// </summary>
    public ulong WriteSnapshot(Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var w = new SnapshotWriter(output);
        int accounts = _accounts.Count;
        w.Begin(SnapshotSection.Dimensions);
        w.Write((long)SnapshotLayoutVersion);
        w.Write((long)_cap.Accounts); w.Write((long)_ni); w.Write((long)_na); w.Write((long)_holderCapacity); w.Write((long)_orders.PerAccount);
        w.Write((long)Trigger); w.Write((long)_market.AssetCount); w.Write((long)_market.InstrumentCount);
        w.End();

        w.Begin(SnapshotSection.Market);
        _market.WriteTo(w);
        w.Write(Config.LiquidationFeeRatePpm); w.Write(Config.LiquidationBufferPpm);
        w.Write(Counters.FillAnomalies); w.Write(Counters.UnknownCancels); w.Write(Counters.LiquidationFillAnomalies);
        w.Write(Counters.Takeovers); w.Write(Counters.AdlTrades); w.Write(Counters.LiquidationOrders); w.Write(Counters.TriggerPops);
        w.End();

        w.Begin(SnapshotSection.Ledger); _ledger.WriteTo(w); w.End();
        w.Begin(SnapshotSection.Accounts); _accounts.WriteTo(w); w.End();
        w.Begin(SnapshotSection.Orders); _orders.WriteTo(w, accounts); w.End();
        for (int i = 0; i < _market.InstrumentCount; i++)
        {
            w.Begin(SnapshotSection.Positions); w.Write(i); _market.Positions[i].WriteTo(w); w.End();
            if (Trigger == TriggerMode.Index) { w.Begin(SnapshotSection.Bands); w.Write(i); _market.Bands[i].WriteTo(w, _market.Positions[i].Count); w.End(); }
        }
        // Index mode: the bands of each non-settlement collateral asset, slots = positions in its holder list (marked −1 − asset).
        for (int a = 0; a < _market.AssetCount; a++)
            if (_market.AssetBands[a] is { } bands) { w.Begin(SnapshotSection.Bands); w.Write(-1 - a); bands.WriteTo(w, _market.AssetHolderCount[a]); w.End(); }
        ulong hash = StateHash();
        w.Begin(SnapshotSection.Seal); w.Write(hash); w.End();
        return hash;
    }

    /// <summary>
    /// Loads a snapshot written by <see cref="WriteSnapshot"/> into this engine, which must be fresh:
    /// built from the same configuration, definitions made, no input applied. Checks every section's
    /// checksum, bounds every count by the capacities, then proves the result: its state hash must
    /// equal the one sealed in the snapshot and (with <paramref name="verifyCaches"/>) every cached
    /// sum must equal a full recomputation. Returns null, or the refusal; after a refusal the engine
    /// is half-filled and must be discarded.
    /// </summary>
    public SnapshotLoadError? LoadSnapshot(Stream input, bool verifyCaches = true) => LoadSnapshot(input, out _, verifyCaches);

    /// <summary><see cref="LoadSnapshot(Stream, bool)"/>, also giving the (proven) state hash of the loaded state.</summary>
    public SnapshotLoadError? LoadSnapshot(Stream input, out ulong stateHash, bool verifyCaches = true)
    {
        stateHash = 0;
        ArgumentNullException.ThrowIfNull(input);
        if (_accounts.Count != 1 || HasAnySlot())
            return new SnapshotLoadError(SnapshotLoadErrorKind.EngineNotFresh, "the engine already holds state; load into one built fresh from the configuration");
        var r = new SnapshotReader(input);
        ulong sealedHash;
        try
        {
            r.Begin(SnapshotSection.Dimensions);
            r.Expect("layout version", SnapshotLayoutVersion);
            r.Expect("capacities.accounts", _cap.Accounts); r.Expect("capacities.instruments", _ni); r.Expect("capacities.assets", _na);
            r.Expect("holders per instrument", _holderCapacity); r.Expect("capacities.ordersPerAccount", _orders.PerAccount);
            r.Expect("trigger mode", (long)Trigger); r.Expect("assets defined", _market.AssetCount); r.Expect("instruments defined", _market.InstrumentCount);
            r.End();

            r.Begin(SnapshotSection.Market);
            _market.ReadFrom(r);
            Config.LiquidationFeeRatePpm = r.Read<long>(); Config.LiquidationBufferPpm = r.Read<long>();
            Counters.FillAnomalies = r.Read<long>(); Counters.UnknownCancels = r.Read<long>(); Counters.LiquidationFillAnomalies = r.Read<long>();
            Counters.Takeovers = r.Read<long>(); Counters.AdlTrades = r.Read<long>(); Counters.LiquidationOrders = r.Read<long>(); Counters.TriggerPops = r.Read<long>();
            r.End();

            r.Begin(SnapshotSection.Ledger); _ledger.ReadFrom(r); r.End();
            r.Begin(SnapshotSection.Accounts); _accounts.ReadFrom(r); r.End();
            r.Begin(SnapshotSection.Orders); _orders.ReadFrom(r, _accounts.Count); r.End();
            for (int i = 0; i < _market.InstrumentCount; i++)
            {
                r.Begin(SnapshotSection.Positions);
                if (r.Read<int>() != i) throw r.Fail($"holder table of instrument {i} expected");
                _market.Positions[i].ReadFrom(r);
                r.End();
                if (Trigger == TriggerMode.Index)
                {
                    r.Begin(SnapshotSection.Bands);
                    if (r.Read<int>() != i) throw r.Fail($"bands of instrument {i} expected");
                    _market.Bands[i].ReadFrom(r, _market.Positions[i].Count);
                    r.End();
                }
            }
            for (int a = 0; a < _market.AssetCount; a++)
            {
                if (_market.AssetBands[a] is not { } bands) continue;
                r.Begin(SnapshotSection.Bands);
                if (r.Read<int>() != -1 - a) throw r.Fail($"bands of asset {a} expected");
                bands.ReadFrom(r, _market.AssetHolderCount[a]);
                r.End();
            }
            r.Begin(SnapshotSection.Seal); sealedHash = r.Read<ulong>(); r.End();
        }
        catch (SnapshotFormatException ex) { return new SnapshotLoadError(SnapshotLoadErrorKind.Damaged, ex.Message); }
        catch (IOException ex) { return new SnapshotLoadError(SnapshotLoadErrorKind.Io, ex.Message); }

        // The checksums say the bytes are those written; the hash says they make the state that was hashed.
        ulong hash = StateHash();
        if (hash != sealedHash)
            return new SnapshotLoadError(SnapshotLoadErrorKind.HashMismatch, $"the loaded state hashes to {hash:x16}, the snapshot was sealed with {sealedHash:x16}");
        if (verifyCaches && VerifyCaches() is { } stale)
            return new SnapshotLoadError(SnapshotLoadErrorKind.CachesInconsistent, $"the loaded state fails the cache audit: {stale}");
        stateHash = hash;
        return null;
    }

    private bool HasAnySlot()
    {
        for (int i = 0; i < _market.InstrumentCount; i++) if (_market.Positions[i].Count != 0) return true;
        return false;
    }
}

/// <summary>Why a snapshot was refused.</summary>
public enum SnapshotLoadErrorKind
{
    /// <summary>A section is short, has the wrong tag, a count beyond capacity, or a checksum mismatch.</summary>
    Damaged,
    /// <summary>Reading failed.</summary>
    Io,
    /// <summary>Every checksum passed but the loaded state does not hash to the sealed value.</summary>
    HashMismatch,
    /// <summary>The loaded state's cached sums disagree with a full recomputation.</summary>
    CachesInconsistent,
    /// <summary>The target engine is not fresh.</summary>
    EngineNotFresh,
}

/// <summary>A refused snapshot: the kind and a specific message.</summary>
public sealed record SnapshotLoadError(SnapshotLoadErrorKind Kind, string Detail)
{
    /// <inheritdoc />
    public override string ToString() => $"{Kind}: {Detail}";
}
