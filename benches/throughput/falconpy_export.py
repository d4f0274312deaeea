"""FalconPy side of the throughput benchmark (see run.sh and
tests/examples/bench_throughput.rs, which starts this script).

Usage: python falconpy_export.py BASE_URL plain|session PAGE_SIZE [EXPORTS]

EXPORTS (default 1) exports of every asset, one after another, each the
loop of FalconPy's samples: `query_assets` (the v2 query, `after` cursor)
pages of PAGE_SIZE ids, and one `get_assets` of 100 ids after another,
sequentially.

- `plain`: `ExposureManagement(...)` as today's comparison benchmark builds
  it; FalconPy then sends every call with `requests.request`, which opens a
  new connection each time.
- `session`: the same with `session=requests.Session()` (a keyword the
  service classes of FalconPy 1.6.6 take), so connections are reused as on
  the Rust side.

The token is fetched before the clock starts (a service class logs in when
it is built; no API request).
Prints one JSON line: assets, errors, wall_s, cpu_s (user + system time of
this process during the export, from getrusage(RUSAGE_SELF)).
"""
import json
import os
import resource
import sys
import time

import requests
from falconpy import ExposureManagement

CLIENT_ID = os.environ.get("BENCH_CLIENT_ID", "emulator-client-id")
CLIENT_SECRET = os.environ.get("BENCH_CLIENT_SECRET", "emulator-client-secret")
BATCH = 100


def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def export(api, page_size):
    """Returns (distinct asset ids seen, failed calls)."""
    seen = set()
    after = None
    while True:
        kwargs = {"limit": page_size}
        if after:
            kwargs["after"] = after
        page = api.query_assets(**kwargs)
        if page["status_code"] != 200:
            # FalconPy neither waits nor retries: the export stops here.
            print(f"query_assets: {page['status_code']} {page['body'].get('errors')}", file=sys.stderr)
            return seen, 1
        ids = page["body"]["resources"] or []
        for i in range(0, len(ids), BATCH):
            details = api.get_assets(ids=ids[i:i + BATCH])
            if details["status_code"] != 200:
                print(f"get_assets: {details['status_code']}", file=sys.stderr)
                return seen, 1
            for asset in details["body"]["resources"] or []:
                seen.add(asset["id"])
        after = (page["body"].get("meta") or {}).get("pagination", {}).get("after")
        if not after or not ids:
            return seen, 0


def main():
    base_url, mode, page_size = sys.argv[1], sys.argv[2], int(sys.argv[3])
    exports = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    if mode not in ("plain", "session"):
        raise SystemExit(f"unknown mode {mode}: plain or session")
    kwargs = {"session": requests.Session()} if mode == "session" else {}
    # base_url takes a full URL; FalconPy keeps the http:// scheme given.
    api = ExposureManagement(client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                             base_url=base_url, **kwargs)
    # A service class logs in when it is built, so the token comes first.
    if not api.authenticated():
        raise SystemExit("FalconPy could not get a token")
    cpu_before, started = cpu(), time.perf_counter()
    assets = errors = 0
    for _ in range(exports):
        seen, failed = export(api, page_size)
        assets, errors = assets + len(seen), errors + failed
    wall = time.perf_counter() - started
    print(json.dumps({"assets": assets, "errors": errors, "wall_s": wall,
                      "cpu_s": cpu() - cpu_before}), flush=True)


if __name__ == "__main__":
    main()
