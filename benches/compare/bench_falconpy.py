"""FalconPy side of the comparison benchmarks (see run.sh).

Usage: python bench_falconpy.py calls [N] [session] | export [session] | download OUT [stream]

`session`: the service class is built with `session=requests.Session()`
(FalconPy 1.6.6 takes it), so connections are reused as on the Rust side;
without it FalconPy sends every call with `requests.request`, which opens
a new connection each time.

Prints one line per run: bench, implementation, seconds, peak RSS (KiB),
details; the same format as the Rust bench binaries.
"""
import os
import resource
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import requests
from falconpy import ExposureManagement

# The export loop of FalconPy's samples, shared with the throughput benchmark
# (imported without leaving a __pycache__ in the source tree).
sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "throughput"))
from falconpy_export import export as export_all  # noqa: E402

BASE_URL = os.environ.get("BENCH_BASE_URL", "http://127.0.0.1:8080")
CLIENT_ID = os.environ.get("BENCH_CLIENT_ID", "emulator-client-id")
CLIENT_SECRET = os.environ.get("BENCH_CLIENT_SECRET", "emulator-client-secret")


def falcon(session=False):
    # base_url takes a full URL; FalconPy keeps the http:// scheme given.
    kwargs = {"session": requests.Session()} if session else {}
    return ExposureManagement(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, base_url=BASE_URL, **kwargs)


def name(session):
    return "falconpy-session" if session else "falconpy"


def report(bench, imp, started, extra):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(f"{bench}\t{imp}\t{time.perf_counter() - started:.3f}\t{peak}\t{extra}", flush=True)


def calls(n=2000, session=False):
    api = falcon(session)
    ids = api.query_assets_v1(limit=100)["body"]["resources"]
    assert len(ids) == 100
    api.get_assets(ids=ids)  # token
    started = time.perf_counter()
    total = 0
    for _ in range(n):
        reply = api.get_assets(ids=ids)
        assert reply["status_code"] == 200
        total += len(reply["body"]["resources"])
    assert total == n * 100
    report("calls", name(session), started, f"{n} calls")


def export(session=False):
    """Every asset: v2 id pages of 1,000, `get_assets` of 100 ids each."""
    api = falcon(session)
    api.query_assets(limit=1)  # token
    started = time.perf_counter()
    seen, errors = export_all(api, 1000)
    assert errors == 0
    report("export", name(session), started, f"{len(seen)} assets")


def blob_link(api):
    ids = api.query_assets_v1(limit=100)["body"]["resources"]
    for asset in api.get_assets(ids=ids)["body"]["resources"]:
        holder = asset.get("ip") or asset.get("dns_domain") or {}
        for service in holder.get("services") or []:
            link = (service.get("blob_links") or {}).get("download_banner")
            if link:
                q = parse_qs(urlparse(link).query)
                return q["assetId"][0], q["hash"][0]
    raise SystemExit("no blob link")


def download(out, stream=False):
    api = falcon()
    asset_id, blob_hash = blob_link(api)
    started = time.perf_counter()
    if stream:
        # Undocumented for this method: a requests.Response to iterate.
        reply = api.download_assets(assetId=asset_id, hash=blob_hash, stream=True)
        if isinstance(reply, (bytes, dict)):
            raise SystemExit("stream=True is not honoured by download_assets")
        size = 0
        with open(out, "wb") as f:
            for chunk in reply.iter_content(chunk_size=1 << 16):
                f.write(chunk)
                size += len(chunk)
    else:
        # As documented: the method returns the blob as bytes.
        blob = api.download_assets(assetId=asset_id, hash=blob_hash)
        assert isinstance(blob, bytes), type(blob)
        with open(out, "wb") as f:
            f.write(blob)
        size = len(blob)
    report("download", "falconpy-stream" if stream else "falconpy", started, f"{size} bytes")


if __name__ == "__main__":
    what, args = sys.argv[1], sys.argv[2:]
    with_session = "session" in args
    if what == "calls":
        numbers = [int(a) for a in args if a.isdigit()]
        calls(numbers[0] if numbers else 2000, with_session)
    elif what == "export":
        export(with_session)
    elif what == "download":
        download(sys.argv[2], stream=len(sys.argv) > 3 and sys.argv[3] == "stream")
    else:
        raise SystemExit(f"unknown benchmark {what}")
