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

for bench in ["calls", "export", "download"]:
    entries = {imp: v for (b, imp), v in rows.items() if b == bench}
    if not entries:
        continue
    base = None
    if bench == "calls":
        base = "raw-reqwest"
    elif bench == "export":
        base = "falconpy"
    print(f"\n### {bench}\n")
    print("| implementation | runs | median wall time (s) | min–max (s) | peak RSS (MiB, median) |" + (f" vs {base} |" if base else ""))
    print("|---|---|---|---|---|" + ("---|" if base else ""))
    base_median = statistics.median(s for s, _ in entries[base]) if base in entries else None
    for imp, v in sorted(entries.items()):
        secs = [s for s, _ in v]
        med = statistics.median(secs)
        rss = statistics.median(r for _, r in v) / 1024
        ratio = f" {med / base_median:.2f}× |" if base_median else ""
        print(f"| {imp} | {len(v)} | {med:.3f} | {min(secs):.3f}–{max(secs):.3f} | {rss:.1f} |{ratio}")
