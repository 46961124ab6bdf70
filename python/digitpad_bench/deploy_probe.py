"""Torn deploys, probed: export two models alternately into one served folder while
clients fetch model.json and then the shard it names, as a page without its model in it
does (a built page holds its model: site.py). A pair is
torn when the shard's bytes are not the ones model.json names (its hash in the name).

    python -m digitpad_bench.deploy_probe BUILD_A BUILD_B [--pairs 20000]
"""

import argparse
import hashlib
import json
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from . import browser
from .page_bench import serving_process
from digitpad.export import export


def probe(build_a, build_b, pairs=20_000, clients=16):
    with tempfile.TemporaryDirectory() as tmp:
        site = browser.page_only_site(Path(tmp) / "web")
        export(build_a, site)
        counts = {"pairs": 0, "torn": 0, "missing": 0, "exports": 0}
        lock, done = threading.Lock(), threading.Event()
        with serving_process(site) as url:  # its own process, as `make serve` runs
            def exporter():
                builds = [build_b, build_a]
                while not done.is_set():
                    export(builds[counts["exports"] % 2], site)
                    counts["exports"] += 1

            def client():
                try:
                    fetch_pairs()
                except Exception:
                    done.set()  # one client's failure ends the probe, not a hang
                    raise

            def fetch_pairs():
                while not done.is_set():
                    spec = json.loads(urllib.request.urlopen(url + "model/model.json", timeout=30).read())
                    path = spec["weightsManifest"][0]["paths"][0]
                    try:
                        shard = urllib.request.urlopen(url + "model/" + path, timeout=30).read()
                        torn, missing = hashlib.sha256(shard).hexdigest()[:16] not in path, 0
                    except urllib.error.HTTPError:
                        torn, missing = 0, 1
                    with lock:
                        counts["pairs"] += 1
                        counts["torn"] += torn
                        counts["missing"] += missing
                        if counts["pairs"] % 1000 == 0:
                            print(counts, flush=True)
                        if counts["pairs"] >= pairs:
                            done.set()

            started = time.monotonic()
            threads = [threading.Thread(target=exporter)] + [threading.Thread(target=client) for _ in range(clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            counts["seconds"] = round(time.monotonic() - started, 1)
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build_a")
    parser.add_argument("build_b")
    parser.add_argument("--pairs", type=int, default=20_000)
    args = parser.parse_args()
    print(probe(args.build_a, args.build_b, args.pairs))


if __name__ == "__main__":
    main()
