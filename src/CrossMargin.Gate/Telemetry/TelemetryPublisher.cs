using CrossMargin.Gate.Config;
using CrossMargin.Gate.Host;
using Prometheus;

namespace CrossMargin.Gate.Telemetry;

/// <summary>Where a gate's counters file lives.</summary>
public static class GateTelemetryFiles
{
    /// <summary>The default counters file of the gate configured by <paramref name="config"/>.</summary>
    public static string DefaultPath(GateConfig config) => CountersLayout.DefaultPath(config.OrderFlow.Channel, config.OrderFlow.StreamId);
}

/// <summary>
/// Publishes a running gate's counters (cold path, the thread that prints the status line): into the
/// memory-mapped counters file that <c>crossmargin stat</c> reads, and optionally to a Prometheus
/// endpoint bound to 127.0.0.1 only (off unless a port is given).
/// </summary>
public sealed class TelemetryPublisher : IDisposable
{
    private readonly IGate _gate;
    private readonly GateTelemetry _telemetry;
    private readonly CountersWriter _writer;
    private readonly long[] _values;
    private readonly DateTime _started = DateTime.UtcNow;
    private readonly MetricServer? _server;
    private readonly Gauge[]? _gauges;

    /// <summary>Creates the counters file at <paramref name="path"/> and, for a non-zero <paramref name="prometheusPort"/>, the metrics endpoint.</summary>
    public TelemetryPublisher(IGate gate, string path, int prometheusPort = 0, IReadOnlyList<string>? extra = null)
    {
        _gate = gate;
        _telemetry = new GateTelemetry(extra);
        _values = new long[_telemetry.Labels.Count];
        try { _writer = new CountersWriter(path, _telemetry.Labels); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot create counters file '{path}': {ex.Message}", ex);
        }
        if (prometheusPort > 0)
        {
            var registry = Metrics.NewCustomRegistry();
            var factory = Metrics.WithCustomRegistry(registry);
            _gauges = new Gauge[_values.Length];
            for (int i = 0; i < _values.Length; i++)
                _gauges[i] = factory.CreateGauge(PrometheusName(_telemetry.Labels[i]), $"CrossMargin gate counter {_telemetry.Labels[i]}");
            // Loopback only: the metrics say what the gate is doing and must not be reachable from the network.
            _server = new MetricServer("127.0.0.1", prometheusPort, registry: registry);
            try { _server.Start(); }
            catch (Exception ex) when (ex is System.Net.HttpListenerException or InvalidOperationException)
            {
                _writer.Dispose();
                throw new IOException($"cannot serve Prometheus metrics on 127.0.0.1:{prometheusPort}: {ex.Message}", ex);
            }
            MetricsUrl = $"http://127.0.0.1:{prometheusPort}/metrics";
        }
    }

    /// <summary>"inputs.order" → "crossmargin_inputs_order".</summary>
    public static string PrometheusName(string label) => "crossmargin_" + label.Replace('.', '_');

    /// <summary>The counters file.</summary>
    public string Path => _writer.Path;

    /// <summary>The Prometheus URL, or null when off.</summary>
    public string? MetricsUrl { get; }

    /// <summary>Counter names.</summary>
    public IReadOnlyList<string> Labels => _telemetry.Labels;

    /// <summary>The values of the last <see cref="Publish"/>.</summary>
    public ReadOnlySpan<long> Values => _values;

    /// <summary>Samples the gate, sets <paramref name="extras"/> after its counters, and publishes one snapshot.</summary>
    public void Publish(GateState state, ReadOnlySpan<long> extras = default)
    {
        _telemetry.Sample(_gate, DateTime.UtcNow - _started, _values);
        extras.CopyTo(_values.AsSpan(_telemetry.ExtraStart));
        _writer.Publish(_values, state);
        if (_gauges is not null)
            for (int i = 0; i < _gauges.Length; i++) _gauges[i].Set(_values[i]);
    }

    /// <summary>Stops the endpoint and unmaps the file (which stays for a last <c>stat</c>).</summary>
    public void Dispose()
    {
        _server?.Dispose();
        _writer.Dispose();
    }
}
