using CrossMargin.Core.Model;
using CrossMargin.Core.Trigger;

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
}
