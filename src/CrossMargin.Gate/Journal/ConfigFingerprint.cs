using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CrossMargin.Gate.Config;

namespace CrossMargin.Gate.Journal;

/// <summary>
/// SHA-256 of the canonical form of everything in a configuration that shapes the risk state:
/// capacities, the settlement asset, the assets, the instruments with their brackets (in order:
/// ids are assigned by position), and the risk parameters. Channels, rings, threads and the journal
/// section do not count: they change how inputs arrive, not what they do.
/// </summary>
/// <remarks>
/// The canonical form is a UTF-8 text (<see cref="CanonicalText"/>) with the decimal strings as
/// written, so reformatting a number (<c>0.1</c> → <c>0.10</c>) counts as a change: the journal
/// errs on the side of asking.
/// </remarks>
public readonly struct ConfigFingerprint : IEquatable<ConfigFingerprint>
{
    private readonly byte[] _bytes;

    private ConfigFingerprint(byte[] bytes) => _bytes = bytes;

    /// <summary>The 32 bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>The fingerprint of <paramref name="config"/>.</summary>
    public static ConfigFingerprint Of(GateConfig config) => new(SHA256.HashData(Encoding.UTF8.GetBytes(CanonicalText(config))));

    /// <summary>A fingerprint read from a segment header.</summary>
    public static ConfigFingerprint FromBytes(ReadOnlySpan<byte> bytes) =>
        bytes.Length == JournalFormat.FingerprintLength ? new(bytes.ToArray()) : throw new ArgumentException("a fingerprint has 32 bytes", nameof(bytes));

    /// <summary>The canonical text the fingerprint hashes (one line per item, in configuration order).</summary>
    public static string CanonicalText(GateConfig config)
    {
        var sb = new StringBuilder();
        var c = config.Capacities;
        var inv = CultureInfo.InvariantCulture;
        sb.Append(inv, $"crossmargin-state-config 1\ncapacities accounts={c.Accounts} instruments={c.Instruments} assets={c.Assets} ordersPerAccount={c.OrdersPerAccount} holdersPerInstrument={c.HoldersPerInstrument}\n");
        sb.Append(inv, $"settlement {Quote(config.SettlementAsset)}\n");
        foreach (var a in config.Assets)
            sb.Append(inv, $"asset {Quote(a.Id)} price={Quote(a.Price)} haircut={Quote(a.Haircut)} decimals={a.Decimals}\n");
        foreach (var i in config.Instruments)
        {
            sb.Append(inv, $"instrument {Quote(i.Id)} tickSize={Quote(i.TickSize)} lotSize={Quote(i.LotSize)} maxPosition={Quote(i.MaxPosition)} maxOrder={Quote(i.MaxOrder)} maxPrice={Quote(i.MaxPrice)} priceBand={Quote(i.PriceBand)} mark={Quote(i.Mark)}\n");
            foreach (var b in i.Brackets) sb.Append(inv, $"  bracket maxNotional={Quote(b.MaxNotional)} imr={Quote(b.Imr)} mmr={Quote(b.Mmr)}\n");
        }
        sb.Append(inv, $"risk liquidationFeeRatePpm={config.LiquidationFeeRatePpm} liquidationBufferPpm={config.LiquidationBufferPpm} insuranceFund={config.InsuranceFund}\n");
        return sb.ToString();
    }

    // Length-prefixed so that no choice of strings makes two different configs print alike.
    private static string Quote(string s) => string.Create(CultureInfo.InvariantCulture, $"{s.Length}:{s}");

    /// <summary>Lower-case hex, 64 characters.</summary>
    public override string ToString() => _bytes is null ? "(none)" : Convert.ToHexStringLower(_bytes);

    /// <summary>The first 16 hex characters, for one-line messages.</summary>
    public string Short => ToString()[..Math.Min(16, ToString().Length)];

    /// <inheritdoc />
    public bool Equals(ConfigFingerprint other) => Bytes.SequenceEqual(other.Bytes);

    /// <summary>Whether this fingerprint equals the raw bytes of a header.</summary>
    public bool Matches(ReadOnlySpan<byte> bytes) => Bytes.SequenceEqual(bytes);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ConfigFingerprint f && Equals(f);

    /// <inheritdoc />
    public override int GetHashCode() => _bytes is null ? 0 : BitConverter.ToInt32(_bytes, 0);

    /// <summary>Equality.</summary>
    public static bool operator ==(ConfigFingerprint left, ConfigFingerprint right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(ConfigFingerprint left, ConfigFingerprint right) => !left.Equals(right);
}
