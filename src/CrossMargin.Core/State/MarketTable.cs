using CrossMargin.Core.Model;
using CrossMargin.Core.Trigger;
using CrossMargin.Core.Snapshot;

namespace CrossMargin.Core.State;

/// <summary>
/// Market-wide state: the defined assets and instruments (with their marks, index prices and
/// halts), one holder table (and in index mode one trigger index) per instrument, the holder list
/// (and in index mode the trigger index) of each non-settlement asset, and the global halt.
/// </summary>
internal sealed class MarketTable
{
    public readonly Asset[] Assets;
    public int AssetCount;
    public readonly Instrument[] Instruments;
    public int InstrumentCount;
    public readonly Dictionary<string, int> AssetIds = new(StringComparer.Ordinal);
    public readonly Dictionary<string, int> InstrumentIds = new(StringComparer.Ordinal);
    /// <summary>Holder table per instrument.</summary>
    public readonly PositionTable[] Positions;
    /// <summary>Safe-band index per instrument (index mode only; null entries in scan mode).</summary>
    public readonly TriggerBands[] Bands;
    public bool GlobalHalt;

    // Asset holder index: accounts with a non-zero balance of each non-settlement asset.
    public readonly int[][] AssetHolders;
    public readonly int[] AssetHolderCount;
    /// <summary>Index mode: safe bands of index prices per non-settlement asset, slots = positions in <see cref="AssetHolders"/>.</summary>
    public readonly TriggerBands[] AssetBands;

    public MarketTable(int instruments, int assets)
    {
        Assets = new Asset[assets];
        Instruments = new Instrument[instruments];
        Positions = new PositionTable[instruments];
        Bands = new TriggerBands[instruments];
        AssetHolders = new int[assets][];
        AssetHolderCount = new int[assets];
        AssetBands = new TriggerBands[assets];
    }

    /// <summary>Snapshot: the global halt, each instrument's mark and halt, each asset's index price, and the asset holder lists (definitions come from the configuration).</summary>
    public void WriteTo(SnapshotWriter w)
    {
        w.Write(GlobalHalt);
        for (int i = 0; i < InstrumentCount; i++) { w.Write(Instruments[i].MarkTicks); w.Write(Instruments[i].Halted); }
        for (int a = 0; a < AssetCount; a++) w.Write(Assets[a].IndexPriceMicros);
        w.Write<int>(AssetHolderCount);
        for (int a = 0; a < AssetCount; a++) w.Write<int>(AssetHolders[a].AsSpan(0, AssetHolderCount[a]));
    }

    /// <summary>Snapshot: reads what <see cref="WriteTo"/> wrote into a table with the same definitions.</summary>
    public void ReadFrom(SnapshotReader r)
    {
        GlobalHalt = r.Read<bool>();
        for (int i = 0; i < InstrumentCount; i++)
        {
            long mark = r.Read<long>();
            if (mark <= 0 || mark > Instruments[i].MaxPriceTicks) throw r.Fail($"mark {mark} of {Instruments[i].Id} outside 1..{Instruments[i].MaxPriceTicks}");
            Instruments[i].MarkTicks = mark;
            Instruments[i].Halted = r.Read<bool>();
        }
        for (int a = 0; a < AssetCount; a++) Assets[a].IndexPriceMicros = r.Read<long>();
        r.Read<int>(AssetHolderCount);
        for (int a = 0; a < AssetCount; a++)
        {
            if ((uint)AssetHolderCount[a] > (uint)AssetHolders[a].Length) throw r.Fail($"{AssetHolderCount[a]} holders of asset {Assets[a].Id}, above its {AssetHolders[a].Length}");
            r.Read<int>(AssetHolders[a].AsSpan(0, AssetHolderCount[a]));
        }
    }
}
