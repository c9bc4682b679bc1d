#!/usr/bin/env python3
"""Draws the scale curve of `alerthub bench --json` runs as an SVG (no dependencies).

    python3 bench/chart.py docs/bench-curve.svg run-500.json run-2000.json run-5000.json

Left: per-recipient p99 (ms, log scale) of AlertHub and the bare hub against the number of connections;
right: server memory per connection (KB RSS) of both.
"""
import json
import math
import sys

out, files = sys.argv[1], sys.argv[2:]
runs = sorted((json.load(open(f)) for f in files), key=lambda r: r["alertHub"]["connections"])
n = [r["alertHub"]["connections"] for r in runs]
series = {
    "AlertHub p99": [r["alertHub"]["perRecipient"]["p99Ms"] for r in runs],
    "kale hub p99": [r["bare"]["perRecipient"]["p99Ms"] if r.get("bare") else None for r in runs],
}
memory = {
    "AlertHub": [(r["alertHub"]["memory"] or {}).get("rssPerConnectionBytes") for r in runs],
    "kale hub": [((r.get("bare") or {}).get("memory") or {}).get("rssPerConnectionBytes") for r in runs],
}
W, H, PAD = 360, 240, 48
colors = ["#c0392b", "#2c3e50"]


def x_of(i):
    return PAD + i * (W - 2 * PAD) / max(1, len(n) - 1)


def panel(ox, title, data, log, unit):
    values = [v for s in data.values() for v in s if v]
    lo, hi = (min(values), max(values)) if values else (1, 10)
    if log:
        lo, hi = 10 ** math.floor(math.log10(max(lo, 1))), 10 ** math.ceil(math.log10(max(hi, 1)))
    else:
        lo, hi = 0, hi * 1.2

    def y_of(v):
        t = (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)) if log else (v - lo) / (hi - lo)
        return H - PAD - t * (H - 2 * PAD)

    parts = [f'<g transform="translate({ox},0)">',
             f'<text x="{W / 2}" y="18" text-anchor="middle" font-weight="bold">{title}</text>',
             f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - PAD}" y2="{H - PAD}" stroke="#888"/>',
             f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{H - PAD}" stroke="#888"/>']
    ticks = [lo * 10 ** k for k in range(int(round(math.log10(hi / lo))) + 1)] if log else [lo + (hi - lo) * k / 4 for k in range(5)]
    for t in ticks:
        parts.append(f'<text x="{PAD - 4}" y="{y_of(t) + 4:.1f}" text-anchor="end" font-size="10">{t:,.0f}</text>')
    for i, c in enumerate(n):
        parts.append(f'<text x="{x_of(i):.1f}" y="{H - PAD + 14}" text-anchor="middle" font-size="10">{c:,}</text>')
    parts.append(f'<text x="{W / 2}" y="{H - 12}" text-anchor="middle" font-size="10">verbindingen</text>')
    parts.append(f'<text x="12" y="{H / 2}" font-size="10" transform="rotate(-90 12 {H / 2})" text-anchor="middle">{unit}</text>')
    for k, (name, s) in enumerate(data.items()):
        points = [(x_of(i), y_of(v)) for i, v in enumerate(s) if v]
        if points:
            parts.append(f'<polyline fill="none" stroke="{colors[k]}" stroke-width="2" points="'
                         + " ".join(f"{px:.1f},{py:.1f}" for px, py in points) + '"/>')
            for px, py in points:
                parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colors[k]}"/>')
        parts.append(f'<text x="{PAD + 8}" y="{PAD + 12 + 14 * k}" font-size="11" fill="{colors[k]}">{name}</text>')
    parts.append("</g>")
    return parts


svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * W}" height="{H}" font-family="sans-serif" font-size="12">',
       '<rect width="100%" height="100%" fill="white"/>']
svg += panel(0, "per ontvanger p99 bij 10 meldingen/s", series, True, "ms (log)")
svg += panel(W, "geheugen per verbinding", {k: [v / 1024 if v else None for v in s] for k, s in memory.items()}, False, "KB RSS")
svg.append("</svg>")
open(out, "w").write("\n".join(svg))
print(out)
