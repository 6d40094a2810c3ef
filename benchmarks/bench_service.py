"""HTTP figures of the matching service under load, beside the HTTP floor measured in the same run.

    python benchmarks/bench_service.py                      # SQLite, 10,000 open openings, 1 and 2 workers
    python benchmarks/bench_service.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

What it does: generates a sample world of 2,000 seekers and 10,000 openings,
trains a bundle on it as generated, moves every opening's dates so that all
10,000 are open on one as-of day (and makes 200 of them one-position
youth_1on1 openings), imports that into a fresh database (the bundle is not
trained on the moved dates: the events would no longer fall inside their
openings' windows, which leaves the rankers without training pairs), starts ``jobmatch serve --workers W`` and
drives it from ``wrk`` (Debian package ``wrk``) on loopback with 32 open
connections for ``--duration`` seconds:

- ``GET /seekers/{id}/matches?k=10`` over 500 random seekers: p50, p99,
  requests/s, twice: ``cold`` with the ranked-list cache off
  (``JOBMATCH_MATCH_CACHE_SIZE=0``: every request ranks), and ``warm`` with it
  on, after every worker has ranked every seeker once (the figure a steady
  service with few writes sees); the hit ratio is counted from the
  ``X-Match-Cache`` header of every answer;
- ``GET /health`` at the same concurrency: the reference, what the HTTP stack
  alone costs on this machine;
- ``POST /assignments`` for 300 youth × 200 one-person slots: time per call,
  total score against the greedy one-by-one placement.

- ``mixed``: a job center's mix from 32 connections, starting warm: 60 % ``GET
  /seekers/{id}/matches``, 10 % ``GET /openings/{id}/candidates``, 10 % ``GET
  /seekers/{id}``, 10 % ``POST /events`` (70 % views, 30 % applications), 5 %
  ``PUT /seekers/{id}/consent``, 5 % ``POST /search``; p50, p99, req/s and the
  count of every status answered;

Each row ends with the service's CPU time per answered request (all its processes, user + system: what one
request costs the machine, whatever else runs on it) and the machine's 1-minute load average as the run ended
(other work on the machine shows there).

- ``writes``: the warm run while one more client records events at
  ``--write-rate`` a second (70 % views, 30 % applications by the same 500
  seekers, no hires): each write moves the change revision, every worker
  applies it before its next answer, and an application drops that seeker's
  cached lists (see ``service.serving.unaltered``);

``--keep DIR`` keeps the generated world and the bundle in DIR and reuses them on the next run (the database
is always fresh); ``--cases`` picks runs, e.g. ``--cases warm`` for the cached figures alone.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

from matcher import bundle
from matcher.contract import Dataset, load_folder, write_table
from service import auth
from service.db import make_engine
from service.import_export import import_dataset
from service.migrate import upgrade
from training.pipeline import train
from training.sample import generate

WRK_SCRIPT = """
math.randomseed(os.time())
local ids = {%s}
wrk.headers["Authorization"] = "Bearer %s"
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  hits, misses = 0, 0
end
request = function()
  return wrk.format("GET", "/seekers/" .. ids[math.random(#ids)] .. "/matches?k=10")
end
function response(status, headers, body)
  local cache = headers["x-match-cache"] or headers["X-Match-Cache"]
  if cache == "hit" then hits = hits + 1 elseif cache then misses = misses + 1 end
end
function done(summary, latency, requests)
  local h, m = 0, 0
  for _, thread in ipairs(threads) do
    h = h + thread:get("hits")
    m = m + thread:get("misses")
  end
  io.write(string.format("CACHE %%d %%d\\n", h, m))
end
"""


# The mixed case: what a job center's day sends (60 % match lists, 10 % candidate lists, 10 % profile reads, 10 %
# events, 5 % consent changes, 5 % anonymous-style searches), every answer's status counted.
MIXED_SCRIPT = """
math.randomseed(os.time())
local seekers = {%s}
local openings = {%s}
local day = "%s"
wrk.headers["Authorization"] = "Bearer %s"
wrk.headers["Content-Type"] = "application/json"
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  statuses = {}
end
local function pick(list) return list[math.random(#list)] end
request = function()
  local r = math.random()
  if r < 0.60 then
    return wrk.format("GET", "/seekers/" .. pick(seekers) .. "/matches?k=10")
  elseif r < 0.70 then
    return wrk.format("GET", "/openings/" .. pick(openings) .. "/candidates?k=10")
  elseif r < 0.80 then
    return wrk.format("GET", "/seekers/" .. pick(seekers))
  elseif r < 0.90 then
    local kind = "viewed"
    if math.random() < 0.3 then kind = "applied" end
    local body = string.format('{"seeker_id":"%%s","opening_id":"%%s","event":"%%s","occurred_at":"%%sT10:00:00"}',
                                pick(seekers), pick(openings), kind, day)
    return wrk.format("POST", "/events", nil, body)
  elseif r < 0.95 then
    local body = '{"consent_employer_view":' .. (math.random() < 0.5 and "true" or "false") .. '}'
    return wrk.format("PUT", "/seekers/" .. pick(seekers) .. "/consent", nil, body)
  else
    local body = '{"birth_year":1999,"dong":"성수1가1동","skills":["미싱","재단"],"desired_hours":40}'
    return wrk.format("POST", "/search", nil, body)
  end
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local all = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    for code, n in pairs(counts) do all[code] = (all[code] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(all) do table.insert(parts, code .. "=" .. n) end
  table.sort(parts)
  io.write("STATUSES " .. table.concat(parts, " ") .. "\\n")
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(folder: Path) -> Dataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_folder(folder)


def trained_world(keep: Path, n_openings: int) -> Path:
    """The sample world as generated in ``keep/generated`` and a bundle trained on it in ``keep/models``
    (both reused when present); returns the world's folder."""
    folder, models = keep / "generated", keep / "models"
    if not (folder / "openings.csv").exists():
        generate(folder, n_seekers=2000, n_openings=n_openings, seed=5, progress=False)
    if not (models / "CURRENT").exists():
        start = time.perf_counter()
        result = train(load(folder), with_baselines=False)
        print(f"trained on 2,000 seekers × {n_openings:,} openings in {time.perf_counter() - start:.0f} s")
        bundle.save(result.model, models, {"metrics": {}})
    return folder


def build_world(generated: Path, folder: Path) -> tuple[pd.Timestamp, list[str]]:
    """The generated world with every opening open on one day, in ``folder``; returns that day and 300 youth ids."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("seekers.csv", "events.csv"):
        shutil.copy(generated / name, folder / name)
    data = load(generated)
    openings = data.openings
    # The day after everything the bundle was trained on, as a service's lists are (a bundle trained until
    # yesterday): an earlier day would be ranked with a history refitted on the events before it (Matcher.model_at).
    as_of = max(openings["posted_at"].max(), data.events["occurred_at"].max()).normalize() + pd.Timedelta(days=1)
    rng = np.random.default_rng(0)
    openings["posted_at"] = as_of - pd.to_timedelta(rng.integers(1, 40, len(openings)), unit="D")
    openings["deadline"] = as_of + pd.to_timedelta(rng.integers(1, 30, len(openings)), unit="D")
    youth_slots = openings.index[:200]
    openings.loc[youth_slots, ["program", "positions"]] = ["youth_1on1", 1]
    openings.loc[youth_slots, "target_groups"] = pd.Series([()] * len(youth_slots), index=youth_slots)
    openings.loc[youth_slots, ["age_min", "age_max"]] = np.nan
    write_table(openings, folder / "openings.csv", "openings")
    age = as_of.year - data.seekers["birth_year"]
    youth = data.seekers.loc[age.between(19, 39), "seeker_id"].head(300).tolist()
    return as_of, youth


def group_cpu(group: int) -> float:
    """CPU seconds (user + system) used so far by the live processes of a process group (the service and its
    workers: ``serve`` starts it in a session of its own)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # pgrp; utime and stime are fields 14 and 15 of the line
            total += int(fields[11]) + int(fields[12])
    return total / tick


def wrk(
    url: str, duration: int, connections: int, script: Path | None, token: str, group: int | None = None
) -> dict[str, float]:
    """One wrk run; with ``group`` (the service's process group), also the service's CPU per request."""
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    command += ["-H", f"Authorization: Bearer {token}"]
    if script is not None:
        command += ["-s", str(script)]
    cpu = group_cpu(group) if group else 0.0
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    cpu = group_cpu(group) - cpu if group else float("nan")
    requests = int(re.search(r"(\d+) requests in", out).group(1))

    def latency(pct: str) -> float:
        value, unit = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    statuses = re.search(r"^STATUSES (.*)$", out, re.M)
    cache = re.search(r"^CACHE (\d+) (\d+)$", out, re.M)
    hits, misses = (int(cache.group(1)), int(cache.group(2))) if cache else (0, 0)
    return {
        "p50": latency("50"),
        "p99": latency("99"),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "hit_ratio": hits / (hits + misses) if hits + misses else None,
        "statuses": statuses.group(1) if statuses else "",
        "cpu_ms": cpu * 1000 / max(requests, 1),
    }


def row(workers: int, connections: int, label: str, cache: str, r: dict) -> str:
    hit = f"{r['hit_ratio']:>6.1%}" if r.get("hit_ratio") is not None else f"{'-':>6}"
    cpu = r.get("cpu_ms", float("nan"))
    figures = f"{r['p50']:>8.1f} {r['p99']:>8.1f} {r['rps']:>8.0f} {r['non_2xx']:>8} {hit} {cpu:>7.1f}"
    load = f"{os.getloadavg()[0]:>5.2f}"  # the machine's 1-minute load average as the run ends
    return f"{workers:>7} {connections:>5} {label:<34} {cache:<5} {figures} {load}"


def warm_up(base: str, script: Path, token: str, workers: int) -> dict:
    """Run until a 5 s run answers from the cache at least 99 % of the time (every worker holds every list)."""
    r = {}
    for _ in range(12):
        r = wrk(base, 5, 8 * workers, script, token)
        if (r["hit_ratio"] or 0) >= 0.99:
            break
    return r


def serve(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    jobmatch = Path(sys.executable).with_name("jobmatch")
    process = subprocess.Popen(
        [str(jobmatch), "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
        start_new_session=True,
    )
    deadline = time.time() + 300
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).json().get("status") == "ok":
                return process
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    process.kill()
    raise RuntimeError("the service did not become healthy within 300 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--openings", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", default="1,32", help="open connections of each wrk run")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--server-log", default=None, help="keep the service's log here")
    parser.add_argument("--keep", default=None, help="keep (and reuse) the generated world and bundle here")
    parser.add_argument("--cases", default="cold,warm,writes,mixed", help="which runs: cold, warm, writes, mixed")
    parser.add_argument("--write-rate", type=float, default=10.0, help="events a second in the writes case")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        keep = Path(args.keep or tmp)
        generated = trained_world(keep, args.openings)
        folder = Path(tmp) / "data"
        as_of, youth = build_world(generated, folder)
        data = load(folder)
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        engine = make_engine(url)
        upgrade(engine)
        import_dataset(engine, data, replace=True)
        with engine.begin() as conn:
            token = auth.issue(conn, "counselor", label="benchmark")[1]
        engine.dispose()
        env = {
            **os.environ,
            "JOBMATCH_DATABASE_URL": url,
            "JOBMATCH_MODEL_DIR": str(keep / "models"),
            "JOBMATCH_DEFAULT_AS_OF": as_of.date().isoformat(),
            # One client address and one token send everything: the abuse limits would measure themselves.
            "JOBMATCH_RATE_LIMIT_TOKEN": "10000000/minute",
            "JOBMATCH_RATE_LIMIT_ADDRESS": "10000000/minute",
        }
        script = Path(tmp) / "matches.lua"
        ids = data.seekers["seeker_id"].sample(500, random_state=0)
        script.write_text(WRK_SCRIPT % (", ".join(f'"{i}"' for i in ids), token))
        mixed_script = Path(tmp) / "mixed.lua"
        some_openings = data.openings["opening_id"].sample(500, random_state=0)
        mixed_script.write_text(
            MIXED_SCRIPT
            % (
                ", ".join(f'"{i}"' for i in ids),
                ", ".join(f'"{i}"' for i in some_openings),
                as_of.date().isoformat(),
                token,
            )
        )
        print(f"{len(data.openings):,} openings open on {as_of.date()}; wrk with {args.connections} connections, "
              f"{args.duration} s each, on {os.cpu_count()} cores; database {url.split(':')[0]}")  # fmt: skip
        print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        header = f"{'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'non-2xx':>8} {'hits':>6} {'cpu ms':>7} {'load':>5}"
        print(f"{'workers':>7} {'conns':>5} {'endpoint':<34} {'cache':<5} {header}")
        matches = "GET /seekers/{id}/matches?k=10"
        opening_ids = data.openings["opening_id"]
        connections = [int(c) for c in args.connections.split(",")]
        for workers in [int(w) for w in args.workers.split(",")]:
            for cache in args.cases.split(","):
                size = "0" if cache == "cold" else os.environ.get("JOBMATCH_MATCH_CACHE_SIZE", "4096")
                port = free_port()
                log = Path(args.server_log or f"{tmp}/server.log").with_suffix(f".{workers}-{cache}.log")
                process = serve({**env, "JOBMATCH_MATCH_CACHE_SIZE": size}, port, workers, log)
                try:
                    base = f"http://127.0.0.1:{port}"
                    wrk(base, 3, 32, script, token)  # every worker builds its matcher
                    if cache != "cold":
                        warm_up(base, script, token, workers)
                    for n in connections:
                        if cache == "mixed":
                            r = wrk(base, args.duration, n, mixed_script, token, process.pid)
                            print(row(workers, n, "mixed 60/10/10/10/5/5 %", cache, r))
                            print(f"{'':>13} (statuses: {r['statuses']})", flush=True)
                            continue
                        if cache != "writes":
                            r = wrk(base, args.duration, n, script, token, process.pid)
                            print(row(workers, n, matches, cache, r))
                            continue
                        with Writer(base, token, ids.tolist(), opening_ids, as_of, args.write_rate) as w:
                            r = wrk(base, args.duration, n, script, token, process.pid)
                        print(row(workers, n, matches, cache, r))
                        print(f"{'':>13} {w.summary()}", flush=True)
                    if cache == "warm":
                        for n in connections:
                            r = wrk(f"{base}/health", args.duration, n, None, token, process.pid)
                            print(row(workers, n, "GET /health (reference)", "-", r), flush=True)
                        assignments(base, token, youth, data.openings["opening_id"].head(200).tolist(), workers)
                finally:
                    os.killpg(process.pid, signal.SIGINT)
                    process.wait(timeout=30)
        print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


class Writer:
    """Records events at ``rate`` a second from a thread while the ``with`` block runs."""

    def __init__(self, base: str, token: str, seekers: list[str], openings: pd.Series, as_of: pd.Timestamp,
                 rate: float) -> None:  # fmt: skip
        self.base, self.rate, self.as_of = base, rate, as_of
        self.headers = {"Authorization": f"Bearer {token}"}
        self.seekers, self.openings = seekers, openings.tolist()
        self.stop = threading.Event()
        self.sent, self.failed = 0, 0
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        rng = np.random.default_rng(1)
        with httpx.Client(base_url=self.base, headers=self.headers, timeout=30) as client:
            next_at = time.perf_counter()
            while not self.stop.is_set():
                body = {
                    "seeker_id": self.seekers[rng.integers(len(self.seekers))],
                    "opening_id": self.openings[rng.integers(len(self.openings))],
                    "event": "viewed" if rng.random() < 0.7 else "applied",
                    "occurred_at": f"{self.as_of.date()}T10:00:00",
                }
                ok = client.post("/events", json=body).status_code == 201
                self.sent, self.failed = self.sent + ok, self.failed + (not ok)
                next_at += 1 / self.rate
                self.stop.wait(max(0.0, next_at - time.perf_counter()))

    def __enter__(self) -> Writer:
        self.started = time.perf_counter()
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self.elapsed = time.perf_counter() - self.started

    def summary(self) -> str:
        return f"(writes: {self.sent} events recorded, {self.sent / self.elapsed:.1f}/s, {self.failed} refused)"


def assignments(base: str, token: str, youth: list[str], slots: list[str], workers: int) -> None:
    """Time POST /assignments for the youth over the one-person slots (median of 5)."""
    auth_header = {"Authorization": f"Bearer {token}"}
    body = {"seeker_ids": youth, "opening_ids": slots}
    times, answer = [], None
    for _ in range(5):
        t0 = time.perf_counter()
        answer = httpx.post(f"{base}/assignments", json=body, timeout=300, headers=auth_header)
        times.append(time.perf_counter() - t0)
    answer.raise_for_status()
    a = answer.json()
    print(
        f"{workers:>7} {1:>5} POST /assignments {len(youth)} youth × {len(slots)} slots: "
        f"{np.median(times) * 1000:.0f} ms (median of 5); placed {len(a['placements'])}, "
        f"total {a['total_score']:.2f} vs greedy {a['greedy_total_score']:.2f} "
        f"({a['greedy_placed']} placed)"
    )


if __name__ == "__main__":
    main()
