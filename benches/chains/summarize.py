"""The table of benches/chains/run.sh: each case's row of bench_throughput,
by the export of BASE and by this tree's, against the ideal.

The ideal is the allowed rate (the default share, 0.5, of the budget)
divided by the minimum requests per asset: one id page per page of ids and
one detail request per 100 assets."""

import sys
from pathlib import Path

work, assets, limit, base = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
cases = sys.argv[5:]
allowed = 0.5 * limit / 60  # requests a second


def row(path):
    """wall s, assets/s, requests, 429s, client CPU ms per 1,000 assets."""
    for line in path.read_text().splitlines():
        if line.startswith("| falcon-exposure"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            wall = cells[2]
            note = ""
            if "(" in wall:
                wall, note = wall.split("(", 1)
                note = "(" + note
            return {
                "wall": float(wall.split()[0]),
                "rate": float(cells[3]),
                "requests": int(cells[4]),
                "429": int(cells[8]),
                "cpu": cells[10],
                "note": note.strip(),
            }
    raise SystemExit(f"no row in {path}")


print(
    f"One export of {assets:,} assets; latency median 150 ms / p99 400 ms; "
    f"{limit:,} requests a minute; budget_share 0.5 ({allowed:.0f} requests/s allowed).\n"
)
print(
    "| page limit | refusal | export | wall time | assets/s | of ideal | requests | of minimum | 429s | client CPU / 1,000 assets |"
)
print("|---|---|---|---|---|---|---|---|---|---|")
for case in cases:
    page, refusal = case.split(":")
    page = int(page)
    minimum = -(-assets // page) + -(-assets // 100)
    ideal = allowed / (1 / page + 1 / 100)
    for who, label in (("base", f"one chain ({base})"), ("new", "several chains")):
        r = row(work / f"{who}-{page}-{refusal}.md")
        print(
            f"| {page:,} | {refusal} | {label} | {r['wall']:.1f} s {r['note']} | {r['rate']:,.0f} | "
            f"{100 * r['rate'] / ideal:.0f} % of {ideal:,.0f} | {r['requests']:,} | "
            f"{100 * r['requests'] / minimum:.1f} % of {minimum:,} | {r['429']} | {r['cpu']} |"
        )
