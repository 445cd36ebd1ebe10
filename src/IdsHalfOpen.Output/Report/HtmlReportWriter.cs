using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace IdsHalfOpen.Output.Report;

/// <summary>
/// Writes a <see cref="ReplayReport"/> as one self-contained HTML file: inline CSS, the figures as HTML tables, the
/// data as a JSON island and a small inline script of ours that draws the charts as SVG. A Content-Security-Policy
/// forbids every fetch, so the file shows the same offline as online. The output depends only on the report, byte for
/// byte (invariant culture, no generation time).
/// </summary>
public static class HtmlReportWriter
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    public static void Write(ReplayReport report, TextWriter w)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(w);
        w.Write("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        w.Write("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n");
        w.Write("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        w.Write($"<title>{H(report.Title)}</title>\n<style>{Css}</style>\n<script>{ErrorHook}</script>\n</head>\n<body>\n");
        w.Write($"<header><h1>{H(report.Title)}</h1>");
        foreach (var f in report.Files) w.Write($"<div class=\"file\">{H(f)}</div>");
        w.Write("</header>\n<noscript><p class=\"note\">The charts need JavaScript; the tables below do not.</p></noscript>\n");

        w.Write("<section id=\"summary\"><h2>Summary</h2><dl class=\"figures\">");
        foreach (var (name, value) in report.Figures) w.Write($"<div><dt>{H(name)}</dt><dd>{N(value)}</dd></div>");
        w.Write("</dl>");
        if (report.Problems.Count > 0)
        {
            w.Write("<ul class=\"problems\">");
            foreach (var p in report.Problems) w.Write($"<li>{H(p)}</li>");
            w.Write("</ul>");
        }

        w.Write("</section>\n");
        w.Write("<section id=\"gauges\"><h2>Top victims over packet time</h2>");
        w.Write("<p class=\"note\">SYN rate and embryonic (half-open) attempts of the busiest services (ip:port), dashed: the whole link. ");
        w.Write("Each point is the highest sample in its interval.</p>");
        w.Write("<div class=\"chart\" id=\"chart-syn\"></div><div class=\"chart\" id=\"chart-embryonic\"></div><div class=\"legend\" id=\"legend-services\"></div></section>\n");
        w.Write("<section id=\"timeline\"><h2>Attacks on the timeline</h2><div class=\"chart\" id=\"chart-timeline\"></div><div class=\"legend\" id=\"legend-kinds\"></div></section>\n");
        w.Write("<section id=\"outcomes\"><h2>Connection attempts by outcome</h2><div class=\"chart\" id=\"chart-outcomes\"></div></section>\n");
        WriteAlertTable(report, w);
        WriteCounts(w, "decode", "Decode events", "event", report.DecodeEvents, "none");
        w.Write("<script id=\"report-data\" type=\"application/json\">");
        w.Write(DataJson(report));
        w.Write("</script>\n<script>");
        w.Write(Script);
        w.Write("</script>\n</body>\n</html>\n");
    }

    public static string ToHtml(ReplayReport report)
    {
        using var w = new StringWriter(CultureInfo.InvariantCulture);
        Write(report, w);
        return w.ToString();
    }

    private static void WriteAlertTable(ReplayReport report, TextWriter w)
    {
        w.Write("<section id=\"alerts\"><h2>Alerts</h2>");
        if (report.Alerts.Count == 0)
        {
            w.Write("<p>No attacks detected.</p></section>\n");
            return;
        }

        w.Write("<table><thead><tr><th>kind</th><th>severity</th><th>rule</th><th>target</th><th>start (UTC)</th><th>duration</th>");
        w.Write("<th>peak embryonic</th><th>peak SYN rate</th><th>sources</th><th>top sources</th><th>end</th></tr></thead><tbody>");
        foreach (var a in report.Alerts)
        {
            string top = string.Join(", ", a.TopSources.Take(3).Select(t => t.Key + " (" + N(t.Value) + ")"));
            string end = (a.EndReason ?? "open") + (a.Degraded ? ", degraded" : "");
            w.Write($"<tr class=\"kind-{H(a.Kind)}\"><td><span class=\"swatch\" data-kind=\"{H(a.Kind)}\"></span>{H(a.Kind)}</td><td>{H(a.Severity)}</td>");
            w.Write($"<td title=\"{H(a.RuleName)}\">{H(a.RuleId)}</td><td>{H(a.Target)}</td><td>{H(Ecs.Rfc3339.ToString(a.StartNs))}</td>");
            w.Write($"<td class=\"num\">{F(a.DurationS, "F1")} s</td><td class=\"num\">{N(a.EmbryonicPeak)}</td><td class=\"num\">{F(a.SynRatePeak, "N0")}/s</td>");
            w.Write($"<td class=\"num\">{N(a.DistinctSources)}</td><td>{H(top)}</td><td>{H(end)}</td></tr>");
        }

        w.Write("</tbody></table></section>\n");
    }

    private static void WriteCounts(TextWriter w, string id, string title, string what, IReadOnlyList<KeyValuePair<string, long>> counts, string empty)
    {
        w.Write($"<section id=\"{id}\"><h2>{H(title)}</h2>");
        if (counts.Count == 0)
        {
            w.Write($"<p>{H(empty)}</p></section>\n");
            return;
        }

        w.Write($"<table class=\"counts\"><thead><tr><th>{H(what)}</th><th>count</th></tr></thead><tbody>");
        foreach (var (name, count) in counts) w.Write($"<tr><td>{H(name)}</td><td class=\"num\">{N(count)}</td></tr>");
        w.Write("</tbody></table></section>\n");
    }

    /// <summary>
    /// The chart data. The default encoder escapes &lt;, &gt;, &amp;, quotes and non-ASCII, so no value can end the
    /// script element it sits in. Times are seconds from the series origin (a JavaScript number holds those exactly
    /// enough, unlike nanoseconds since 1970).
    /// </summary>
    internal static string DataJson(ReplayReport report)
    {
        var series = report.Series;
        long originNs = series is { Points: > 0 } ? series.OriginNs : report.Alerts.Count > 0 ? report.Alerts.Min(a => a.StartNs) : 0;
        double intervalS = series is null ? 0.1 : series.IntervalNs / 1e9;
        double rangeS = series is null ? 0 : series.Points * intervalS;
        foreach (var a in report.Alerts) rangeS = Math.Max(rangeS, (a.EndNs - originNs) / 1e9);

        using var buffer = new MemoryStream();
        using (var j = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.Default }))
        {
            j.WriteStartObject();
            j.WriteNumber("origin_ms", originNs / 1_000_000);
            j.WriteNumber("origin_frac_ms", (originNs % 1_000_000) / 1e6);
            j.WriteNumber("interval_s", intervalS);
            j.WriteNumber("range_s", Math.Round(rangeS, 6));
            j.WriteNumber("points", series?.Points ?? 0);
            j.WriteStartObject("link");
            WriteValues(j, "syn", series?.LinkSynRate ?? []);
            WriteValues(j, "embryonic", series?.LinkEmbryonic ?? []);
            j.WriteEndObject();
            j.WriteStartArray("services");
            foreach (var s in series?.Services ?? [])
            {
                j.WriteStartObject();
                j.WriteString("label", s.Label);
                j.WriteNumber("start", s.Start);
                j.WriteNumber("peak_embryonic", s.PeakEmbryonic);
                j.WriteNumber("peak_syn", Math.Round(s.PeakSynRate, 2));
                WriteValues(j, "syn", s.SynRate);
                WriteValues(j, "embryonic", s.Embryonic);
                j.WriteEndObject();
            }

            j.WriteEndArray();
            j.WriteStartArray("alerts");
            foreach (var a in report.Alerts)
            {
                j.WriteStartObject();
                j.WriteString("kind", a.Kind);
                j.WriteString("target", a.Target);
                j.WriteString("rule", a.RuleId);
                j.WriteString("severity", a.Severity);
                j.WriteNumber("start_s", Math.Round((a.StartNs - originNs) / 1e9, 6));
                j.WriteNumber("end_s", Math.Round((a.EndNs - originNs) / 1e9, 6));
                j.WriteBoolean("open", a.EndReason is null);
                j.WriteNumber("embryonic_peak", a.EmbryonicPeak);
                j.WriteNumber("syn_peak", Math.Round(a.SynRatePeak, 2));
                j.WriteEndObject();
            }

            j.WriteEndArray();
            j.WriteStartArray("outcomes");
            foreach (var (name, count) in report.Outcomes)
            {
                j.WriteStartObject();
                j.WriteString("name", name);
                j.WriteNumber("count", count);
                j.WriteEndObject();
            }

            j.WriteEndArray();
            j.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteValues(Utf8JsonWriter j, string name, double[] values)
    {
        j.WriteStartArray(name);
        foreach (var v in values) j.WriteNumberValue(double.IsFinite(v) ? Math.Round(v, 2) : 0);
        j.WriteEndArray();
    }

    private static string H(string s) => Html.Encode(s);

    private static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);

    private static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);

    private const string ErrorHook = """
        window.__reportErrors = [];
        window.addEventListener('error', function (e) {
          window.__reportErrors.push(String(e.message || e.type));
          document.documentElement.setAttribute('data-errors', String(window.__reportErrors.length));
          document.documentElement.setAttribute('data-error-text', window.__reportErrors.join(' | '));
        });
        """;

    private const string Css = """
        :root { --fg: #1d2330; --muted: #5b6474; --line: #d8dde6; --bg: #ffffff; --panel: #f5f7fa; }
        * { box-sizing: border-box; }
        body { margin: 0 auto; max-width: 1280px; padding: 24px; font: 14px/1.45 "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: var(--fg); background: var(--bg); }
        h1 { font-size: 22px; margin: 0 0 4px; }
        h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
        .file { color: var(--muted); font-family: "DejaVu Sans Mono", monospace; font-size: 12px; word-break: break-all; }
        .note { color: var(--muted); font-size: 12px; margin: 0 0 8px; }
        .figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 8px; margin: 0; }
        .figures div { background: var(--panel); border-radius: 6px; padding: 8px 10px; }
        .figures dt { color: var(--muted); font-size: 12px; }
        .figures dd { margin: 0; font-size: 18px; font-weight: 600; font-variant-numeric: tabular-nums; }
        .problems { color: #a4262c; }
        .chart { background: var(--panel); border-radius: 6px; margin: 8px 0; padding: 4px; position: relative; }
        .chart svg { display: block; width: 100%; height: auto; }
        .chart .empty { padding: 16px; color: var(--muted); }
        svg text { font-size: 12px; fill: var(--fg); }
        svg .axis text { fill: var(--muted); font-size: 11px; }
        svg .grid line { stroke: var(--line); }
        svg .series { fill: none; stroke-width: 1.6; }
        svg .series.link { stroke-dasharray: 5 4; stroke-width: 1.2; }
        svg .cursor { stroke: #888; stroke-width: 1; }
        svg .tip rect { fill: #fff; stroke: #999; }
        .legend { display: flex; flex-wrap: wrap; gap: 6px 18px; font-size: 12px; margin: 4px 0 0; }
        .legend span.key { display: inline-block; width: 14px; height: 4px; margin-right: 6px; vertical-align: middle; }
        table { border-collapse: collapse; width: 100%; font-size: 12.5px; }
        th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: var(--panel); font-weight: 600; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        table.counts { width: auto; min-width: 360px; }
        .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; background: #777; }
        """;

    // Our own drawing code: builds SVG with createElementNS and textContent only (never innerHTML), so no value from
    // the data can become markup. Sets body[data-rendered="ok"] when every chart is drawn; an exception leaves it unset
    // and the error hook in the head records it.
    private const string Script = """
        (function () {
          'use strict';
          var NS = 'http://www.w3.org/2000/svg';
          var data = JSON.parse(document.getElementById('report-data').textContent);
          var PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];
          var KINDS = { 'syn-flood': '#d62728', 'embryonic-source': '#ff7f0e', 'global-embryonic': '#9467bd', 'port-scan': '#1f77b4',
            'backscatter': '#8c564b', 'health-monitor': '#2ca02c', 'handshake-anomaly': '#e377c2', 'sensor-health': '#7f7f7f' };
          var W = 1200;
          var span = data.range_s > 0 ? data.range_s : 1;

          function el(name, attrs, parent) {
            var e = document.createElementNS(NS, name);
            for (var k in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, String(attrs[k])); }
            if (parent) parent.appendChild(e);
            return e;
          }
          function text(parent, x, y, s, anchor, cls) {
            var t = el('text', { x: x, y: y, 'text-anchor': anchor || 'start' }, parent);
            if (cls) t.setAttribute('class', cls);
            t.textContent = s;
            return t;
          }
          function html(tag, cls, parent, s) {
            var e = document.createElement(tag);
            if (cls) e.className = cls;
            if (s !== undefined) e.textContent = s;
            if (parent) parent.appendChild(e);
            return e;
          }
          function niceMax(max) {
            if (!(max > 0)) return 1;
            var p = Math.pow(10, Math.floor(Math.log10(max)));
            var m = max / p;
            return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * p;
          }
          function fmt(v) {
            if (v >= 1e6) return (v / 1e6).toFixed(1) + 'M';
            if (v >= 1e4) return (v / 1e3).toFixed(0) + 'k';
            if (v >= 100 || v === Math.round(v)) return v.toFixed(0);
            return v.toFixed(1);
          }
          function clock(s) {
            var d = new Date(data.origin_ms + data.origin_frac_ms + s * 1000);
            var iso = d.toISOString();
            return span < 10 ? iso.substring(11, 23) : iso.substring(11, 19);
          }
          function xAxis(svg, left, right, top, bottom) {
            var g = el('g', { 'class': 'axis' }, svg);
            var grid = el('g', { 'class': 'grid' }, svg);
            for (var k = 0; k <= 6; k++) {
              var s = span * k / 6;
              var x = left + (right - left) * k / 6;
              el('line', { x1: x, x2: x, y1: top, y2: bottom }, grid);
              text(g, x, bottom + 16, clock(s), k === 0 ? 'start' : k === 6 ? 'end' : 'middle');
            }
          }
          function empty(host, message) { html('div', 'empty', host, message); }

          function lineChart(id, key, title) {
            var host = document.getElementById(id);
            var H = 280, L = 70, R = W - 20, T = 24, B = H - 28;
            var lines = [];
            data.services.forEach(function (s, i) { lines.push({ label: s.label, color: PALETTE[i % PALETTE.length], start: s.start, values: s[key], link: false }); });
            if (data.link[key].length > 0) lines.push({ label: 'link', color: '#6b7280', start: 0, values: data.link[key], link: true });
            if (data.points === 0) { empty(host, 'No packets were sampled.'); return; }
            var max = 0;
            lines.forEach(function (l) { l.values.forEach(function (v) { if (v > max) max = v; }); });
            var yMax = niceMax(max);
            var svg = el('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': title }, host);
            function X(i) { return L + (R - L) * (i * data.interval_s) / span; }
            function Y(v) { return B - (B - T) * v / yMax; }
            var grid = el('g', { 'class': 'grid' }, svg), axis = el('g', { 'class': 'axis' }, svg);
            for (var k = 0; k <= 4; k++) {
              var v = yMax * k / 4;
              el('line', { x1: L, x2: R, y1: Y(v), y2: Y(v) }, grid);
              text(axis, L - 6, Y(v) + 4, fmt(v), 'end');
            }
            xAxis(svg, L, R, T, B);
            text(svg, L, 15, title, 'start', 'title');
            lines.forEach(function (l) {
              if (l.values.length === 0) return;
              var d = [];
              for (var i = 0; i < l.values.length; i++) d.push((i === 0 ? 'M' : 'L') + X(l.start + i).toFixed(1) + ',' + Y(l.values[i]).toFixed(1));
              el('path', { d: d.join(''), 'class': 'series' + (l.link ? ' link' : ''), stroke: l.color, 'data-points': l.values.length, 'data-series': l.label }, svg);
            });

            // Hover: a cursor line and the values of every series at the nearest point.
            var cursor = el('line', { 'class': 'cursor', y1: T, y2: B, visibility: 'hidden' }, svg);
            var tip = el('g', { 'class': 'tip', visibility: 'hidden' }, svg);
            var tipBox = el('rect', { rx: 4 }, tip);
            var tipLines = [];
            for (var n = 0; n <= lines.length; n++) tipLines.push(text(tip, 0, 0, ''));
            var overlay = el('rect', { x: L, y: T, width: R - L, height: B - T, fill: 'transparent' }, svg);
            overlay.addEventListener('mousemove', function (ev) {
              var box = svg.getBoundingClientRect();
              var x = (ev.clientX - box.left) * W / box.width;
              var i = Math.max(0, Math.min(data.points - 1, Math.round((x - L) / (R - L) * span / data.interval_s)));
              cursor.setAttribute('x1', X(i)); cursor.setAttribute('x2', X(i)); cursor.setAttribute('visibility', 'visible');
              tipLines[0].textContent = clock(i * data.interval_s);
              lines.forEach(function (l, j) {
                var at = i - l.start;
                tipLines[j + 1].textContent = l.label + ': ' + (at >= 0 && at < l.values.length ? fmt(l.values[at]) : '-');
              });
              var tx = X(i) + 10 > R - 200 ? X(i) - 210 : X(i) + 10;
              tipLines.forEach(function (t, j) { t.setAttribute('x', tx + 8); t.setAttribute('y', T + 18 + j * 15); });
              tipBox.setAttribute('x', tx); tipBox.setAttribute('y', T + 4); tipBox.setAttribute('width', 200); tipBox.setAttribute('height', 10 + tipLines.length * 15);
              tip.setAttribute('visibility', 'visible');
            });
            overlay.addEventListener('mouseleave', function () { cursor.setAttribute('visibility', 'hidden'); tip.setAttribute('visibility', 'hidden'); });
          }

          function serviceLegend() {
            var host = document.getElementById('legend-services');
            data.services.forEach(function (s, i) {
              var item = html('div', 'item', host);
              html('span', 'key', item).style.background = PALETTE[i % PALETTE.length];
              html('span', '', item, s.label + ' (peak ' + fmt(s.peak_embryonic) + ' embryonic, ' + fmt(s.peak_syn) + ' SYN/s)');
            });
            if (data.link.syn.length > 0) {
              var link = html('div', 'item', host);
              html('span', 'key', link).style.background = '#6b7280';
              html('span', '', link, 'whole link');
            }
          }

          function timeline() {
            var host = document.getElementById('chart-timeline');
            if (data.alerts.length === 0) { empty(host, 'No attacks detected.'); return; }
            var rowH = 24, L = 300, R = W - 20, T = 10, B = T + data.alerts.length * rowH, H = B + 28;
            var svg = el('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'attacks over time' }, host);
            function X(s) { return L + (R - L) * Math.max(0, Math.min(s, span)) / span; }
            xAxis(svg, L, R, T, B);
            var kinds = {};
            data.alerts.forEach(function (a, i) {
              var y = T + i * rowH;
              var color = KINDS[a.kind] || '#555555';
              kinds[a.kind] = color;
              text(svg, L - 8, y + 16, a.kind + '  ' + a.target, 'end');
              var x0 = X(a.start_s), x1 = X(a.end_s);
              var bar = el('rect', { x: x0, y: y + 4, width: Math.max(2, x1 - x0), height: rowH - 8, rx: 3, fill: color, 'class': 'alert-bar', 'data-kind': a.kind }, svg);
              var tip = el('title', {}, bar);
              tip.textContent = a.kind + ' on ' + a.target + ' (' + a.rule + ', ' + a.severity + '): ' + clock(a.start_s) + ' to ' + clock(a.end_s) +
                (a.open ? ' (open)' : '') + ', peak ' + fmt(a.embryonic_peak) + ' embryonic, ' + fmt(a.syn_peak) + ' SYN/s';
            });
            var legend = document.getElementById('legend-kinds');
            Object.keys(kinds).sort().forEach(function (k) {
              var item = html('div', 'item', legend);
              html('span', 'key', item).style.background = kinds[k];
              html('span', '', item, k);
            });
            document.querySelectorAll('.swatch[data-kind]').forEach(function (s) { s.style.background = KINDS[s.getAttribute('data-kind')] || '#555555'; });
          }

          function outcomes() {
            var host = document.getElementById('chart-outcomes');
            if (data.outcomes.length === 0) { empty(host, 'No connection attempts.'); return; }
            var rowH = 26, L = 190, R = W - 120, T = 8, H = T * 2 + data.outcomes.length * rowH;
            var max = 0;
            data.outcomes.forEach(function (o) { if (o.count > max) max = o.count; });
            var svg = el('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'attempts by outcome' }, host);
            data.outcomes.forEach(function (o, i) {
              var y = T + i * rowH;
              text(svg, L - 8, y + 17, o.name, 'end');
              var w = max > 0 ? (R - L) * o.count / max : 0;
              el('rect', { x: L, y: y + 4, width: Math.max(1, w), height: rowH - 8, rx: 3, fill: PALETTE[i % PALETTE.length], 'class': 'outcome-bar', 'data-count': o.count }, svg);
              text(svg, L + Math.max(1, w) + 6, y + 17, o.count.toLocaleString('en-US'));
            });
          }

          lineChart('chart-syn', 'syn', 'SYN rate (per second)');
          lineChart('chart-embryonic', 'embryonic', 'Embryonic attempts');
          serviceLegend();
          timeline();
          outcomes();
          document.body.setAttribute('data-rendered', 'ok');
        })();
        """;
}
