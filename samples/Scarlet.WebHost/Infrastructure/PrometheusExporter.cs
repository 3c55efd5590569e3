using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Scarlet.Vision;

namespace Scarlet.WebHost;

/// <summary>
/// A small Prometheus text exporter over <see cref="MeterListener"/>: every instrument of the <c>Scarlet</c> meter is
/// aggregated in memory (counters summed, up-down counters and gauges last/summed, histograms bucketed) per tag set.
/// </summary>
internal sealed class PrometheusExporter : IDisposable
{
    private static readonly double[] s_bounds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Series> _series = new();

    // One family per name: the host and a library may both count, say, scarlet.pipeline.frames (different cameras).
    private readonly ConcurrentDictionary<string, Series> _families = new(StringComparer.Ordinal);

    public PrometheusExporter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ScarletDiagnostics.MeterName)
            {
                _series.TryAdd(instrument, _families.GetOrAdd(instrument.Name, _ => new Series(instrument)));
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<float>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    public void Dispose() => _listener.Dispose();

    public string Scrape()
    {
        _listener.RecordObservableInstruments();
        var sb = new StringBuilder(8192);
        foreach (var s in _families.Values.OrderBy(s => s.Instrument.Name, StringComparer.Ordinal))
        {
            s.Write(sb);
        }

        return sb.ToString();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_series.TryGetValue(instrument, out var s))
        {
            s.Record(value, tags);
        }
    }

    private sealed class Series(Instrument instrument)
    {
        private readonly ConcurrentDictionary<string, Cell> _cells = new(StringComparer.Ordinal);

        public Instrument Instrument { get; } = instrument;

        private bool IsHistogram => Instrument.GetType().Name.StartsWith("Histogram", StringComparison.Ordinal);

        private bool IsCounter => Instrument.GetType().Name.StartsWith("Counter", StringComparison.Ordinal) || Instrument.GetType().Name.StartsWith("ObservableCounter", StringComparison.Ordinal);

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var cell = _cells.GetOrAdd(Labels(tags), _ => new Cell(IsHistogram ? new long[s_bounds.Length + 1] : null));
            lock (cell)
            {
                if (IsHistogram)
                {
                    var b = 0;
                    while (b < s_bounds.Length && value > s_bounds[b])
                    {
                        b++;
                    }

                    cell.Buckets![b]++;
                    cell.Count++;
                    cell.Sum += value;
                }
                else if (Instrument.IsObservable)
                {
                    cell.Sum = value;
                }
                else
                {
                    cell.Sum += value;
                }
            }
        }

        public void Write(StringBuilder sb)
        {
            var name = Sanitize(Instrument.Name) + Instrument.Unit switch { "s" => "_seconds", "By" => "_bytes", _ => string.Empty };
            var type = IsHistogram ? "histogram" : IsCounter ? "counter" : "gauge";
            if (IsCounter)
            {
                name += "_total";
            }

            if (!string.IsNullOrEmpty(Instrument.Description))
            {
                sb.Append("# HELP ").Append(name).Append(' ').Append(Instrument.Description.Replace('\n', ' ')).Append('\n');
            }

            sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var (labels, cell) in _cells.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                lock (cell)
                {
                    if (IsHistogram)
                    {
                        long cumulative = 0;
                        for (var b = 0; b <= s_bounds.Length; b++)
                        {
                            cumulative += cell.Buckets![b];
                            var le = b < s_bounds.Length ? s_bounds[b].ToString(CultureInfo.InvariantCulture) : "+Inf";
                            sb.Append(name).Append("_bucket{").Append(labels).Append(labels.Length > 0 ? "," : string.Empty).Append("le=\"").Append(le).Append("\"} ").Append(cumulative).Append('\n');
                        }

                        sb.Append(name).Append("_sum").Append(Braces(labels)).Append(' ').Append(cell.Sum.ToString(CultureInfo.InvariantCulture)).Append('\n');
                        sb.Append(name).Append("_count").Append(Braces(labels)).Append(' ').Append(cell.Count).Append('\n');
                    }
                    else
                    {
                        sb.Append(name).Append(Braces(labels)).Append(' ').Append(cell.Sum.ToString(CultureInfo.InvariantCulture)).Append('\n');
                    }
                }
            }
        }

        private static string Braces(string labels) => labels.Length == 0 ? string.Empty : "{" + labels + "}";

        private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length == 0)
            {
                return string.Empty;
            }

            var pairs = new string[tags.Length];
            for (var i = 0; i < tags.Length; i++)
            {
                var v = Convert.ToString(tags[i].Value, CultureInfo.InvariantCulture) ?? string.Empty;
                pairs[i] = Sanitize(tags[i].Key) + "=\"" + v.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
            }

            Array.Sort(pairs, StringComparer.Ordinal);
            return string.Join(',', pairs);
        }

        private static string Sanitize(string name)
        {
            var chars = name.ToCharArray();
            for (var i = 0; i < chars.Length; i++)
            {
                if (!char.IsAsciiLetterOrDigit(chars[i]) && chars[i] != '_')
                {
                    chars[i] = '_';
                }
            }

            return new string(chars);
        }
    }

    private sealed class Cell(long[]? buckets)
    {
        public long[]? Buckets { get; } = buckets;

        public long Count { get; set; }

        public double Sum { get; set; }
    }
}
