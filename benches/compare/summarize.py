"""Medians of the result lines written by run.sh, as Markdown tables."""
import statistics
import sys
from collections import defaultdict

rows = defaultdict(list)
for line in open(sys.argv[1]):
    parts = line.rstrip("\n").split("\t")
    if len(parts) < 4:
        continue
    bench, imp, secs, rss = parts[0], parts[1], float(parts[2]), int(parts[3])
    rows[(bench, imp)].append((secs, rss))

BASES = {
    "calls": ["raw-reqwest", "raw-reqwest-typed", "falconpy", "falconpy-session"],
    "export": ["falconpy", "falconpy-session"],
    "export-20ms": ["falconpy", "falconpy-session"],
    "download": [],
}
for bench, bases in BASES.items():
    entries = {imp: v for (b, imp), v in rows.items() if b == bench}
    if not entries:
        continue
    medians = {imp: statistics.median(s for s, _ in v) for imp, v in entries.items()}
    bases = [b for b in bases if b in medians]
    print(f"\n### {bench}\n")
    print("| implementation | runs | median wall time (s) | min–max (s) | peak RSS, median (MiB) |"
          + "".join(f" ÷ {b} |" for b in bases))
    print("|---|---|---|---|---|" + "---|" * len(bases))
    for imp, v in sorted(entries.items(), key=lambda kv: medians[kv[0]]):
        secs = [s for s, _ in v]
        rss = statistics.median(r for _, r in v) / 1024
        ratios = "".join(f" {medians[imp] / medians[b]:.2f} |" for b in bases)
        print(f"| {imp} | {len(v)} | {medians[imp]:.3f} | {min(secs):.3f}–{max(secs):.3f} | {rss:.1f} |{ratios}")
