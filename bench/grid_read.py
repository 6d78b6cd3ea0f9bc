"""How fast the API serves the demand review grid: sequential reads of
``GET /api/demand/grid?level=family`` on a copy of a store (the demo's, say), in process
(FastAPI's TestClient: no network, one client), as the demand planner.

    python -m snop demo            # once: snop-demo/snop.db
    python bench/grid_read.py snop-demo/snop.db --reads 200

Prints the rows and periods of one grid, then p50, p95 and the slowest read in ms.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from snop.api.app import create_app
from snop.services.context import Actor
from snop.services.users import create_token
from snop.store.uow import UnitOfWork


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("db", type=Path, help="The store to copy (a SQLite file).")
    ap.add_argument("--reads", type=int, default=200)
    ap.add_argument("--user", default="dana", help="Who reads (a user of the store).")
    ap.add_argument("--admin", default="ada", help="An admin, who makes the reader a token.")
    ap.add_argument("--query", default="level=family", help="The grid's query string.")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "store.db"
        shutil.copyfile(args.db, copy)
        uow = UnitOfWork.open(str(copy))
        token = create_token(uow, Actor.of(args.admin, "admin"), args.user, "bench").token
        headers = {"Authorization": f"Bearer {token}"}
        url = f"/api/demand/grid?{args.query}"
        with TestClient(create_app(uow), base_url="https://testserver") as client:
            first = client.get(url, headers=headers)
            first.raise_for_status()
            grid = first.json()
            took = []
            for _ in range(args.reads):
                t = time.perf_counter()
                r = client.get(url, headers=headers)
                took.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, r.text
        uow.dispose()
    took.sort()
    p95 = took[max(0, round(0.95 * len(took)) - 1)]
    print(
        f"grid {args.query}: {len(grid['rows'])} rows ({len(grid['periods'])} periods, "
        f"{len(grid['layers'])} layers, plan {grid['status']}); {args.reads} reads: "
        f"p50 {statistics.median(took):.1f} ms, p95 {p95:.1f} ms, max {took[-1]:.1f} ms"
    )


if __name__ == "__main__":
    main()
