"""Load bench of the web API: concurrent clients read demand grids and write overrides,
on SQLite and on PostgreSQL (issue 17's load target).

    python bench/api_bench.py [--seconds 60] [--ramp 5] [--clients 50] [--months 2] [--horizon 24]
                              [--db sqlite,postgresql]

For each store: the demo company is simulated into it (``snop demo``'s use case,
:func:`snop.services.demo.simulate`, which takes any store, so PostgreSQL gets the same
demo; its URL comes from ``SNOP_TEST_POSTGRES_URL``, without which that part is skipped
with a message), then the next cycle is opened so its demand plan is a draft. ``snop
serve`` runs the app in a subprocess on loopback (its own interpreter, as in production),
and ``--clients`` clients (asyncio, one HTTP connection each, each with the API token of
a demo user) loop for ``--seconds`` seconds:

* ``GET /api/demand/grid?level=family``: the family x period grid of the plan;
* ``POST /api/demand/overrides``: +1 unit on one item and period of the layer its user's
  role owns (sales, marketing, consensus: from the workbook's ``demand_layers``).

The clients start one after another over ``--ramp`` seconds, then load the app together
for ``--seconds`` seconds: the latencies are of that steady state (those of the ramp-up,
when fewer clients run, are printed apart). Counted: requests, errors by status (a 5xx
fails the bench), p50/p95/p99 of each call, requests/s; then every acknowledged write (a
2xx with its override id) is looked up in the store's override log (one missing fails the
bench). The peer: the same grid read done in
the bench's process by the services (``demand_plan(...).view("family")``), single-threaded
on the final plan; the ratio of the two medians is what HTTP, JSON and the load add.

Target: p95 of the family grid read under 200 ms. A route missing from the app (the demand
routes not yet merged) stops the bench with a message naming it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from snop.services import cycles as cyc
from snop.services import demand_review as dr
from snop.services.context import Actor
from snop.services.demo import DEMO_USERS, simulate
from snop.services.forecast import run_baseline
from snop.services.users import create_token
from snop.store.uow import UnitOfWork

GRID = "/api/demand/grid"
OVERRIDES = "/api/demand/overrides"
TARGET_P95_MS = 200.0
DANA = Actor.of("dana", "demand_planner")
HOST = "127.0.0.1"


class BenchError(Exception):
    """The bench cannot run or its checks failed: the message says which."""


@dataclass
class Writer:
    """What one client writes: its token and the cells of its role's layer."""

    user: str
    headers: dict[str, str]
    layer: str
    cells: list[tuple[str, str]]  # (item, period) where the item sells


@dataclass
class Tally:
    reads: list[float] = field(default_factory=list)  # seconds, in the steady state
    writes: list[float] = field(default_factory=list)
    ramp_reads: list[float] = field(default_factory=list)  # started while clients ramp up
    ramp_writes: list[float] = field(default_factory=list)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    acked: list[tuple[int, str, str]] = field(default_factory=list)  # (id, user, layer)
    no_id: int = 0  # 2xx writes whose answer holds no override id
    failures: list[str] = field(default_factory=list)  # a few 4xx/5xx answers, for the report


# ------------------------------------------------------------------ the stores


def sqlite_store(folder: Path) -> tuple[str, UnitOfWork]:
    url = f"sqlite:///{folder / 'snop.db'}"
    return url, UnitOfWork.open(url)


def postgres_store() -> tuple[str, UnitOfWork, str] | None:
    """A fresh PostgreSQL database (url, store, its name), or None without a server."""
    base = os.environ.get("SNOP_TEST_POSTGRES_URL")
    if not base:
        return None
    import sqlalchemy as sa

    name = f"snop_api_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = sa.make_url(base).set(database=name).render_as_string(hide_password=False)
    return url, UnitOfWork.open(url), name


def drop_postgres(name: str) -> None:
    import sqlalchemy as sa

    admin = sa.create_engine(os.environ["SNOP_TEST_POSTGRES_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def prepare(uow: UnitOfWork, folder: Path, months: int, clients: int, horizon: int) -> list[Writer]:
    """The demo into ``uow``, the next cycle opened (its plan a draft), and one writer
    per client: each demo user whose role owns a layer, in turn, with a token of their own."""
    t0 = time.perf_counter()
    simulate(uow, folder, months=months, horizon=horizon)
    opened = cyc.open_cycle(uow, DANA)
    cyc.signoff(uow, DANA, "data")  # as the demo's months do: data, forecast, then review
    run_baseline(uow, DANA)
    cyc.signoff(uow, DANA, "forecast")
    plan = dr.demand_plan(uow, DANA)
    print(
        f"  demo of {months} month(s) and cycle {opened.cycle.period} opened in "
        f"{time.perf_counter() - t0:.1f}s; draft plan: {len(plan.replay.hierarchy.items)} "
        f"items, {len(plan.replay.hierarchy.periods)} periods, layers "
        + ", ".join(f"{lay.name} ({lay.role})" for lay in plan.layers)
    )
    owners = {r: u.name for u in DEMO_USERS for r in u.roles}
    layers = [(lay.name, owners[lay.role]) for lay in plan.layers if lay.role in owners]
    if not layers:
        raise BenchError("no demand layer is owned by a role of a demo user")
    # the cells an item-level delta may change: the item sells there (a statistical
    # forecast above zero), so no write is refused for an item not yet launched or ended
    view = plan.view("item")
    view = view[view["statistical"] > 0]
    cells = list(zip(view["key"].astype(str), view["period"].astype(str), strict=True))
    out = []
    for k in range(clients):
        layer, user = layers[k % len(layers)]
        token = create_token(uow, Actor.of(user), user, f"bench {k}").token
        mine = cells[k % len(cells) :: clients] or [cells[k % len(cells)]]
        out.append(Writer(user, {"Authorization": f"Bearer {token}"}, layer, mine))
    return out


# ------------------------------------------------------------------ the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start_server(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    """``snop --db URL serve`` in a subprocess, with this interpreter and import path;
    its output goes to ``log``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    cmd = [sys.executable, "-m", "snop", "--db", url, "serve", "--host", HOST, "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = log.read_text(errors="replace").strip()[-500:]
            raise BenchError(f"snop serve exited with {proc.returncode}: {err}")
        try:
            httpx.get(f"http://{HOST}:{port}/api/me", timeout=1.0)
            return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise BenchError("snop serve did not answer within 60 s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def check_routes(base: str, w: Writer) -> None:
    """Stop with a clear message when the routes the bench drives are not in the app."""
    paths = httpx.get(f"{base}/api/openapi.json", timeout=30).json().get("paths", {})
    missing = [
        f"{method.upper()} {path}"
        for path, method in ((GRID, "get"), (OVERRIDES, "post"))
        if method not in paths.get(path, {})
    ]
    if missing:
        raise BenchError(
            f"the app has no route {' nor '.join(missing)} (the demand routes are not in "
            "this build of snop); nothing to measure"
        )
    r = httpx.get(f"{base}{GRID}", params={"level": "family"}, headers=w.headers, timeout=60)
    if r.status_code != 200:
        raise BenchError(f"GET {GRID}?level=family answered {r.status_code}: {r.text[:300]}")
    print(f"  the family grid's answer: {len(r.content) / 1024:.0f} KB of JSON")


# ------------------------------------------------------------------ the clients


def override_id(body: Any) -> int | None:
    """The id of the override a write stored, wherever the answer puts it."""
    if not isinstance(body, dict):
        return None
    for key in ("override", "entry", "result"):
        inner = body.get(key)
        if isinstance(inner, dict) and isinstance(inner.get("id"), int):
            return int(inner["id"])
    for key in ("id", "override_id"):
        if isinstance(body.get(key), int):
            return int(body[key])
    return None


def connect(base: str, w: Writer) -> httpx.AsyncClient:
    """One client's HTTP connection, made before the clock starts: making one costs tens of
    milliseconds of the bench's own event loop (its TLS context), which would otherwise be
    counted in the latency of the requests other clients already sent."""
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    return httpx.AsyncClient(base_url=base, headers=w.headers, limits=limits)


@dataclass
class Clock:
    """When a client starts, when the steady state begins (the last client has started)
    and when the load stops (time.monotonic())."""

    start: float
    steady: float
    until: float


async def client(c: httpx.AsyncClient, w: Writer, k: int, clock: Clock, tally: Tally) -> None:
    await asyncio.sleep(max(0.0, clock.start - time.monotonic()))
    async with c:
        n = 0
        while time.monotonic() < clock.until:
            steady = time.monotonic() >= clock.steady
            t0 = time.perf_counter()
            r = await send(c, tally, "read", "GET", GRID, params={"level": "family"})
            if r is None:
                continue
            (tally.reads if steady else tally.ramp_reads).append(time.perf_counter() - t0)
            item, period = w.cells[n % len(w.cells)]
            body = {
                "layer": w.layer,
                "level": "item",
                "key": item,
                "period": period,
                "to_period": period,
                "kind": "delta",
                "value": 1.0,
                "reason": f"bench client {k}",
            }
            steady = time.monotonic() >= clock.steady
            t0 = time.perf_counter()
            r = await send(c, tally, "write", "POST", OVERRIDES, json=body)
            n += 1
            if r is None:
                continue
            (tally.writes if steady else tally.ramp_writes).append(time.perf_counter() - t0)
            if r.is_success:
                found = override_id(r.json())
                if found is None:
                    tally.no_id += 1
                else:
                    tally.acked.append((found, w.user, w.layer))


async def send(
    c: httpx.AsyncClient, tally: Tally, what: str, method: str, path: str, **kw: Any
) -> httpx.Response | None:
    """The answer, counted by status; None (counted as status 0, a failure) when the
    connection broke or timed out."""
    try:
        r = await c.request(method, path, timeout=120, **kw)
    except httpx.TransportError as e:
        tally.statuses[(what, 0)] += 1
        if len(tally.failures) < 5:
            tally.failures.append(f"{what}: {type(e).__name__} {e}")
        return None
    tally.statuses[(what, r.status_code)] += 1
    if not r.is_success and len(tally.failures) < 5:
        tally.failures.append(f"{what} {r.status_code}: {r.text[:200]}")
    return r


async def load(
    base: str, writers: list[Writer], seconds: float, ramp: float
) -> tuple[Tally, float]:
    """Run the clients: they start one after another over ``ramp`` seconds (as planners
    arrive, not all in the same millisecond), then all of them load the app for
    ``seconds`` seconds, the steady state the figures are of."""
    tally = Tally()
    clients = [connect(base, w) for w in writers]
    now = time.monotonic()
    step = ramp / max(len(writers), 1)
    clocks = [Clock(now + k * step, now + ramp, now + ramp + seconds) for k in range(len(writers))]
    t0 = time.perf_counter()
    await asyncio.gather(
        *(
            client(c, w, k, clock, tally)
            for k, (c, w, clock) in enumerate(zip(clients, writers, clocks, strict=True))
        )
    )
    return tally, time.perf_counter() - t0


# ------------------------------------------------------------------ the checks and report


def lost_writes(uow: UnitOfWork, tally: Tally) -> list[int]:
    """The acknowledged writes that are not in the store's override log as acknowledged."""
    with uow.read() as tx:
        cycle = tx.cycles.current()
        assert cycle is not None
        logged = {ov.id: ov for ov in tx.demand.log(cycle.period)}
    return [
        i
        for i, user, layer in tally.acked
        if i not in logged or (logged[i].author, logged[i].layer) != (user, layer)
    ]


def in_process_grid(uow: UnitOfWork, runs: int = 20) -> list[float]:
    """The grid read done by the services in this process, one at a time."""
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        dr.demand_plan(uow, DANA).view("family")
        out.append(time.perf_counter() - t0)
    return out


def ms(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values) * 1000, q)) if values else float("nan")


def report(name: str, tally: Tally, took: float, peer: list[float], lost: list[int]) -> bool:
    """Print the figures; True when the run passed its checks."""
    total = sum(tally.statuses.values())
    print(f"  {total} requests in {took:.1f}s: {total / took:.1f} requests/s")
    print("  steady state (every client started):")
    for what, values in (("grid read", tally.reads), ("override write", tally.writes)):
        print(
            f"  {what:<15} n={len(values):>6}  p50 {ms(values, 50):8.1f} ms  "
            f"p95 {ms(values, 95):8.1f} ms  p99 {ms(values, 99):8.1f} ms"
        )
    ramp = tally.ramp_reads
    print(
        f"  while the clients started: {len(ramp)} grid reads, p95 {ms(ramp, 95):.1f} ms; "
        f"{len(tally.ramp_writes)} writes, p95 {ms(tally.ramp_writes, 95):.1f} ms"
    )
    statuses = ", ".join(f"{w} {s}: {n}" for (w, s), n in sorted(tally.statuses.items()))
    print(f"  statuses: {statuses}")
    for line in tally.failures:
        print(f"    e.g. {line}")
    inproc = ms(peer, 50)
    print(
        f"  peer: the same grid read in-process (demand_plan().view('family')): p50 "
        f"{inproc:.1f} ms, p95 {ms(peer, 95):.1f} ms; HTTP p50 / in-process p50 = "
        f"{ms(tally.reads, 50) / inproc:.1f}x"
    )
    p95 = ms(tally.reads, 95)
    verdict = "met" if p95 < TARGET_P95_MS else "NOT met"
    print(f"  target p95 of the family grid read < {TARGET_P95_MS:.0f} ms: {verdict} ({p95:.1f})")
    server_errors = sum(n for (_, s), n in tally.statuses.items() if s >= 500)
    broken = sum(n for (_, s), n in tally.statuses.items() if s == 0)
    print(
        f"  acknowledged writes: {len(tally.acked)}, in the store: "
        f"{len(tally.acked) - len(lost)}, lost: {len(lost)}; 5xx: {server_errors}; "
        f"broken connections: {broken}"
        + (f"; 2xx writes without an override id: {tally.no_id}" if tally.no_id else "")
    )
    ok = not (server_errors or broken or lost or tally.no_id) and bool(tally.reads)
    print(f"  {name}: {'PASS' if ok else 'FAIL'}")
    return ok


def run(name: str, url: str, uow: UnitOfWork, folder: Path, args: argparse.Namespace) -> bool:
    print(f"{name}: {args.clients} clients for {args.seconds:.0f}s")
    writers = prepare(uow, folder, args.months, args.clients, args.horizon)
    port = free_port()
    log = folder / "serve.log"
    server = start_server(url, port, log)
    base = f"http://{HOST}:{port}"
    try:
        check_routes(base, writers[0])
        tally, took = asyncio.run(load(base, writers, args.seconds, args.ramp))
    finally:
        stop_server(server)
    said = log.read_text(errors="replace").strip()
    if said:
        print(f"  the server said ({log}):\n    " + "\n    ".join(said.splitlines()[-8:]))
    lost = lost_writes(uow, tally)
    return report(name, tally, took, in_process_grid(uow), lost)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the load (60)")
    ap.add_argument(
        "--ramp", type=float, default=5.0, help="seconds over which the clients start (5)"
    )
    ap.add_argument("--clients", type=int, default=50, help="concurrent clients (50)")
    ap.add_argument("--months", type=int, default=2, help="cycles of the demo (2)")
    ap.add_argument(
        "--horizon", type=int, default=24, help="periods the demo plans, the grid's columns (24)"
    )
    ap.add_argument("--db", default="sqlite,postgresql", help="stores: sqlite,postgresql")
    args = ap.parse_args()
    ok = True
    for kind in [k.strip() for k in args.db.split(",") if k.strip()]:
        folder = Path(tempfile.mkdtemp(prefix=f"snop-api-bench-{kind}-"))
        try:
            if kind == "sqlite":
                url, uow = sqlite_store(folder)
                try:
                    ok &= run("SQLite", url, uow, folder, args)
                finally:
                    uow.dispose()
            elif kind == "postgresql":
                pg = postgres_store()
                if pg is None:
                    print("PostgreSQL: skipped (set SNOP_TEST_POSTGRES_URL to a server's URL)")
                    continue
                url, uow, name = pg
                try:
                    ok &= run("PostgreSQL", url, uow, folder, args)
                finally:
                    uow.dispose()
                    drop_postgres(name)
            else:
                raise BenchError(f"--db {kind}: give sqlite, postgresql or both")
        except BenchError as e:
            print(f"error: {e}", file=sys.stderr)
            sys.exit(2)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
